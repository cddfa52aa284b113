#!/usr/bin/env node
// Entry point for the `chaoscraft` command. The code is TypeScript run by Node's type
// stripping, which needs Node >= 24; when an older node started us, re-run under the Node 24
// that the project pins as a devDependency (node_modules/.bin/node).
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const main = join(root, 'controller', 'cli', 'chaoscraft.ts');
const major = Number(process.versions.node.split('.')[0]);
const args = process.argv.slice(2);

// Long-running roles get a bounded heap and a small young generation: V8's defaults let a
// controller that lists 50,000 pods grow far past what it keeps (docs/OPERATIONS.md).
const longRunning = ['controller', 'gitops', 'agent'].includes(args[0] ?? '');
const heapMb = Number(process.env.CHAOSCRAFT_MAX_HEAP_MB ?? 256);
const v8Flags =
  longRunning && Number.isInteger(heapMb) && heapMb > 0
    ? ['--max-semi-space-size=1', `--max-old-space-size=${heapMb}`]
    : [];
const hasFlags = v8Flags.every((flag) =>
  process.execArgv.some((arg) => arg.split('=')[0] === flag.split('=')[0]),
);

// Long-running roles also get a fixed mmap threshold in glibc's malloc. Node keeps a string of more
// than about 1 MiB outside the heap in memory of its own: each page of a list (500 pods, a few MiB
// of JSON) is one. glibc raises its threshold past the first such block freed, so the later ones
// come from the main heap, where the holes they leave stay resident: 30-45 MiB more at the peak of
// the scale benchmark (docs/OPERATIONS.md). Fixed, they are mapped and unmapped on their own. Read
// by glibc when the process starts, so set for the process this one becomes; an operator's own
// threshold stands, and other C libraries ignore the variable.
const MMAP_THRESHOLD = 'glibc.malloc.mmap_threshold=131072';
function withMallocTunables(env) {
  const tunables = env.GLIBC_TUNABLES ?? '';
  if (/(^|:)glibc\.malloc\.mmap_threshold=/.test(tunables) || env.MALLOC_MMAP_THRESHOLD_ !== undefined) {
    return env;
  }
  return { ...env, GLIBC_TUNABLES: tunables ? `${tunables}:${MMAP_THRESHOLD}` : MMAP_THRESHOLD };
}
const env = longRunning && process.platform === 'linux' ? withMallocTunables(process.env) : process.env;

if (major >= 24 && hasFlags && env === process.env) {
  await import(main);
} else {
  const node = major >= 24 ? process.execPath : join(root, 'node_modules', '.bin', 'node');
  if (!existsSync(node)) {
    process.stderr.write(
      `chaoscraft: needs Node.js >= 24 (this is ${process.version}); run 'npm ci' to install the pinned one.\n`,
    );
    process.exit(2);
  }
  // Started with the heap flags already (only the environment was missing): keep the flags given.
  const flags = major >= 24 && hasFlags ? process.execArgv : v8Flags;
  const argv = [...flags, fileURLToPath(import.meta.url), ...args];
  if (typeof process.execve === 'function') {
    // Replace this process: no wrapper stays around holding memory or swallowing signals.
    process.execve(node, [node, ...argv], env);
  }
  const child = spawn(node, argv, { stdio: 'inherit', env });
  // Forward termination so `chaoscraft controller` shuts down cleanly under this wrapper too.
  for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP']) process.on(signal, () => child.kill(signal));
  child.on('exit', (code, signal) => process.exit(code ?? (signal ? 128 : 1)));
}
