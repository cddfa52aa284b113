/**
 * The agent's side of the spawn helper (spawn-helper-process.ts): starts it on first use, sends it one
 * checked argv per command and matches the answers to the requests. If the helper dies, every command
 * under way fails with `CommandFailed` (the reconcile that asked retries it; every change we make is
 * idempotent) and the next command starts a new helper. While no command is under way the helper and its
 * pipes are unreferenced, so a process that is otherwise done can exit.
 */
import { type ChildProcessWithoutNullStreams, spawn } from 'node:child_process';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { HostError } from './errors.ts';

const HELPER = join(import.meta.dirname, 'spawn-helper-process.ts');
/** Beyond the command's own timeout, which the helper enforces: how long we wait for the helper to answer. */
const ANSWER_GRACE_MS = 5_000;

export interface SpawnResult {
  exitCode: number | null;
  signal: string | null;
  stdout: string;
  stderr: string;
}

interface Answer {
  id: number;
  exitCode?: number | null;
  signal?: string | null;
  stdout?: string;
  stderr?: string;
  timedOut?: boolean;
  startError?: string;
}

interface Pending {
  program: string;
  timeoutMs: number;
  resolve: (result: SpawnResult) => void;
  reject: (error: Error) => void;
  /** Absent while the command is held: no time runs until its release. */
  timer: NodeJS.Timeout | undefined;
}

/** A command started ahead of need (`SpawnHelper.hold`), waiting for its input. */
export interface HeldCommand {
  /** Gives the command its whole stdin; settles as `run` does, from this moment on. */
  release(stdin: string): Promise<SpawnResult>;
  /** Settles when the command has ended, released or not (a dead helper ends it too: it rejects). */
  readonly ended: Promise<SpawnResult>;
}

export interface SpawnRequest {
  /** For messages: the program's short name. */
  program: string;
  file: string;
  args: string[];
  stdin: string;
  timeoutMs: number;
}

export class SpawnHelper {
  #child: ChildProcessWithoutNullStreams | undefined;
  readonly #pending = new Map<number, Pending>();
  #nextId = 1;

  /** The helper's process id while it runs, for tests. */
  get pid(): number | undefined {
    return this.#child?.pid;
  }

  run(request: SpawnRequest): Promise<SpawnResult> {
    const child = this.#ensureChild();
    const id = this.#nextId++;
    const answered = this.#expect(id, request);
    this.#startTimer(id);
    const { file, args, stdin, timeoutMs } = request;
    child.stdin.write(`${JSON.stringify({ id, file, args, stdin, timeoutMs })}\n`);
    return answered;
  }

