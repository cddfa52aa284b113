// Client-side pacing of content-creating requests (POST/PATCH/PUT/DELETE). GitHub's secondary limit
// allows about 80 of them a minute and 500 an hour, and asks for a pause between writes; staying
// under that is cheaper than being told off with a 403 and a retry-after of a minute.

export interface ContentPacerOptions {
  perMinute?: number;
  perHour?: number;
  /** Least time between two writes. */
  minSpacingMs?: number;
  now?: () => number;
  sleep?: (ms: number) => Promise<void>;
}

const minuteMs = 60_000;
const hourMs = 3_600_000;

export class ContentPacer {
  readonly #perMinute: number;
  readonly #perHour: number;
  readonly #minSpacingMs: number;
  readonly #now: () => number;
  readonly #sleep: (ms: number) => Promise<void>;
  /** Start times of the writes of the last hour, oldest first. */
  readonly #recent: number[] = [];
  #queue: Promise<void> = Promise.resolve();
  #waitedMs = 0;

  constructor(options: ContentPacerOptions = {}) {
    this.#perMinute = options.perMinute ?? 80;
    this.#perHour = options.perHour ?? 500;
    this.#minSpacingMs = options.minSpacingMs ?? 1000;
    this.#now = options.now ?? Date.now;
    this.#sleep = options.sleep ?? ((ms) => new Promise((resolve) => setTimeout(resolve, ms)));
  }

  /** Total time writes spent waiting for a slot, for metrics and tests. */
  get waitedMs(): number {
    return this.#waitedMs;
  }

  /** Resolves when the caller may send one content-creating request. Callers are served in order. */
  acquire(): Promise<void> {
    const turn = this.#queue.then(() => this.#takeSlot());
    this.#queue = turn.catch(() => undefined);
    return turn;
  }

  /** How long the next write would wait if it asked now. */
  delayMs(): number {
    const now = this.#now();
    this.#forget(now);
    let wait = 0;
    const last = this.#recent.at(-1);
    if (last !== undefined) wait = Math.max(wait, last + this.#minSpacingMs - now);
    const inMinute = this.#recent.filter((time) => time > now - minuteMs);
    if (inMinute.length >= this.#perMinute) {
      wait = Math.max(wait, inMinute[inMinute.length - this.#perMinute]! + minuteMs - now);
    }
    if (this.#recent.length >= this.#perHour) {
      wait = Math.max(wait, this.#recent[this.#recent.length - this.#perHour]! + hourMs - now);
    }
    return wait;
  }

  async #takeSlot(): Promise<void> {
    const wait = this.delayMs();
    if (wait > 0) {
      this.#waitedMs += wait;
      await this.#sleep(wait);
    }
    this.#recent.push(this.#now());
  }

  #forget(now: number): void {
    while (this.#recent.length > 0 && this.#recent[0]! <= now - hourMs) this.#recent.shift();
  }
}
