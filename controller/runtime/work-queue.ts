/**
 * A rate-limited, delaying work queue with client-go's contract:
 * - level based and de-duplicated: a key that is waiting is not queued twice;
 * - a key is never handed to two workers: a key added while it is processed is queued again once, when
 *   the worker calls `done`;
 * - `addAfter` delays a key (the earliest pending deadline wins), `addRateLimited` delays it by the rate
 *   limiter's back-off, `forget` resets the back-off;
 * - after `shutDown` adds are ignored and `get` hands out what is still queued, then `undefined`.
 */
import type { Clock, TimerHandle } from './clock.ts';
import { DeadlineHeap } from './deadline-heap.ts';
import { defaultControllerRateLimiter, type RateLimiter } from './rate-limiter.ts';

/** Callbacks so that prom-client (or anything else) can observe the queue without the queue knowing it. */
export interface WorkQueueMetrics {
  /** Current number of keys waiting to be handed out. */
  depth?(options: { queue: string; depth: number }): void;
  /** A key entered the queue (not called for de-duplicated adds). */
  add?(options: { queue: string; key: string }): void;
  /** How long a key waited in the queue before a worker took it. */
  queueLatency?(options: { queue: string; key: string; ms: number }): void;
  /** How long a worker held a key (get to done). */
  workDuration?(options: { queue: string; key: string; ms: number }): void;
  /** A key was re-queued through the rate limiter. */
  retry?(options: { queue: string; key: string }): void;
}

export interface WorkQueueOptions {
  clock: Clock;
  /** Defaults to client-go's controller rate limiter (5 ms..1000 s per key, 10 qps / 100 burst overall). */
  rateLimiter?: RateLimiter;
  /** A name for metrics and logs. */
  name?: string;
  metrics?: WorkQueueMetrics;
}

interface Waiter {
  resolve(key: string | undefined): void;
  signal?: AbortSignal;
  onAbort?: () => void;
}

export class WorkQueue {
  readonly name: string;
  readonly #clock: Clock;
  readonly #rateLimiter: RateLimiter;
  readonly #metrics: WorkQueueMetrics;

  /** Keys ready for a worker, in order. */
  readonly #queue: string[] = [];
  /** Keys that need processing: queued, or added again while being processed. */
  readonly #dirty = new Set<string>();
  /** Keys a worker holds, with the time it took them. */
  readonly #processing = new Map<string, number>();
  /** When each queued key entered the queue, for the latency metric. */
  readonly #queuedAt = new Map<string, number>();
  readonly #waiters: Waiter[] = [];

  /** Delayed keys: the earliest deadline per key, and a heap to find the next one. */
  readonly #waiting = new Map<string, number>();
  readonly #deadlines = new DeadlineHeap();
  #timer: TimerHandle | undefined;
  #timerDueAt = Number.POSITIVE_INFINITY;

  #shuttingDown = false;
  #drainWaiters: (() => void)[] = [];

  constructor(options: WorkQueueOptions) {
    this.#clock = options.clock;
    this.#rateLimiter = options.rateLimiter ?? defaultControllerRateLimiter({ clock: options.clock });
    this.#metrics = options.metrics ?? {};
    this.name = options.name ?? 'default';
  }

