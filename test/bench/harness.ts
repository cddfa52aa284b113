// The benchmark contract: each test/bench/<id>.bench.ts default-exports a Benchmark whose run
// returns figures; one is the headline its issue's goal names. Figures are ratios against a
// baseline measured in the same run wherever the goal allows, never a bare time alone.

export interface Figure {
  id: string;
  figure: string;
  value: number;
  unit: string;
  baseline: number | null;
  ratio: number | null;
  goal: string | null;
  met: boolean | null;
}

export interface BenchContext {
  /** Progress for people; goes to stderr so --json output stays clean. */
  log(line: string): void;
  /** Smaller sizes, for a smoke run of the harness itself. */
  quick: boolean;
  /** Records the sizes this run used (targets, files, rounds…), kept with the figures in the result file. */
  sizes(values: Record<string, number | string | boolean>): void;
}

export interface Benchmark {
  id: string;
  description: string;
  run(context: BenchContext): Promise<Figure[]>;
}

/** Median of `rounds` timings (ms) of `work`, after one warm-up call. */
export async function medianMs(work: () => Promise<unknown> | unknown, rounds: number): Promise<number> {
  await work();
  const times: number[] = [];
  for (let i = 0; i < rounds; i++) {
    const start = performance.now();
    await work();
    times.push(performance.now() - start);
  }
  times.sort((a, b) => a - b);
  return times[Math.floor(times.length / 2)]!;
}

/**
 * Times two pieces of work alternately (A B A B …) so drift in machine load hits both alike,
 * and returns the median of each.
 */
export async function compareMs(
  subject: () => Promise<unknown> | unknown,
  baseline: () => Promise<unknown> | unknown,
  rounds: number,
): Promise<{ subject: number; baseline: number }> {
  await subject();
  await baseline();
  const a: number[] = [];
  const b: number[] = [];
  for (let i = 0; i < rounds; i++) {
    let start = performance.now();
    await subject();
    a.push(performance.now() - start);
    start = performance.now();
    await baseline();
    b.push(performance.now() - start);
  }
  const median = (xs: number[]) => xs.sort((x, y) => x - y)[Math.floor(xs.length / 2)]!;
  return { subject: median(a), baseline: median(b) };
}

/**
 * Times several pieces of work in interleaved rounds (the order rotates each round, so neither drift
 * in machine load nor going first favours one), after `warmUp` untimed rounds. Returns every round's
 * time (ms) per name, in round order, so callers can take medians and per-round ratios.
 */
export async function interleavedMs<K extends string>(
  work: Record<K, () => Promise<unknown> | unknown>,
  options: { rounds: number; warmUp?: number },
): Promise<Record<K, number[]>> {
  const names = Object.keys(work) as K[];
  const times = Object.fromEntries(names.map((name) => [name, [] as number[]])) as Record<K, number[]>;
  const total = (options.warmUp ?? 1) + options.rounds;
  for (let index = 0; index < total; index++) {
    const timed = index >= total - options.rounds;
    for (let offset = 0; offset < names.length; offset++) {
      const name = names[(index + offset) % names.length]!;
      const start = performance.now();
      await work[name]();
      if (timed) times[name].push(performance.now() - start);
    }
  }
  return times;
}

export function median(values: readonly number[]): number {
  return percentile(
    [...values].sort((a, b) => a - b),
    50,
  );
}

/** Nearest-rank percentile of an ascending array. */
export function percentile(sorted: readonly number[], p: number): number {
  if (sorted.length === 0) throw new RangeError('percentile of no values');
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1))]!;
}

export function round(value: number, digits = 3): number {
  const factor = 10 ** digits;
  return Math.round(value * factor) / factor;
}
