// Cache lag: a real API server answers watches from its watch cache, which trails etcd by tens of
// milliseconds to seconds. Each watch stream here delays its events by `baseMs` plus a random share of
// `jitterMs`, and never lets a later event of the same stream overtake an earlier one.

export interface WatchDelay {
  /** Every event waits at least this long. */
  baseMs: number;
  /** Plus a uniformly random extra wait in [0, jitterMs). */
  jitterMs: number;
}

export const NO_WATCH_DELAY: WatchDelay = { baseMs: 0, jitterMs: 0 };

export function checkWatchDelay(delay: WatchDelay): WatchDelay {
  for (const [name, value] of Object.entries({ baseMs: delay.baseMs, jitterMs: delay.jitterMs })) {
    if (!Number.isFinite(value) || value < 0) throw new RangeError(`watch delay ${name} must be >= 0 ms`);
  }
  return { baseMs: delay.baseMs, jitterMs: delay.jitterMs };
}

/** One draw of the delay; `random` is injectable for tests. */
export function drawDelayMs(delay: WatchDelay, random: () => number = Math.random): number {
  return delay.baseMs + (delay.jitterMs > 0 ? random() * delay.jitterMs : 0);
}

/**
 * Delivers actions of one stream in the order they were queued, each no earlier than its drawn delay.
 * An action whose own delay would end before its predecessor's waits for the predecessor instead, so
 * jitter spreads events out in time but never reorders them. With no delay and nothing pending,
 * the action runs at once (synchronously).
 */
export class OrderedDelivery {
  private readonly pending: { dueAt: number; action: () => void }[] = [];
  private lastDueAt = 0;
  private timer: NodeJS.Timeout | undefined;
  private readonly delayMs: () => number;

  constructor(options: { delayMs: () => number }) {
    this.delayMs = options.delayMs;
  }

  get pendingCount(): number {
    return this.pending.length;
  }

  push(action: () => void): void {
    const delay = this.delayMs();
    if (delay <= 0 && this.pending.length === 0) {
      action();
      return;
    }
    const dueAt = Math.max(performance.now() + delay, this.lastDueAt);
    this.lastDueAt = dueAt;
    this.pending.push({ dueAt, action });
    if (this.pending.length === 1) this.arm();
  }

  /** Forgets what has not been delivered (the stream ended; a client resumes from what it saw). */
  clear(): void {
    clearTimeout(this.timer);
    this.timer = undefined;
    this.pending.length = 0;
  }

  private arm(): void {
    const head = this.pending[0];
    if (!head) return;
    const wait = Math.max(0, head.dueAt - performance.now());
    this.timer = setTimeout(() => this.flush(), wait);
    this.timer.unref();
  }

  private flush(): void {
    this.timer = undefined;
    const now = performance.now();
    let delivered = 0;
    while (delivered < this.pending.length && this.pending[delivered]!.dueAt <= now) delivered += 1;
    const due = this.pending.splice(0, delivered);
    for (const item of due) item.action();
    this.arm();
  }
}
