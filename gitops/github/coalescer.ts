// Collapses bursts of updates per key: the first submission opens a window, later ones within it
// replace the value, and when the window closes the latest value is handled once. A submission that
// arrives while its key is being handled waits for that to finish and opens a new window.

export interface CoalescerOptions<T> {
  windowMs: number;
  handle: (key: string, value: T) => Promise<void>;
  setTimer?: (callback: () => void, ms: number) => unknown;
  clearTimer?: (timer: unknown) => void;
}

interface Waiter {
  resolve: () => void;
  reject: (error: unknown) => void;
}

interface Slot<T> {
  value: T;
  waiters: Waiter[];
  timer: unknown;
}

export class Coalescer<T> {
  readonly #options: CoalescerOptions<T>;
  readonly #pending = new Map<string, Slot<T>>();
  readonly #running = new Map<string, Promise<void>>();
  #handled = 0;

  constructor(options: CoalescerOptions<T>) {
    this.#options = options;
  }

  /** How many times `handle` has run. */
  get handledCount(): number {
    return this.#handled;
  }

  /** Settles when the value, or a later value that replaced it, has been handled. */
  submit(key: string, value: T): Promise<void> {
    return new Promise<void>((resolve, reject) => {
      const slot = this.#pending.get(key);
      if (slot) {
        slot.value = value;
        slot.waiters.push({ resolve, reject });
        return;
      }
      const setTimer = this.#options.setTimer ?? ((callback, ms) => setTimeout(callback, ms));
      const fresh: Slot<T> = { value, waiters: [{ resolve, reject }], timer: undefined };
      fresh.timer = setTimer(() => this.#fire(key), this.#options.windowMs);
      this.#pending.set(key, fresh);
    });
  }

  /** Handles everything pending now, without waiting for the windows to close (e.g. at shutdown). */
  async flush(): Promise<void> {
    const clearTimer = this.#options.clearTimer ?? ((timer) => clearTimeout(timer as NodeJS.Timeout));
    // Bounded: each round handles what is pending; submissions during a round join the next one.
    for (let round = 0; round < 100 && (this.#pending.size > 0 || this.#running.size > 0); round++) {
      for (const [key, slot] of this.#pending) {
        clearTimer(slot.timer);
        this.#fire(key);
      }
      await Promise.allSettled([...this.#running.values()]);
    }
  }

  #fire(key: string): void {
    const previous = this.#running.get(key);
    if (previous) {
      // Never two handlers for one key at once: run after the current one.
      void previous.then(() => this.#fire(key));
      return;
    }
    const slot = this.#pending.get(key);
    if (!slot) return;
    this.#pending.delete(key);
    this.#handled += 1;
    const run = this.#options.handle(key, slot.value).then(
      () => {
        for (const waiter of slot.waiters) waiter.resolve();
      },
      (error: unknown) => {
        for (const waiter of slot.waiters) waiter.reject(error);
      },
    );
    const tracked = run.finally(() => this.#running.delete(key));
    this.#running.set(key, tracked);
  }
}
