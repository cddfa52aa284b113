// The floor of a controller's initial list, as its own process and without any product code: every
// page of each path fetched with limit/continue and parsed, nothing kept but counts. Input: a JSON
// { url, paths, limit } on argv[2] and the bearer token (if any) in BENCH_TOKEN. Prints one JSON
// line: milliseconds, items per path, pages, and the process's peak RSS (VmHWM, KiB).
import { readFileSync } from 'node:fs';

const input = JSON.parse(process.argv[2] ?? '{}') as { url: string; paths: string[]; limit?: number };
const headers: Record<string, string> = { Accept: 'application/json' };
if (process.env.BENCH_TOKEN) headers.Authorization = `Bearer ${process.env.BENCH_TOKEN}`;

const started = performance.now();
const items: Record<string, number> = {};
let pages = 0;
for (const path of input.paths) {
  items[path] = 0;
  let token: string | undefined;
  do {
    const query = new URLSearchParams({ limit: String(input.limit ?? 500) });
    if (token) query.set('continue', token);
    const response = await fetch(`${input.url}${path}?${query}`, { headers });
    if (!response.ok) throw new Error(`GET ${path}: ${response.status} ${await response.text()}`);
    const page = (await response.json()) as { items?: unknown[]; metadata?: { continue?: string } };
    pages++;
    items[path] += page.items?.length ?? 0;
    token = page.metadata?.continue || undefined;
    if (pages > 1_000_000) throw new Error('too many pages');
  } while (token);
}
const ms = performance.now() - started;
const peakKiB = Number(/VmHWM:\s+(\d+) kB/.exec(readFileSync('/proc/self/status', 'utf8'))?.[1]);
process.stdout.write(`${JSON.stringify({ ms, items, pages, peakKiB })}\n`);
