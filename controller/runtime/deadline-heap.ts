/**
 * A binary min-heap of (key, readyAt) used by the work queue's delaying part. Superseded entries are left
 * in the heap and skipped when they surface (lazy deletion), which keeps `push` O(log n).
 */
export interface Deadline {
  key: string;
  readyAt: number;
  /** Insertion order, so that equal deadlines come out first-in first-out. */
  sequence: number;
}

export class DeadlineHeap {
  readonly #items: Deadline[] = [];
  #sequence = 0;

  get size(): number {
    return this.#items.length;
  }

  push(key: string, readyAt: number): void {
    this.#items.push({ key, readyAt, sequence: this.#sequence++ });
    this.#siftUp(this.#items.length - 1);
  }

  peek(): Deadline | undefined {
    return this.#items[0];
  }

  pop(): Deadline | undefined {
    const top = this.#items[0];
    const last = this.#items.pop();
    if (top !== undefined && last !== undefined && this.#items.length > 0) {
      this.#items[0] = last;
      this.#siftDown(0);
    }
    return top;
  }

  clear(): void {
    this.#items.length = 0;
  }

  #before(a: Deadline, b: Deadline): boolean {
    return a.readyAt < b.readyAt || (a.readyAt === b.readyAt && a.sequence < b.sequence);
  }

  #siftUp(start: number): void {
    let index = start;
    while (index > 0) {
      const parent = (index - 1) >> 1;
      if (!this.#before(this.#items[index]!, this.#items[parent]!)) return;
      this.#swap(index, parent);
      index = parent;
    }
  }

  #siftDown(start: number): void {
    let index = start;
    const length = this.#items.length;
    for (;;) {
      const left = 2 * index + 1;
      const right = left + 1;
      let smallest = index;
      if (left < length && this.#before(this.#items[left]!, this.#items[smallest]!)) smallest = left;
      if (right < length && this.#before(this.#items[right]!, this.#items[smallest]!)) smallest = right;
      if (smallest === index) return;
      this.#swap(index, smallest);
      index = smallest;
    }
  }

  #swap(a: number, b: number): void {
    const item = this.#items[a]!;
    this.#items[a] = this.#items[b]!;
    this.#items[b] = item;
  }
}
