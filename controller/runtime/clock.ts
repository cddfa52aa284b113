/**
 * Time as an injected dependency. Every piece of the runtime takes a `Clock` so that tests can drive time
 * with `FakeClock` instead of sleeping.
 */

/** An opaque handle returned by `Clock.setTimeout`. */
export type TimerHandle = { readonly timerId: number } | ReturnType<typeof globalThis.setTimeout>;

export interface Clock {
  /** Milliseconds since the epoch (or any fixed origin; only differences matter to the runtime). */
  now(): number;
  setTimeout(callback: () => void, ms: number): TimerHandle;
  clearTimeout(handle: TimerHandle): void;
}

export const systemClock: Clock = {
  now: () => Date.now(),
  setTimeout: (callback, ms) => globalThis.setTimeout(callback, ms),
  clearTimeout: (handle) => {
    // Only handles made by the global setTimeout reach this clock.
    globalThis.clearTimeout(handle as ReturnType<typeof globalThis.setTimeout>);
  },
};

interface FakeTimer {
  id: number;
  dueAt: number;
  callback: () => void;
}

/** Lets every pending promise continuation run: setImmediate fires only after the microtask queue drains. */
export function flushMicrotasks(): Promise<void> {
  return new Promise((resolve) => setImmediate(resolve));
}

/**
 * A clock that only moves when a test calls `advance`. Timers fire in due order (ties in creation order),
 * and pending promise continuations run between timers so async code behaves as it would in real time.
 */
export class FakeClock implements Clock {
  #nowMs: number;
  #nextId = 1;
  #timers: FakeTimer[] = [];

  constructor(options: { startMs?: number } = {}) {
    this.#nowMs = options.startMs ?? 1_700_000_000_000;
  }

  now(): number {
    return this.#nowMs;
  }

  setTimeout(callback: () => void, ms: number): TimerHandle {
    const id = this.#nextId++;
    const delay = Number.isFinite(ms) && ms > 0 ? ms : 0;
    this.#timers.push({ id, dueAt: this.#nowMs + delay, callback });
    return { timerId: id };
  }

  clearTimeout(handle: TimerHandle): void {
    if (typeof handle !== 'object' || handle === null || !('timerId' in handle)) return;
    this.#timers = this.#timers.filter((timer) => timer.id !== handle.timerId);
  }

  /** Number of timers not yet fired or cleared. */
  pendingTimers(): number {
    return this.#timers.length;
  }

  /** When the next timer is due, or undefined if none is pending. */
  nextDueAt(): number | undefined {
    return this.#earliest()?.dueAt;
  }

  /** Moves time forward by `ms`, firing every timer that falls due on the way. */
  async advance(ms: number): Promise<void> {
    const target = this.#nowMs + ms;
    await flushMicrotasks();
    // Bounded: a timer that keeps re-arming itself with a zero delay must not hang a test forever.
    for (let fired = 0; fired < 100_000; fired++) {
      const next = this.#earliest();
      if (!next || next.dueAt > target) break;
      this.#timers = this.#timers.filter((timer) => timer !== next);
      this.#nowMs = Math.max(this.#nowMs, next.dueAt);
      next.callback();
      await flushMicrotasks();
    }
    this.#nowMs = target;
    await flushMicrotasks();
  }

  /** Advances in steps of `stepMs` until `condition()` holds or `maxMs` has passed; returns the condition. */
  async advanceUntil(options: { condition: () => boolean; stepMs: number; maxMs: number }): Promise<boolean> {
    for (let elapsed = 0; elapsed <= options.maxMs; elapsed += options.stepMs) {
      if (options.condition()) return true;
      await this.advance(options.stepMs);
    }
    return options.condition();
  }

  #earliest(): FakeTimer | undefined {
    let best: FakeTimer | undefined;
    for (const timer of this.#timers) {
      if (!best || timer.dueAt < best.dueAt || (timer.dueAt === best.dueAt && timer.id < best.id))
        best = timer;
    }
    return best;
  }
}

/**
 * Waits `ms` on `clock`. Resolves `true` when the time passed and `false` as soon as `signal` aborts
 * (never rejects), so loops can simply check the result.
 */
export function sleep(options: { clock: Clock; ms: number; signal?: AbortSignal }): Promise<boolean> {
  const { clock, ms, signal } = options;
  if (signal?.aborted) return Promise.resolve(false);
  return new Promise((resolve) => {
    const onAbort = () => {
      clock.clearTimeout(handle);
      resolve(false);
    };
    const handle = clock.setTimeout(() => {
      signal?.removeEventListener('abort', onAbort);
      resolve(true);
    }, ms);
    signal?.addEventListener('abort', onAbort, { once: true });
  });
}
