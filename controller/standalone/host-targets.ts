/**
 * What a standalone selector matches on this host: processes (by name, command-line pattern, PID file,
 * cgroup; every field given must match) or named network namespaces (/run/netns). The schema has checked
 * every value's shape (no `..`, bounded patterns); these functions read /proc, /run and /sys/fs/cgroup only.
 */
import { readFile, stat } from 'node:fs/promises';
import type { ChaosExperimentSpec } from '../api/types.generated.ts';
import type { Candidate } from '../core/experiment/types.ts';
import type { Target } from '../faults/fault.ts';
import { findCgroup2Mounts, listCgroupPids } from '../host/cgroup-v2.ts';
import { listPids, readProcessCgroups, readProcessCmdline, readProcessStat } from '../host/proc.ts';

export const netnsRoot = '/run/netns';

let cgroupRootFound: Promise<string | undefined> | undefined;

/**
 * Where cgroup v2 is mounted: /sys/fs/cgroup on a unified host, /sys/fs/cgroup/unified on a hybrid one.
 * Selector cgroups are written from this root, as /proc/PID/cgroup shows them.
 */
export function cgroupRoot(): Promise<string | undefined> {
  cgroupRootFound ??= findCgroup2Mounts().then(
    (mounts) =>
      mounts.find((m) => m === '/sys/fs/cgroup') ?? mounts.find((m) => m.startsWith('/sys/fs/cgroup/')),
  );
  return cgroupRootFound;
}
type Selector = ChaosExperimentSpec['selector'];
type ProcessSelector = NonNullable<Selector['processes']>;

/** A target that was matched: the core's candidate and the fault layer's target. */
export interface HostTarget {
  candidate: Candidate;
  target: Target;
  /** For processes: the identity a recycled PID cannot fake. */
  process?: { pid: number; startTime: number };
}

export class TargetNotFoundError extends Error {
  readonly code = 'TargetNotFound';
}

async function pidFromFile(path: string): Promise<number> {
  let text: string;
  try {
    text = (await readFile(path, 'utf8')).slice(0, 32).trim();
  } catch (error) {
    throw new TargetNotFoundError(
      `PID file ${path} cannot be read (${(error as NodeJS.ErrnoException).code ?? 'error'})`,
    );
  }
  if (!/^[1-9][0-9]{0,6}$/.test(text)) throw new TargetNotFoundError(`PID file ${path} holds no PID`);
  return Number(text);
}

/** Every process the selector matches now (never this runner itself), sorted by PID. */
export async function findProcesses(selector: ProcessSelector): Promise<HostTarget[]> {
  const root = await cgroupRoot();
  let pids: number[];
  if (selector.cgroup && !root)
    throw new TargetNotFoundError('this host has no cgroup v2 mount under /sys/fs/cgroup');
  if (selector.pidFile) pids = [await pidFromFile(selector.pidFile)];
  else if (selector.cgroup) {
    const dir = `${root}${selector.cgroup}`;
    if (!(await stat(dir).catch(() => undefined))?.isDirectory())
      throw new TargetNotFoundError(`cgroup ${selector.cgroup} does not exist under ${root}`);
    pids = await listCgroupPids({ cgroupPath: dir, recursive: true });
  } else pids = await listPids();
  const pattern = selector.commandPattern === undefined ? undefined : new RegExp(selector.commandPattern);
  const protectedPids = await ownAncestry();
  const found: HostTarget[] = [];
  for (const pid of [...new Set(pids)].sort((a, b) => a - b)) {
    if (protectedPids.has(pid)) continue;
    const stat = await readProcessStat({ pid });
    if (!stat || stat.state === 'Z' || stat.state === 'X') continue;
    if (selector.names && !selector.names.includes(stat.comm)) continue;
    const cmdline = await readProcessCmdline({ pid });
    // Kernel threads have no command line and are never targets.
    if (!cmdline) continue;
    if (pattern && !pattern.test(cmdline)) continue;
    const cgroups = await readProcessCgroups({ pid });
    if (selector.cgroup && !isInside(cgroups?.unified, selector.cgroup)) continue;
    const cgroup = selector.cgroup ?? cgroups?.unified;
    found.push({
      candidate: { kind: 'Process', name: `${stat.comm}-${pid}`, pid },
      target: {
        id: `process/${pid}`,
        processes: [{ pid, startTime: stat.startTime }],
        ...(root && cgroup && cgroup !== '/' ? { cgroupPath: `${root}${cgroup}` } : {}),
      },
      process: { pid, startTime: stat.startTime },
    });
  }
  return found;
}

/**
 * PIDs no selector may hit: init, this runner, and the processes that started it (its shell, its
 * supervisor), so a broad pattern never takes down the runner that must recover the faults.
 */
async function ownAncestry(): Promise<Set<number>> {
  const pids = new Set([1, process.pid]);
  let pid = process.ppid;
  for (let depth = 0; depth < 64 && pid > 1 && !pids.has(pid); depth++) {
    pids.add(pid);
    pid = (await readProcessStat({ pid }))?.ppid ?? 0;
  }
  return pids;
}

function isInside(path: string | undefined, root: string): boolean {
  return path !== undefined && (path === root || path.startsWith(`${root}/`));
}

/** The named network namespaces that exist; the others are reported missing. */
export async function findNetworkNamespaces(names: readonly string[]): Promise<{
  found: HostTarget[];
  missing: string[];
}> {
  const found: HostTarget[] = [];
  const missing: string[] = [];
  for (const name of names) {
    const path = `${netnsRoot}/${name}`;
    if (!(await stat(path).catch(() => undefined))) {
      missing.push(name);
      continue;
    }
    found.push({
      candidate: { kind: 'NetworkNamespace', name },
      target: { id: `netns/${name}`, netnsPath: path },
    });
  }
  return { found, missing };
}

/**
 * The targets a selector matches. Throws TargetNotFoundError with one sentence when nothing can be read
 * (a missing PID file or cgroup) or a named network namespace does not exist.
 */
export async function findTargets(selector: Selector): Promise<HostTarget[]> {
  if (selector.processes) return findProcesses(selector.processes);
  if (selector.netns) {
    const { found, missing } = await findNetworkNamespaces(selector.netns);
    if (missing.length) {
      throw new TargetNotFoundError(
        `network namespace ${missing.join(', ')} does not exist (no ${netnsRoot}/${missing[0]})`,
      );
    }
    return found;
  }
  return [];
}
