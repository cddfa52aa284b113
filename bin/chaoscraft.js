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

if (major >= 24 && hasFlags) {
  await import(main);
} else {
  const node = major >= 24 ? process.execPath : join(root, 'node_modules', '.bin', 'node');
  if (!existsSync(node)) {
    process.stderr.write(
      `chaoscraft: needs Node.js >= 24 (this is ${process.version}); run 'npm ci' to install the pinned one.\n`,
    );
    process.exit(2);
  }
  const argv = [...v8Flags, fileURLToPath(import.meta.url), ...args];
  if (typeof process.execve === 'function') {
    // Replace this process: no wrapper stays around holding memory or swallowing signals.
    process.execve(node, [node, ...argv], process.env);
  }
  const child = spawn(node, argv, { stdio: 'inherit' });
  // Forward termination so `chaoscraft controller` shuts down cleanly under this wrapper too.
  for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP']) process.on(signal, () => child.kill(signal));
  child.on('exit', (code, signal) => process.exit(code ?? (signal ? 128 : 1)));
}
