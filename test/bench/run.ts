// `npm run bench [-- --only <id>] [-- --json] [-- --quick]`: runs the benchmarks under test/bench/,
// prints a table (or one JSON object per figure with --json) and writes .bench/<id>.json, or
// .bench/<id>.quick.json for a quick run, so a smoke run never replaces a full measurement. Each file
// holds the figures with what they were measured on: commit, Node version, machine, sizes.
import { execFileSync } from 'node:child_process';
import { mkdirSync, readdirSync, writeFileSync } from 'node:fs';
import { cpus, loadavg } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { type Benchmark, type Figure, round } from './harness.ts';

const { values } = parseArgs({
  options: {
    only: { type: 'string', multiple: true },
    json: { type: 'boolean', default: false },
    quick: { type: 'boolean', default: false },
  },
});

const here = import.meta.dirname;
const outDir = join(here, '../../.bench');
const files = readdirSync(here)
  .filter((f) => f.endsWith('.bench.ts'))
  .sort();
const benchmarks: Benchmark[] = [];
for (const file of files) {
  const module = (await import(join(here, file))) as { default: Benchmark };
  benchmarks.push(module.default);
}

const selected = values.only?.length ? benchmarks.filter((b) => values.only!.includes(b.id)) : benchmarks;
const unknown = (values.only ?? []).filter((id) => !benchmarks.some((b) => b.id === id));
if (unknown.length) {
  process.stderr.write(
    `bench: unknown benchmark ${unknown.join(', ')}; known: ${benchmarks.map((b) => b.id).join(', ')}\n`,
  );
  process.exit(2);
}

function git(args: string[]): string | null {
  try {
    return execFileSync('git', args, {
      cwd: here,
      encoding: 'utf8',
      stdio: ['ignore', 'pipe', 'ignore'],
    }).trim();
  } catch {
    return null;
  }
}

const commit = git(['rev-parse', 'HEAD']);
const changedFiles = git(['status', '--porcelain', '--untracked-files=no']);
const machine = { cpus: cpus().length, cpuModel: cpus()[0]?.model ?? 'unknown' };

const log = (line: string) => process.stderr.write(`${line}\n`);
const all: Figure[] = [];
let failed = false;
for (const benchmark of selected) {
  log(`bench ${benchmark.id}: ${benchmark.description}`);
  try {
    const sizes: Record<string, number | string | boolean> = {};
    const startedAt = new Date();
    const loadBefore = loadavg()[0]!;
    const figures = await benchmark.run({
      log: (line) => log(`  ${line}`),
      quick: values.quick,
      sizes: (more) => Object.assign(sizes, more),
    });
    // No figures: the benchmark cannot run here (e.g. it needs root) and has logged why.
    if (figures.length === 0) continue;
    if (!figures.some((f) => f.figure === 'headline')) throw new Error('no headline figure');
    const result = {
      id: benchmark.id,
      description: benchmark.description,
      quick: values.quick,
      commit,
      // Measured with uncommitted changes to tracked files in the working tree (count).
      uncommittedChanges: changedFiles === null ? null : changedFiles.split('\n').filter(Boolean).length,
      node: process.version,
      machine: {
        ...machine,
        loadAverage1m: { before: round(loadBefore, 2), after: round(loadavg()[0]!, 2) },
      },
      startedAt: startedAt.toISOString(),
      seconds: round((Date.now() - startedAt.getTime()) / 1000, 1),
      sizes,
      figures,
    };
    mkdirSync(outDir, { recursive: true });
    const file = `${benchmark.id}${values.quick ? '.quick' : ''}.json`;
    writeFileSync(join(outDir, file), `${JSON.stringify(result, null, 2)}\n`);
    all.push(...figures);
    if (values.json) for (const figure of figures) process.stdout.write(`${JSON.stringify(figure)}\n`);
  } catch (error) {
    failed = true;
    log(`bench ${benchmark.id} failed: ${(error as Error).stack ?? String(error)}`);
  }
}

if (!values.json) process.stdout.write(table(all));
process.exit(failed ? 1 : 0);

function table(figures: Figure[]): string {
  const rows = figures.map((f) => [
    f.id,
    f.figure,
    `${f.value} ${f.unit}`,
    f.baseline === null ? '' : String(f.baseline),
    f.ratio === null ? '' : String(f.ratio),
    f.goal ?? '',
    f.met === null ? '' : f.met ? 'yes' : 'NO',
  ]);
  const header = ['benchmark', 'figure', 'value', 'baseline', 'ratio', 'goal', 'met'];
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i]!.length)));
  const line = (cells: string[]) =>
    cells
      .map((c, i) => c.padEnd(widths[i]!))
      .join('  ')
      .trimEnd();
  return `${[line(header), line(widths.map((w) => '-'.repeat(w))), ...rows.map(line)].join('\n')}\n`;
}
