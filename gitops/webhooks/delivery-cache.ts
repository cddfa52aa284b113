// Remembers recent `X-GitHub-Delivery` ids so a redelivered webhook is acknowledged and ignored.
// Bounded: the least recently seen id is forgotten first.

export class DeliveryCache {
  readonly #capacity: number;
  readonly #ids = new Map<string, true>();

  constructor(options: { capacity?: number } = {}) {
    this.#capacity = Math.max(1, options.capacity ?? 10_000);
  }

  get size(): number {
    return this.#ids.size;
  }

  /** Records the id; true when it had been seen already. */
  checkAndRecord(id: string): boolean {
    const seen = this.#ids.delete(id);
    this.#ids.set(id, true);
    while (this.#ids.size > this.#capacity) {
      const oldest = this.#ids.keys().next().value as string;
      this.#ids.delete(oldest);
    }
    return seen;
  }
}
