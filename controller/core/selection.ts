// Which of the matching targets an experiment hits. Deterministic for a given seed, so a
// controller that restarts mid-run (and re-reads the seed from status) chooses the same ones.

export type SelectionMode = 'one' | 'all' | 'fixed' | 'fixed-percent' | 'random-max-percent';

export interface SelectionOptions<T> {
  candidates: readonly T[];
  /** A stable identity per candidate (e.g. namespace/name), used to order before shuffling. */
  keyOf(candidate: T): string;
  mode: SelectionMode;
  value?: number;
  seed: string;
}

export function selectTargets<T>({ candidates, keyOf, mode, value, seed }: SelectionOptions<T>): T[] {
  const ordered = [...candidates].sort((a, b) => compare(keyOf(a), keyOf(b)));
  const random = seededRandom(seed);
  const count = targetCount(mode, value ?? 0, ordered.length, random);
  if (count >= ordered.length) return ordered;
  // Partial Fisher–Yates: the first `count` slots end up a uniform random sample.
  for (let i = 0; i < count; i++) {
    const j = i + Math.floor(random() * (ordered.length - i));
    [ordered[i], ordered[j]] = [ordered[j]!, ordered[i]!];
  }
  return ordered.slice(0, count).sort((a, b) => compare(keyOf(a), keyOf(b)));
}

export function targetCount(
  mode: SelectionMode,
  value: number,
  available: number,
  random: () => number,
): number {
  switch (mode) {
    case 'one':
      return Math.min(1, available);
    case 'all':
      return available;
    case 'fixed':
      return Math.min(value, available);
    case 'fixed-percent':
      // At least one target when any exist and the percentage is positive: 10% of 3 pods is 1, not 0.
      return Math.min(
        available,
        Math.max(value > 0 && available > 0 ? 1 : 0, Math.floor((available * value) / 100)),
      );
    case 'random-max-percent': {
      const max = Math.max(available > 0 ? 1 : 0, Math.floor((available * value) / 100));
      return Math.min(available, 1 + Math.floor(random() * max));
    }
  }
}

function compare(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

/** A small seeded generator (cyrb53-style string hash feeding mulberry32). */
export function seededRandom(seed: string): () => number {
  let h1 = 0xdeadbeef;
  let h2 = 0x41c6ce57;
  for (let i = 0; i < seed.length; i++) {
    const c = seed.charCodeAt(i);
    h1 = Math.imul(h1 ^ c, 2654435761);
    h2 = Math.imul(h2 ^ c, 1597334677);
  }
  let state = (Math.imul(h1 ^ (h1 >>> 16), 2246822507) ^ Math.imul(h2 ^ (h2 >>> 13), 3266489909)) >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}
