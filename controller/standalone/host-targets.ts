/**
 * What a standalone selector matches on this host: processes (by name, command-line pattern, PID file,
 * cgroup, systemd unit; every field given must match) or named network namespaces (/run/netns). The schema has checked
 * every value's shape (no `..`, bounded patterns); these functions read /proc, /run and /sys/fs/cgroup only.
 */
import { readdir, readFile, stat } from 'node:fs/promises';
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

/**
 * systemd's own cgroup, from PID 1's line in /proc/1/cgroup: its parent when PID 1 sits in init.scope
 * (a host), else that cgroup itself (systemd in a container may own a sub-tree). `/` for the root.
 */
export async function systemdCgroup(): Promise<string> {
  const init = (await readProcessCgroups({ pid: 1 }))?.unified ?? '/';
  const own = init.endsWith('/init.scope') ? init.slice(0, -'/init.scope'.length) : init;
  return own === '' ? '/' : own;
}

/**
 * The cgroup of a running systemd unit, written from the cgroup v2 root (as `cgroup` is): the directory
 * named after the unit under systemd's cgroup or in a slice below it (system.slice/nginx.service,
 * user.slice/user-1000.slice/session-2.scope). Only `*.slice` directories are walked, breadth first and
 * bounded. Undefined when there is none: a unit that is not running has no cgroup.
 */
export async function findUnitCgroup(options: {
  unit: string;
  /** The cgroup v2 mount (see cgroupRoot). */
  root: string;
  /** systemd's own cgroup, from that root (see systemdCgroup). */
  systemd: string;
}): Promise<string | undefined> {
  if (!/^[A-Za-z0-9:_.@-]+\.(service|scope)$/.test(options.unit)) return undefined;
  const start = options.systemd === '/' ? '' : options.systemd;
  const pending = [start];
  for (let visited = 0; pending.length > 0 && visited < 2000; visited++) {
    const relative = pending.shift()!;
    const entries = await readdir(`${options.root}${relative}`, { withFileTypes: true }).catch(() => []);
    for (const entry of entries) {
      if (!entry.isDirectory()) continue;
      if (entry.name === options.unit) return `${relative}/${entry.name}`;
      if (entry.name.endsWith('.slice') && relative.split('/').length < 16)
        pending.push(`${relative}/${entry.name}`);
    }
  }
  return undefined;
}

/** Every process the selector matches now (never this runner itself), sorted by PID. */
export async function findProcesses(selector: ProcessSelector): Promise<HostTarget[]> {
  const root = await cgroupRoot();
  let pids: number[];
  if ((selector.cgroup || selector.systemdUnit) && !root)
    throw new TargetNotFoundError('this host has no cgroup v2 mount under /sys/fs/cgroup');
  if (selector.cgroup && !(await stat(`${root}${selector.cgroup}`).catch(() => undefined))?.isDirectory())
    throw new TargetNotFoundError(`cgroup ${selector.cgroup} does not exist under ${root}`);
  let unitCgroup: string | undefined;
  if (selector.systemdUnit) {
    const systemd = await systemdCgroup();
    unitCgroup = await findUnitCgroup({ unit: selector.systemdUnit, root: root!, systemd });
    if (!unitCgroup) {
      throw new TargetNotFoundError(
        `systemd unit ${selector.systemdUnit} has no cgroup under ${root}${systemd === '/' ? '' : systemd}: it is not running here`,
      );
    }
  }
  // Every cgroup given must hold the process: the PIDs of one, then each checked against all.
  const cgroupsGiven = [selector.cgroup, unitCgroup].filter((c): c is string => c !== undefined);
  // The cgroup a stress fault runs in: the innermost given (each holds the process, so one is inside the other).
  const innermost = [...cgroupsGiven].sort((a, b) => b.length - a.length)[0];
  if (selector.pidFile) pids = [await pidFromFile(selector.pidFile)];
  else if (cgroupsGiven.length)
    pids = await listCgroupPids({ cgroupPath: `${root}${cgroupsGiven[0]}`, recursive: true });
  else pids = await listPids();
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
    if (cgroupsGiven.some((given) => !isInside(cgroups?.unified, given))) continue;
    const cgroup = innermost ?? cgroups?.unified;
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
