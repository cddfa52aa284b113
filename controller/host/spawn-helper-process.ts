/**
 * The spawn helper: a small process of its own that starts the agent's short commands (nft, tc, ip) for it.
 *
 * Why a process: Linux's fork copies the parent's page tables, so a spawn from the agent, which holds
 * 100-200 MB, blocks its event loop for 10 ms and more (measured in docs/OPERATIONS.md); from this process,
 * which loads nothing but Node's own modules, it takes about 1.5 ms, on the other core. A run that recovers
 * 100 targets at once spends a second less before the last fault is gone.
 *
 * Protocol, over the pipes its parent gave it, one JSON object per line:
 *   in:  { id, file, args, stdin, timeoutMs }
 *        { id, file, args, hold: true, timeoutMs }: start the program now, its stdin left open and no
 *        timeout running, until { release: id, stdin } writes stdin, closes it and starts the timeout
 *   out: { id, exitCode, signal, stdout, stderr, timedOut } or { id, startError }
 * A held program is a command whose process start is paid early (spawn-helper.ts `hold`). It never
 * acts without its release: when the parent closes stdin (it exited or died), every held program
 * gets an empty, closed stdin, so it reads no input and does nothing.
 * The parent has already checked every argument (command.ts `buildArgv`); this process checks again that
 * the program is an absolute path in a system directory and every argument a plain string, and spawns from
 * the argv array alone: no shell, a fixed environment. It exits when its parent closes stdin, once the
 * commands under way have finished. Nothing here may import project code: every module loaded is memory
 * that each fork copies.
 */
import { spawn } from 'node:child_process';
import { createInterface } from 'node:readline';

const SYSTEM_DIRS = ['/usr/sbin/', '/usr/bin/', '/sbin/', '/bin/'];
const MAX_OUTPUT_BYTES = 16 * 1024 * 1024;
const PROGRAM_PATTERN = /^\/[A-Za-z0-9_./-]+$/;

interface Request {
  id: number;
  file: string;
  args: string[];
  /** Absent only when held. */
  stdin?: string;
  hold?: true;
  timeoutMs: number;
}

interface Release {
  release: number;
  stdin: string;
}

function reply(message: object): void {
  process.stdout.write(`${JSON.stringify(message)}\n`);
}

function checkedRequest(line: string): Request | Release | { id: unknown; problem: string } {
  let value: Partial<Request> & Partial<Release>;
  try {
    value = JSON.parse(line) as Partial<Request> & Partial<Release>;
  } catch {
    return { id: undefined, problem: 'not JSON' };
  }
  if (value.release !== undefined) {
    if (!Number.isSafeInteger(value.release)) return { id: undefined, problem: 'release must be an integer' };
    if (typeof value.stdin !== 'string') return { id: value.release, problem: 'stdin must be a string' };
    return { release: value.release, stdin: value.stdin };
  }
  const { id, file, args, stdin, hold, timeoutMs } = value;
  if (!Number.isSafeInteger(id)) return { id, problem: 'id must be an integer' };
  if (
    typeof file !== 'string' ||
    !PROGRAM_PATTERN.test(file) ||
    file.includes('..') ||
    !SYSTEM_DIRS.some((dir) => file.startsWith(dir) && !file.slice(dir.length).includes('/'))
  )
    return { id, problem: 'the program must be an absolute path in a system directory' };
  if (!Array.isArray(args) || !args.every((arg) => typeof arg === 'string' && !arg.includes('\0')))
    return { id, problem: 'arguments must be strings without NUL' };
  if (hold === undefined ? typeof stdin !== 'string' : hold !== true || stdin !== undefined)
    return { id, problem: 'stdin must be a string, or absent with hold: true' };
  if (!Number.isSafeInteger(timeoutMs) || (timeoutMs as number) <= 0)
    return { id, problem: 'timeoutMs must be a positive integer' };
  return value as Request;
}

let running = 0;
let inputClosed = false;
/** Held programs by request id: how to release each. */
const held = new Map<number, (stdin: string) => void>();

function exitWhenIdle(): void {
  if (inputClosed && running === 0) process.exit(0);
}

function run(request: Request): void {
  running++;
  const child = spawn(request.file, request.args, {
    shell: false,
    stdio: ['pipe', 'pipe', 'pipe'],
    env: { PATH: '/usr/sbin:/usr/bin:/sbin:/bin', LC_ALL: 'C' },
  });
  const stdout: Buffer[] = [];
  const stderr: Buffer[] = [];
  let outputBytes = 0;
  const collect = (into: Buffer[]) => (chunk: Buffer) => {
    outputBytes += chunk.length;
    if (outputBytes <= MAX_OUTPUT_BYTES) into.push(chunk);
  };
  child.stdout.on('data', collect(stdout));
  child.stderr.on('data', collect(stderr));
  let timedOut = false;
  let timer: NodeJS.Timeout | undefined;
  let settled = false;
  const finish = (message: object) => {
    if (settled) return;
    settled = true;
    clearTimeout(timer);
    held.delete(request.id);
    reply({ id: request.id, ...message });
    running--;
    exitWhenIdle();
  };
  child.on('error', (error: NodeJS.ErrnoException) => finish({ startError: error.code ?? error.message }));
  child.on('close', (exitCode, signal) =>
    finish({
      exitCode,
      signal,
      timedOut,
      stdout: Buffer.concat(stdout).toString('utf8'),
      stderr: Buffer.concat(stderr).toString('utf8'),
    }),
  );
  // A child that exits before reading stdin closes the pipe; that is reported through its exit status.
  child.stdin.on('error', () => {});
  const release = (stdin: string) => {
    held.delete(request.id);
    timer = setTimeout(() => {
      timedOut = true;
      child.kill('SIGKILL');
    }, request.timeoutMs);
    child.stdin.end(stdin);
  };
  if (request.hold) held.set(request.id, release);
  else release(request.stdin ?? '');
}

const lines = createInterface({ input: process.stdin, crlfDelay: Number.POSITIVE_INFINITY });
lines.on('line', (line) => {
  const request = checkedRequest(line);
  if ('problem' in request) {
    reply({ id: request.id, startError: `refused: ${request.problem}` });
    return;
  }
  // A release for a program no longer held (it exited meanwhile) has nothing to do: its answer is sent.
  if ('release' in request) held.get(request.release)?.(request.stdin);
  else run(request);
});
lines.on('close', () => {
  inputClosed = true;
  // Nobody will release them: each held program reads an empty input and ends without acting.
  for (const release of [...held.values()]) release('');
  exitWhenIdle();
});
// A parent that went away leaves nobody to read the answers.
process.stdout.on('error', () => process.exit(0));