  /** Marks `key` as needing work. No-op if it is already queued or after shutdown. */
  add(key: string): void {
    if (this.#shuttingDown || this.#dirty.has(key)) return;
    this.#dirty.add(key);
    this.#metrics.add?.({ queue: this.name, key });
    // A worker holds it: `done` will queue it again, so it never runs on two workers at once.
    if (this.#processing.has(key)) return;
    this.#enqueue(key);
  }

  /** Adds `key` once `delayMs` has passed. If the key already waits for an earlier time, that time wins. */
  addAfter(key: string, delayMs: number): void {
    if (this.#shuttingDown) return;
    if (!(delayMs > 0)) {
      this.add(key);
      return;
    }
    const readyAt = this.#clock.now() + delayMs;
    const existing = this.#waiting.get(key);
    if (existing !== undefined && existing <= readyAt) return;
    this.#waiting.set(key, readyAt);
    this.#deadlines.push(key, readyAt);
    if (readyAt < this.#timerDueAt) this.#armTimer();
  }

  /** Adds `key` after the rate limiter's back-off for it (one more failure counted). */
  addRateLimited(key: string): void {
    if (this.#shuttingDown) return;
    this.#metrics.retry?.({ queue: this.name, key });
    this.addAfter(key, this.#rateLimiter.when(key));
  }

  /** Resets the back-off of `key`; call it when the key was processed successfully. */
  forget(key: string): void {
    this.#rateLimiter.forget(key);
  }

  numRequeues(key: string): number {
    return this.#rateLimiter.numRequeues(key);
  }

  /**
   * Waits for a key and marks it as processing. Resolves `undefined` when the queue is shut down and empty,
   * or when `signal` aborts (then no key is taken, so none is lost).
   */
  get(options: { signal?: AbortSignal } = {}): Promise<string | undefined> {
    const { signal } = options;
    if (signal?.aborted) return Promise.resolve(undefined);
    if (this.#queue.length > 0) return Promise.resolve(this.#take());
    if (this.#shuttingDown) return Promise.resolve(undefined);
    return new Promise((resolve) => {
      const waiter: Waiter = { resolve, signal };
      if (signal) {
        waiter.onAbort = () => {
          const index = this.#waiters.indexOf(waiter);
          if (index >= 0) this.#waiters.splice(index, 1);
          resolve(undefined);
        };
        signal.addEventListener('abort', waiter.onAbort, { once: true });
      }
      this.#waiters.push(waiter);
    });
  }

  /** The worker finished `key`. If it was added meanwhile it goes back in the queue now. */
  done(key: string): void {
    const startedAt = this.#processing.get(key);
    if (startedAt === undefined) return;
    this.#processing.delete(key);
    this.#metrics.workDuration?.({ queue: this.name, key, ms: this.#clock.now() - startedAt });
    if (this.#dirty.has(key)) this.#enqueue(key);
    if (this.#processing.size === 0) this.#resolveDrainWaiters();
  }

  /** Number of keys ready to be handed out (not counting processing or delayed keys). */
  len(): number {
    return this.#queue.length;
  }

  /** Number of keys a worker holds right now. */
  processingCount(): number {
    return this.#processing.size;
  }

  /** Number of keys waiting for a delay (addAfter / addRateLimited) to pass. */
  delayedCount(): number {
    return this.#waiting.size;
  }

  isShuttingDown(): boolean {
    return this.#shuttingDown;
  }

  /**
   * Stops accepting keys and drops delayed ones. Workers blocked in `get` are released once the queue is
   * empty; keys already queued are still handed out, as in client-go.
   */
  shutDown(): void {
    if (this.#shuttingDown) return;
    this.#shuttingDown = true;
    if (this.#timer !== undefined) this.#clock.clearTimeout(this.#timer);
    this.#timer = undefined;
    this.#timerDueAt = Number.POSITIVE_INFINITY;
    this.#waiting.clear();
    this.#deadlines.clear();
    if (this.#queue.length === 0) this.#releaseWaiters();
  }

  /** Shuts down, then resolves once every key a worker holds is `done`. Race it with a timeout if needed. */
  shutDownWithDrain(): Promise<void> {
    this.shutDown();
    if (this.#processing.size === 0) return Promise.resolve();
    return new Promise((resolve) => this.#drainWaiters.push(resolve));
  }

  #enqueue(key: string): void {
    this.#queue.push(key);
    this.#queuedAt.set(key, this.#clock.now());
    this.#metrics.depth?.({ queue: this.name, depth: this.#queue.length });
    const waiter = this.#waiters.shift();
    if (waiter) {
      if (waiter.onAbort) waiter.signal?.removeEventListener('abort', waiter.onAbort);
      waiter.resolve(this.#take());
    }
  }

  #take(): string {
    const key = this.#queue.shift()!;
    const now = this.#clock.now();
    this.#metrics.depth?.({ queue: this.name, depth: this.#queue.length });
    this.#metrics.queueLatency?.({ queue: this.name, key, ms: now - (this.#queuedAt.get(key) ?? now) });
    this.#queuedAt.delete(key);
    this.#dirty.delete(key);
    this.#processing.set(key, now);
    if (this.#shuttingDown && this.#queue.length === 0) this.#releaseWaiters();
    return key;
  }

  #releaseWaiters(): void {
    for (const waiter of this.#waiters.splice(0)) {
      if (waiter.onAbort) waiter.signal?.removeEventListener('abort', waiter.onAbort);
      waiter.resolve(undefined);
    }
  }

  #resolveDrainWaiters(): void {
    for (const resolve of this.#drainWaiters.splice(0)) resolve();
  }

  #armTimer(): void {
    if (this.#timer !== undefined) this.#clock.clearTimeout(this.#timer);
    this.#timer = undefined;
    this.#timerDueAt = Number.POSITIVE_INFINITY;
    const next = this.#nextLiveDeadline();
    if (next === undefined) return;
    this.#timerDueAt = next;
    this.#timer = this.#clock.setTimeout(() => this.#onTimer(), Math.max(0, next - this.#clock.now()));
  }

  /** Skips heap entries superseded by an earlier deadline for the same key. */
  #nextLiveDeadline(): number | undefined {
    for (let top = this.#deadlines.peek(); top !== undefined; top = this.#deadlines.peek()) {
      if (this.#waiting.get(top.key) === top.readyAt) return top.readyAt;
      this.#deadlines.pop();
    }
    return undefined;
  }

  #onTimer(): void {
    this.#timer = undefined;
    this.#timerDueAt = Number.POSITIVE_INFINITY;
    const now = this.#clock.now();
    for (
      let top = this.#deadlines.peek();
      top !== undefined && top.readyAt <= now;
      top = this.#deadlines.peek()
    ) {
      this.#deadlines.pop();
      if (this.#waiting.get(top.key) !== top.readyAt) continue;
      this.#waiting.delete(top.key);
      this.add(top.key);
    }
    this.#armTimer();
  }
}
