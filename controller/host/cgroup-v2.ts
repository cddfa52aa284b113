/**
 * cgroup v2 access for the agent: where the unified hierarchy is mounted, which processes a cgroup holds,
 * freezing, and CPU usage. Paths are checked to be normalised and inside a cgroup2 mount before use.
 */
import { readdir, readFile, writeFile } from 'node:fs/promises';
import { HostError } from './errors.ts';
import { isGoneError } from './proc.ts';

const CGROUP_PATH_PATTERN = /^\/[A-Za-z0-9_.:@/\\-]{1,1024}$/;

/** Mount points of every cgroup2 filesystem in a /proc/PID/mountinfo text. */
export function parseCgroup2Mounts(mountinfo: string): string[] {
  const mounts: string[] = [];
  for (const line of mountinfo.split('\n')) {
    const separator = line.indexOf(' - ');
    if (separator < 0) continue;
    const fsType = line.slice(separator + 3).split(' ')[0];
    const mountPoint = line.slice(0, separator).split(' ')[4];
    if (fsType === 'cgroup2' && mountPoint) mounts.push(mountPoint.replace(/\\040/g, ' '));
  }
  return mounts;
}

/** Where cgroup v2 is mounted on this host: `/sys/fs/cgroup` (unified) or `/sys/fs/cgroup/unified` (hybrid). */
export async function findCgroup2Mounts(options: { mountinfoPath?: string } = {}): Promise<string[]> {
  return parseCgroup2Mounts(await readFile(options.mountinfoPath ?? '/proc/self/mountinfo', 'utf8'));
}

export function isNormalisedCgroupPath(path: unknown): path is string {
  return (
    typeof path === 'string' &&
    CGROUP_PATH_PATTERN.test(path) &&
    !path.includes('//') &&
    !path.split('/').some((segment) => segment === '..' || segment === '.')
  );
}

/** Throws `InvalidTarget` unless `path` is a normalised directory strictly inside one of `mounts`. */
export function assertCgroupPath(options: { path: unknown; mounts: readonly string[] }): asserts options is {
  path: string;
  mounts: readonly string[];
} {
  const { path, mounts } = options;
  const inside =
    isNormalisedCgroupPath(path) && mounts.some((mount) => path.startsWith(`${mount.replace(/\/$/, '')}/`));
  if (!inside) {
    throw new HostError({
      code: 'InvalidTarget',
      message: `cgroupPath must be a normalised directory inside a cgroup2 mount (${mounts.join(', ') || 'none found'})`,
      data: { field: 'cgroupPath' },
    });
  }
}

/** PIDs in the cgroup (and, if asked, its descendants). A vanished cgroup holds none. */
export async function listCgroupPids(options: {
  cgroupPath: string;
  recursive?: boolean;
}): Promise<number[]> {
  const pids: number[] = [];
  const pending = [options.cgroupPath];
  // Bounded walk: a container's cgroup tree is a handful of directories, never thousands.
  for (let visited = 0; pending.length > 0 && visited < 1000; visited++) {
    const dir = pending.shift()!;
    let text: string;
    try {
      text = await readFile(`${dir}/cgroup.procs`, 'utf8');
    } catch (error) {
      if (isGoneError(error)) continue;
      throw error;
    }
    for (const line of text.split('\n')) if (/^[0-9]+$/.test(line)) pids.push(Number(line));
    if (!options.recursive) continue;
    const entries = await readdir(dir, { withFileTypes: true }).catch((error: unknown) => {
      if (isGoneError(error)) return [];
      throw error;
    });
    for (const entry of entries) if (entry.isDirectory()) pending.push(`${dir}/${entry.name}`);
  }
  return pids;
}

/** Writes `cgroup.freeze`. Returns false when the cgroup no longer exists. */
export async function setCgroupFrozen(options: { cgroupPath: string; frozen: boolean }): Promise<boolean> {
  try {
    await writeFile(`${options.cgroupPath}/cgroup.freeze`, options.frozen ? '1' : '0');
    return true;
  } catch (error) {
    if (isGoneError(error)) return false;
    throw error;
  }
}

/** The requested freeze state (`cgroup.freeze`), or undefined when the cgroup is gone. */
export async function readCgroupFrozen(options: { cgroupPath: string }): Promise<boolean | undefined> {
  try {
    return (await readFile(`${options.cgroupPath}/cgroup.freeze`, 'utf8')).trim() === '1';
  } catch (error) {
    if (isGoneError(error)) return undefined;
    throw error;
  }
}

/** Whether every process of the cgroup has actually stopped (`frozen 1` in `cgroup.events`). */
export async function readCgroupEffectivelyFrozen(options: {
  cgroupPath: string;
}): Promise<boolean | undefined> {
  try {
    const events = await readFile(`${options.cgroupPath}/cgroup.events`, 'utf8');
    return /^frozen 1$/m.test(events);
  } catch (error) {
    if (isGoneError(error)) return undefined;
    throw error;
  }
}

/** `usage_usec` of `cpu.stat`: CPU time used by the cgroup and its descendants (available without the cpu controller). */
export async function readCpuUsageMicros(options: { cgroupPath: string }): Promise<number> {
  const stat = await readFile(`${options.cgroupPath}/cpu.stat`, 'utf8');
  const match = /^usage_usec ([0-9]+)$/m.exec(stat);
  if (!match) throw new SyntaxError('cpu.stat has no usage_usec line');
  return Number(match[1]);
}
