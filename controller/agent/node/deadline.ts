/**
 * The agent's dead-man switch: every injection carries an absolute deadline, and when it passes the agent
 * recovers the injection on its own, whether or not the controller is still there. One timer is armed for
 * the earliest deadline; a failed recovery is retried until it succeeds or the entry is cancelled.
 */
import type { Clock, TimerHandle } from '../../runtime/clock.ts';

export interface DeadlineEntry {
  id: string;
  /** Absolute time (clock milliseconds) at which the injection must be recovered. */
  deadlineMs: number;
}

export interface DeadlineSchedulerOptions {
  clock: Clock;
  /** Recovers the injection. Rejecting makes the scheduler retry after `retryDelayMs`. */
  onDeadline: (entry: DeadlineEntry) => Promise<void>;
  /** Told about each failed attempt (for logs and status); the entry stays scheduled. */
  onError?: (entry: DeadlineEntry, error: unknown) => void;
  retryDelayMs?: number;
  /** Longest single timer; long deadlines are reached in steps so clock jumps and timer limits do not matter. */
  maxTimerMs?: number;
}

export class DeadlineScheduler {
  readonly #clock: Clock;
  readonly #onDeadline: DeadlineSchedulerOptions['onDeadline'];
  readonly #onError: DeadlineSchedulerOptions['onError'];
  readonly #retryDelayMs: number;
  readonly #maxTimerMs: number;
  readonly #entries = new Map<string, number>();
  /** Bumped on every schedule/cancel of an id, so a finished attempt can tell whether it is still current. */
  readonly #generation = new Map<string, number>();
  readonly #inFlight = new Set<Promise<void>>();
  #timer: { handle: TimerHandle; dueAt: number } | undefined;
  #stopped = false;

  constructor(options: DeadlineSchedulerOptions) {
    this.#clock = options.clock;
    this.#onDeadline = options.onDeadline;
    this.#onError = options.onError;
    this.#retryDelayMs = options.retryDelayMs ?? 1000;
    this.#maxTimerMs = options.maxTimerMs ?? 60_000;
  }

  /** Sets (or moves) the deadline of an injection. A deadline in the past fires right away. */
  schedule(entry: DeadlineEntry): void {
    if (!Number.isFinite(entry.deadlineMs)) throw new RangeError('deadlineMs must be a finite number');
    if (this.#stopped) return;
    this.#bump(entry.id);
    this.#entries.set(entry.id, entry.deadlineMs);
    this.#arm();
  }

  /** Forgets an injection (recovered by the controller, or deleted). Returns whether it was pending. */
  cancel(options: { id: string }): boolean {
    this.#bump(options.id);
    const had = this.#entries.delete(options.id);
    this.#arm();
    return had;
  }

  pending(): DeadlineEntry[] {
    return [...this.#entries]
      .map(([id, deadlineMs]) => ({ id, deadlineMs }))
      .sort((a, b) => a.deadlineMs - b.deadlineMs);
  }

  /** Stops the timer; recoveries already running finish (await `idle()`). */
  stop(): void {
    this.#stopped = true;
    this.#clearTimer();
  }

  /** Resolves once no recovery is running. */
  async idle(): Promise<void> {
    for (let round = 0; round < 1000 && this.#inFlight.size > 0; round++)
      await Promise.allSettled([...this.#inFlight]);
  }

  #bump(id: string): void {
    this.#generation.set(id, (this.#generation.get(id) ?? 0) + 1);
  }

  #clearTimer(): void {
    if (this.#timer) this.#clock.clearTimeout(this.#timer.handle);
    this.#timer = undefined;
  }

  #arm(): void {
    if (this.#stopped) return;
    let earliest = Number.POSITIVE_INFINITY;
    for (const deadline of this.#entries.values()) earliest = Math.min(earliest, deadline);
    if (earliest === Number.POSITIVE_INFINITY) {
      this.#clearTimer();
      return;
    }
    const now = this.#clock.now();
    const dueAt = Math.min(earliest, now + this.#maxTimerMs);
    if (this.#timer && this.#timer.dueAt === dueAt) return;
    this.#clearTimer();
    const handle = this.#clock.setTimeout(() => this.#fire(), Math.max(0, dueAt - now));
    this.#timer = { handle, dueAt };
  }

  #fire(): void {
    this.#timer = undefined;
    const now = this.#clock.now();
    for (const [id, deadlineMs] of [...this.#entries]) {
      if (deadlineMs > now) continue;
      this.#entries.delete(id);
      this.#run({ id, deadlineMs });
    }
    this.#arm();
  }

  #run(entry: DeadlineEntry): void {
    const generation = this.#generation.get(entry.id) ?? 0;
    const attempt = (async () => {
      try {
        await this.#onDeadline(entry);
      } catch (error) {
        this.#onError?.(entry, error);
        // Retry unless the entry was rescheduled or cancelled while this attempt ran.
        if (!this.#stopped && (this.#generation.get(entry.id) ?? 0) === generation) {
          this.#entries.set(entry.id, this.#clock.now() + this.#retryDelayMs);
          this.#arm();
        }
      }
    })();
    this.#inFlight.add(attempt);
    void attempt.finally(() => this.#inFlight.delete(attempt));
  }
}
