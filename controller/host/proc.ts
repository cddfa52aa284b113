/**
 * Reading processes from /proc. A PID alone is not an identity (the kernel recycles them), so everything
 * that signals a process first checks its start time: field 22 of /proc/PID/stat, in clock ticks since boot.
 */
import { readdir, readFile, stat } from 'node:fs/promises';

export interface ProcessStat {
  pid: number;
  /** The command name as the kernel keeps it (may contain spaces and parentheses). */
  comm: string;
  /** One letter: R running, S sleeping, D disk wait, T stopped, t traced, Z zombie, X dead, I idle. */
  state: string;
  ppid: number;
  /** Clock ticks after boot at which the process started. */
  startTime: number;
}

export interface ProcOptions {
  /** Where procfs is mounted; tests point this at a fixture tree. */
  procRoot?: string;
}

export function assertPid(pid: unknown): asserts pid is number {
  if (typeof pid !== 'number' || !Number.isInteger(pid) || pid < 1 || pid > 4_194_304) {
    throw new RangeError('pid must be an integer from 1 to 4194304');
  }
}

/**
 * Parses the text of /proc/PID/stat. The comm field is wrapped in parentheses and may itself contain
 * `)` and spaces, so the fields after it are found from the LAST `)`.
 */
export function parseProcStat(text: string): ProcessStat {
  const open = text.indexOf('(');
  const close = text.lastIndexOf(')');
  if (open < 1 || close < open) throw new SyntaxError('not a /proc/PID/stat line');
  const pid = Number(text.slice(0, open).trim());
  const rest = text
    .slice(close + 2)
    .trim()
    .split(' ');
  // rest[0] is field 3 (state), so field N is rest[N - 3].
  const startTime = Number(rest[22 - 3]);
  const ppid = Number(rest[4 - 3]);
  if (!Number.isInteger(pid) || !Number.isInteger(startTime) || !Number.isInteger(ppid) || !rest[0]) {
    throw new SyntaxError('malformed /proc/PID/stat line');
  }
  return { pid, comm: text.slice(open + 1, close), state: rest[0], ppid, startTime };
}

/** The process's stat, or undefined when it no longer exists. */
export async function readProcessStat(
  options: ProcOptions & { pid: number },
): Promise<ProcessStat | undefined> {
  assertPid(options.pid);
  try {
    return parseProcStat(await readFile(`${options.procRoot ?? '/proc'}/${options.pid}/stat`, 'utf8'));
  } catch (error) {
    if (isGoneError(error)) return undefined;
    throw error;
  }
}

/** Whether the PID still names the process that started at `startTime`. */
export async function isSameProcess(
  options: ProcOptions & { pid: number; startTime: number },
): Promise<boolean> {
  const stat = await readProcessStat(options);
  return (
    stat !== undefined && stat.startTime === options.startTime && stat.state !== 'Z' && stat.state !== 'X'
  );
}

export interface ProcessCgroups {
  /** The cgroup v2 (unified) path relative to the cgroup2 mount, e.g. `/kubepods.slice/...scope`. */
  unified?: string;
  /** cgroup v1 hierarchies: controller list (e.g. `cpu,cpuacct`) to path. */
  v1: Record<string, string>;
}

/** Parses /proc/PID/cgroup: `hierarchy-id:controllers:path` per line; v2 is the `0::` line. */
export function parseProcCgroup(text: string): ProcessCgroups {
  const result: ProcessCgroups = { v1: {} };
  for (const line of text.split('\n')) {
    if (!line) continue;
    const first = line.indexOf(':');
    const second = line.indexOf(':', first + 1);
    if (first < 0 || second < 0) continue;
    const hierarchy = line.slice(0, first);
    const controllers = line.slice(first + 1, second);
    const path = line.slice(second + 1);
    if (hierarchy === '0' && controllers === '') result.unified = path;
    else result.v1[controllers] = path;
  }
  return result;
}

export async function readProcessCgroups(
  options: ProcOptions & { pid: number },
): Promise<ProcessCgroups | undefined> {
  assertPid(options.pid);
  try {
    return parseProcCgroup(await readFile(`${options.procRoot ?? '/proc'}/${options.pid}/cgroup`, 'utf8'));
  } catch (error) {
    if (isGoneError(error)) return undefined;
    throw error;
  }
}

/** The value of one environment variable of a process (root can read any /proc/PID/environ). */
export async function readProcessEnv(
  options: ProcOptions & { pid: number; name: string },
): Promise<string | undefined> {
  assertPid(options.pid);
  let text: string;
  try {
    text = await readFile(`${options.procRoot ?? '/proc'}/${options.pid}/environ`, 'utf8');
  } catch (error) {
    if (isGoneError(error) || (error as NodeJS.ErrnoException).code === 'EACCES') return undefined;
    throw error;
  }
  const prefix = `${options.name}=`;
  return text
    .split('\0')
    .find((entry) => entry.startsWith(prefix))
    ?.slice(prefix.length);
}

/** The path of the process's network namespace file. */
export function netnsPathOf(options: ProcOptions & { pid: number }): string {
  assertPid(options.pid);
  return `${options.procRoot ?? '/proc'}/${options.pid}/ns/net`;
}

/** ENOENT and ESRCH mean the process is gone (ESRCH shows up when it exits mid-read). */
/**
 * A namespace file's device:inode, or undefined when the path is gone: two paths name the same
 * namespace exactly when these match.
 */
export async function namespaceIdentity(path: string): Promise<string | undefined> {
  const info = await stat(path).catch(() => undefined);
  return info ? `${info.dev}:${info.ino}` : undefined;
}

export function isGoneError(error: unknown): boolean {
  const code = (error as NodeJS.ErrnoException | undefined)?.code;
  return code === 'ENOENT' || code === 'ESRCH';
}

/** Every PID /proc lists now (processes, not threads). */
export async function listPids(options: ProcOptions = {}): Promise<number[]> {
  const entries = await readdir(options.procRoot ?? '/proc');
  return entries.filter((name) => /^[1-9][0-9]{0,6}$/.test(name)).map(Number);
}

/**
 * The process's command line with its arguments joined by spaces (as `ps -o args` shows it); empty for a
 * kernel thread, undefined when the process is gone. At most `maxBytes` are read.
 */
export async function readProcessCmdline(
  options: ProcOptions & { pid: number; maxBytes?: number },
): Promise<string | undefined> {
  assertPid(options.pid);
  try {
    const bytes = await readFile(`${options.procRoot ?? '/proc'}/${options.pid}/cmdline`);
    const text = bytes.subarray(0, options.maxBytes ?? 4096).toString('utf8');
    return text.replace(/\0+$/, '').replaceAll('\0', ' ');
  } catch (error) {
    if (isGoneError(error) || (error as NodeJS.ErrnoException).code === 'EACCES') return undefined;
    throw error;
  }
}