  /**
   * Starts a command now and gives it its stdin later: the process start (fork, exec, the program's
   * own start-up) is paid before the moment that counts. The helper's side says what happens to a
   * held command nobody releases: it reads an empty input. A held command does not keep this process
   * alive, and its timeout runs from its release.
   */
  hold(request: Omit<SpawnRequest, 'stdin'>): HeldCommand {
    const child = this.#ensureChild();
    const id = this.#nextId++;
    const ended = this.#expect(id, request);
    // The caller may never look: a rejection nobody awaits must not end the process.
    ended.catch(() => {});
    const { file, args, timeoutMs } = request;
    child.stdin.write(`${JSON.stringify({ id, file, args, hold: true, timeoutMs })}\n`);
    this.#refIfBusy();
    let released = false;
    return {
      ended,
      release: (stdin) => {
        if (released) return ended;
        released = true;
        // Ended before its input (it failed to start, died, or the helper did): it did nothing with it,
        // and its answer, whatever its exit code, must not read as the released command's.
        if (!this.#pending.has(id) || this.#child !== child)
          return Promise.reject(
            new HostError({
              code: 'CommandFailed',
              message: `${request.program} ended before its input was given`,
              data: { program: request.program },
            }),
          );
        this.#startTimer(id);
        child.stdin.write(`${JSON.stringify({ release: id, stdin })}\n`);
        return ended;
      },
    };
  }

  #expect(id: number, request: Pick<SpawnRequest, 'program' | 'timeoutMs'>): Promise<SpawnResult> {
    return new Promise<SpawnResult>((resolve, reject) => {
      this.#pending.set(id, {
        program: request.program,
        timeoutMs: request.timeoutMs,
        resolve,
        reject,
        timer: undefined,
      });
    });
  }

  #startTimer(id: number): void {
    const pending = this.#pending.get(id);
    if (!pending) return;
    pending.timer = setTimeout(() => {
      this.#pending.delete(id);
      this.#refIfBusy();
      pending.reject(
        new HostError({
          code: 'CommandTimeout',
          message: `${pending.program} did not finish within ${pending.timeoutMs} ms (the spawn helper did not answer)`,
          data: { program: pending.program, timeoutMs: pending.timeoutMs },
        }),
      );
    }, pending.timeoutMs + ANSWER_GRACE_MS);
    this.#refIfBusy();
  }

  #ensureChild(): ChildProcessWithoutNullStreams {
    if (this.#child) return this.#child;
    // Its own small heap. spawn passes none of the agent's flags, and the fixed environment drops
    // NODE_OPTIONS: a profiler or inspector does not follow it.
    const child = spawn(process.execPath, ['--max-old-space-size=32', HELPER], {
      stdio: ['pipe', 'pipe', 'pipe'],
      env: { PATH: '/usr/sbin:/usr/bin:/sbin:/bin', LC_ALL: 'C' },
    });
    this.#child = child;
    child.stdin.on('error', () => {});
    child.stderr.on('data', () => {});
    createInterface({ input: child.stdout, crlfDelay: Number.POSITIVE_INFINITY }).on('line', (line) =>
      this.#answer(line),
    );
    const gone = (why: string) => {
      if (this.#child !== child) return;
      this.#child = undefined;
      for (const [id, pending] of this.#pending) {
        clearTimeout(pending.timer);
        this.#pending.delete(id);
        pending.reject(
          new HostError({
            code: 'CommandFailed',
            message: `could not run ${pending.program}: the spawn helper ${why}`,
            data: { program: pending.program },
          }),
        );
      }
    };
    child.on('error', (error) => gone(`could not start (${error.message})`));
    child.on('exit', (code, signal) => gone(`exited (${signal ?? `code ${code}`})`));
    return child;
  }

  #answer(line: string): void {
    let answer: Answer;
    try {
      answer = JSON.parse(line) as Answer;
    } catch {
      return;
    }
    const pending = this.#pending.get(answer.id);
    if (!pending) return;
    this.#pending.delete(answer.id);
    clearTimeout(pending.timer);
    this.#refIfBusy();
    if (answer.startError !== undefined) {
      pending.reject(
        new HostError({
          code: 'CommandFailed',
          message: `could not start ${pending.program} (${answer.startError})`,
          data: { program: pending.program },
        }),
      );
    } else if (answer.timedOut) {
      pending.reject(
        new HostError({
          code: 'CommandTimeout',
          message: `${pending.program} did not finish within ${pending.timeoutMs} ms`,
          data: { program: pending.program, timeoutMs: pending.timeoutMs },
        }),
      );
    } else {
      pending.resolve({
        exitCode: answer.exitCode ?? null,
        signal: answer.signal ?? null,
        stdout: answer.stdout ?? '',
        stderr: answer.stderr ?? '',
      });
    }
  }

  /** Keeps the process alive while a command is under way (held ones do not count), and only then. */
  #refIfBusy(): void {
    const child = this.#child;
    if (!child) return;
    const streams = [child.stdin, child.stdout, child.stderr] as unknown as { ref(): void; unref(): void }[];
    if ([...this.#pending.values()].some((pending) => pending.timer !== undefined)) {
      child.ref();
      for (const stream of streams) stream.ref?.();
    } else {
      child.unref();
      for (const stream of streams) stream.unref?.();
    }
  }
}
