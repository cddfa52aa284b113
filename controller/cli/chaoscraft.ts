// The executable entry: runs the command line with the process's arguments and streams.
import type { CommandIo } from './command.ts';
import { run } from './main.ts';

const io: CommandIo = { stdout: (t) => process.stdout.write(t), stderr: (t) => process.stderr.write(t) };
run(process.argv.slice(2), io).then(
  (code) => {
    process.exitCode = code;
  },
  (error: unknown) => {
    process.stderr.write(`chaoscraft: ${(error as Error).stack ?? String(error)}\n`);
    process.exitCode = 2;
  },
);
