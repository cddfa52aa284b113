// bin/chaoscraft.js: how it starts each role. A module preloaded through NODE_OPTIONS reports the
// Node flags and GLIBC_TUNABLES of the process that runs the command (for a long-running role, the
// one the entry point replaced itself with) and exits before the command does anything.
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { pathToFileURL } from 'node:url';

const root = join(import.meta.dirname, '../../..');
const dir = mkdtempSync(join(tmpdir(), 'chaoscraft-entry-'));
after(() => rmSync(dir, { recursive: true, force: true }));
const report = join(dir, 'report.mjs');
writeFileSync(
  report,
  `function report() {
  const execArgv = process.execArgv.filter((arg) => !arg.startsWith('--import'));
  process.stdout.write(JSON.stringify({ execArgv, tunables: process.env.GLIBC_TUNABLES ?? null }));
  process.exit(0);
}
const longRunning = ['controller', 'gitops', 'agent'].includes(process.argv[2]);
if (!longRunning || process.env.ENTRY_TEST_REEXEC === '1') report();
// The entry point passes its environment on: the next process is the one that runs the command.
process.env.ENTRY_TEST_REEXEC = '1';
// It replaces itself before any timer runs; a role started here instead reports this process.
setTimeout(report, 0);
`,
);

function start(args: string[], options: { nodeFlags?: string[]; env?: Record<string, string> } = {}) {
  const env: Record<string, string | undefined> = { ...process.env, ...options.env };
  for (const name of [
    'GLIBC_TUNABLES',
    'MALLOC_MMAP_THRESHOLD_',
    'CHAOSCRAFT_MAX_HEAP_MB',
    'ENTRY_TEST_REEXEC',
  ])
    if (!options.env?.[name]) delete env[name];
  env.NODE_OPTIONS = `--import=${pathToFileURL(report).href}`;
  const output = execFileSync(
    process.execPath,
    [...(options.nodeFlags ?? []), join(root, 'bin/chaoscraft.js'), ...args],
    { env, encoding: 'utf8', timeout: 30_000 },
  );
  return JSON.parse(output) as { execArgv: string[]; tunables: string | null };
}

const heapFlags = ['--max-semi-space-size=1', '--max-old-space-size=256'];
const threshold = 'glibc.malloc.mmap_threshold=131072';
const linuxOnly = { skip: process.platform !== 'linux' && 'GLIBC_TUNABLES is set on Linux only' };

test('a long-running role runs with the heap flags and a fixed mmap threshold', linuxOnly, () => {
  for (const role of ['controller', 'gitops', 'agent']) {
    assert.deepEqual(start([role, '--help']), { execArgv: heapFlags, tunables: threshold }, role);
  }
});

test("the operator's tunables are kept, and their own threshold stands", linuxOnly, () => {
  assert.equal(
    start(['agent'], { env: { GLIBC_TUNABLES: 'glibc.malloc.arena_max=2' } }).tunables,
    `glibc.malloc.arena_max=2:${threshold}`,
  );
  for (const tunables of [
    'glibc.malloc.mmap_threshold=65536',
    'glibc.malloc.arena_max=2:glibc.malloc.mmap_threshold=0',
  ])
    assert.equal(start(['agent'], { env: { GLIBC_TUNABLES: tunables } }).tunables, tunables);
  assert.equal(start(['agent'], { env: { MALLOC_MMAP_THRESHOLD_: '65536' } }).tunables, null);
});

test('started with heap flags of its own, it keeps them and still gets the threshold', linuxOnly, () => {
  const own = ['--max-semi-space-size=1', '--max-old-space-size=512'];
  assert.deepEqual(start(['controller'], { nodeFlags: own }), { execArgv: own, tunables: threshold });
  assert.deepEqual(start(['controller'], { env: { CHAOSCRAFT_MAX_HEAP_MB: '0' } }), {
    execArgv: [],
    tunables: threshold,
  });
});

test('a short command runs in the process it was started in, as it was', () => {
  assert.deepEqual(start(['validate', join(root, 'examples')]), { execArgv: [], tunables: null });
});
