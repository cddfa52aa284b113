/**
 * Runs the few external programs the agent needs, from argv arrays only: no shell string is ever built.
 * Each program is resolved to an absolute path in the system directories (PATH is not trusted), and every
 * argument is checked before spawning. Entering a network namespace is done by prefixing
 * `nsenter --net=<path> --`.
 */
import { accessSync, constants } from 'node:fs';
import { CommandFailedError, HostError } from './errors.ts';
import { type HeldCommand, SpawnHelper } from './spawn-helper.ts';

export type Program = 'nft' | 'tc' | 'ip' | 'nsenter' | 'stress-ng' | 'sh';

const SYSTEM_DIRS = ['/usr/sbin', '/usr/bin', '/sbin', '/bin'];
const MAX_ARG_LENGTH = 4096;
const DEFAULT_TIMEOUT_MS = 15_000;

/**
 * The only script `sh` may run: it moves itself into the cgroup named by `$1`, drops that argument and execs
 * the rest. Inputs reach it only as positional parameters, never as script text.
 */
export const CGROUP_EXEC_SCRIPT = 'echo $$ > "$1/cgroup.procs" && shift && exec "$@"';

/** Absolute paths to a network namespace file: `/proc/<pid>/ns/net`, `/run/netns/<name>`, and the like. */
const NETNS_PATH_PATTERN = /^\/[A-Za-z0-9_.:@/-]{1,255}$/;

export interface CommandResult {
  exitCode: number | null;
  signal: string | null;
  stdout: string;
  stderr: string;
}

export interface RunCommandOptions {
  program: Program;
  args: string[];
  /** Run inside this network namespace (via nsenter). */
  netnsPath?: string;
  stdin?: string;
  timeoutMs?: number;
}

const resolvedPrograms = new Map<string, string>();

/** The absolute path of a program in the system directories; throws `ToolMissing` when absent. */
export function resolveProgram(program: Program): string {
  const cached = resolvedPrograms.get(program);
  if (cached) return cached;
  for (const dir of SYSTEM_DIRS) {
    const candidate = `${dir}/${program}`;
    try {
      accessSync(candidate, constants.X_OK);
      resolvedPrograms.set(program, candidate);
      return candidate;
    } catch {
      // Not in this directory; try the next.
    }
  }
  throw new HostError({
    code: 'ToolMissing',
    message: `${program} is not installed on this node (looked in ${SYSTEM_DIRS.join(', ')})`,
    data: { program },
  });
}

/** Whether a program can be found, for tests that skip with a reason. */
export function hasProgram(program: Program): boolean {
  try {
    resolveProgram(program);
    return true;
  } catch {
    return false;
  }
}

export function assertSafeArgument(value: unknown, what: string): asserts value is string {
  if (typeof value !== 'string' || value.length > MAX_ARG_LENGTH || /[\0\n\r]/.test(value)) {
    throw new HostError({
      code: 'UnsafeArgument',
      message: `${what} is not a safe command argument (must be a string without NUL or newlines, at most ${MAX_ARG_LENGTH} chars)`,
      data: { what },
    });
  }
}

export function isSafeNetnsPath(path: unknown): path is string {
  return (
    typeof path === 'string' &&
    NETNS_PATH_PATTERN.test(path) &&
    !path.split('/').some((segment) => segment === '..' || segment === '.') &&
    !path.includes('//')
  );
}

export function assertNetnsPath(path: unknown): asserts path is string {
  if (!isSafeNetnsPath(path)) {
    throw new HostError({
      code: 'InvalidTarget',
      message: 'netnsPath must be an absolute, normalised path made of [A-Za-z0-9_.:@/-]',
      data: { field: 'netnsPath' },
    });
  }
}

/** The program and arguments to spawn, with the namespace prefix and every check applied. */
export function buildArgv(options: RunOptionsLike): { file: string; args: string[] } {
  if (options.program === 'sh' && (options.args[0] !== '-c' || options.args[1] !== CGROUP_EXEC_SCRIPT)) {
    throw new HostError({
      code: 'UnsafeArgument',
      message: 'sh may only run the constant cgroup placement script',
      data: { program: 'sh' },
    });
  }
  options.args.forEach((arg, index) => {
    assertSafeArgument(arg, `argument ${index} of ${options.program}`);
  });
  const target = resolveProgram(options.program);
  if (options.netnsPath === undefined) return { file: target, args: [...options.args] };
  assertNetnsPath(options.netnsPath);
  return {
    file: resolveProgram('nsenter'),
    args: [`--net=${options.netnsPath}`, '--', target, ...options.args],
  };
}

type RunOptionsLike = Pick<RunCommandOptions, 'program' | 'args' | 'netnsPath'>;

/** One per process: every command goes through it (spawn-helper.ts says why). */
const spawnHelper = new SpawnHelper();

/** Runs a command to completion. Does not throw on a non-zero exit: the caller decides what it means. */
export function runCommand(options: RunCommandOptions): Promise<CommandResult> {
  const { file, args } = buildArgv(options);
  return spawnHelper.run({
    program: options.program,
    file,
    args,
    stdin: options.stdin ?? '',
    timeoutMs: options.timeoutMs ?? DEFAULT_TIMEOUT_MS,
  });
}

/**
 * Starts a command now, with every check `runCommand` makes, and gives it its stdin at `release`
 * (spawn-helper.ts `hold`). Unreleased, it reads an empty input once this process is gone.
 */
export function holdCommand(options: Omit<RunCommandOptions, 'stdin'>): HeldCommand {
  const { file, args } = buildArgv(options);
  return spawnHelper.hold({
    program: options.program,
    file,
    args,
    timeoutMs: options.timeoutMs ?? DEFAULT_TIMEOUT_MS,
  });
}

/** Runs a command and throws `CommandFailedError` unless it exits 0. */
export async function runChecked(options: RunCommandOptions): Promise<CommandResult> {
  const result = await runCommand(options);
  if (result.exitCode !== 0) {
    throw new CommandFailedError({
      program: options.program,
      exitCode: result.exitCode,
      signal: result.signal,
      stderr: result.stderr,
    });
  }
  return result;
}
