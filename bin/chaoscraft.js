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

if (major >= 24) {
  await import(main);
} else {
  const pinned = join(root, 'node_modules', '.bin', 'node');
  if (!existsSync(pinned)) {
    process.stderr.write(
      `chaoscraft: needs Node.js >= 24 (this is ${process.version}); run 'npm ci' to install the pinned one.\n`,
    );
    process.exit(2);
  }
  const child = spawn(pinned, [main, ...process.argv.slice(2)], { stdio: 'inherit' });
  // Forward termination so `chaoscraft controller` shuts down cleanly under this wrapper too.
  for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP']) process.on(signal, () => child.kill(signal));
  child.on('exit', (code, signal) => process.exit(code ?? (signal ? 128 : 1)));
}
