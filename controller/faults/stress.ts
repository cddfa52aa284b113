/**
 * Runs stress-ng inside the target's cgroup. The process joins the cgroup BEFORE stress-ng starts (a
 * constant `sh` script writes its own PID to `cgroup.procs`, then execs stress-ng), so no work is ever
 * accounted outside the target. Every stress process carries `CHAOSCRAFT_TAG=<tag>` in its environment,
 * which its workers inherit: recovery kills exactly the processes with the tag, each checked by start time.
 */
import { spawn } from 'node:child_process';
import { readFile } from 'node:fs/promises';
import { listCgroupPids } from '../host/cgroup-v2.ts';
import { buildArgv, CGROUP_EXEC_SCRIPT, resolveProgram } from '../host/command.ts';
import { isSameProcess, readProcessEnv, readProcessStat } from '../host/proc.ts';
import { FaultError } from './errors.ts';
import type { Fault, InjectionRecord, ProcessRef, Target } from './fault.ts';
import type { CheckedParamsByKind, FaultParamsByKind } from './params.ts';
import { signalProcess } from './signals.ts';
import { STRESS_TAG_ENV } from './tags.ts';
import {
  assertInjectable,
  assertProcessRef,
  assertTaggedTarget,
  cgroup2Mounts,
  paramIssues,
  requireCgroupPath,
} from './target.ts';

const PLACEMENT_TIMEOUT_MS = 3000;
const TERM_GRACE_MS = 2000;
const KILL_WAIT_MS = 3000;
const POLL_MS = 5;

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/**
 * The tagged stress-ng runs in the cgroup tree: each main process (found by `CHAOSCRAFT_TAG` in its
 * environment) and its workers (its descendants; stress-ng rewrites the workers' environment area for their
 * process titles, so they are found through their parent instead).
 */
export async function findTaggedStressProcesses(options: {
  cgroupPath: string;
  tag?: string;
}): Promise<Array<ProcessRef & { tag: string; role: 'main' | 'worker' }>> {
  const stats = [];
  for (const pid of await listCgroupPids({ cgroupPath: options.cgroupPath, recursive: true })) {
    const stat = await readProcessStat({ pid });
    if (stat && stat.state !== 'Z') stats.push(stat);
  }
  const mains = new Map<number, string>();
  for (const stat of stats) {
    const tag = await readProcessEnv({ pid: stat.pid, name: STRESS_TAG_ENV });
    if (tag !== undefined && (options.tag === undefined || tag === options.tag)) mains.set(stat.pid, tag);
  }
  // A worker forked a moment ago still shows its parent's environment, tag included, until stress-ng
  // rewrites it (seen under load): a tagged process whose parent has the same tag is a worker.
  const forked = stats.filter((stat) => mains.has(stat.pid) && mains.get(stat.ppid) === mains.get(stat.pid));
  for (const stat of forked) mains.delete(stat.pid);
  // Workers may fork again (the vm stressor keeps an OOM-able child), so follow descendants, a few levels deep.
  const tagOf = new Map(mains);
  for (let depth = 0; depth < 4; depth++) {
    for (const stat of stats) {
      const inherited = tagOf.get(stat.ppid);
      if (!tagOf.has(stat.pid) && inherited !== undefined) tagOf.set(stat.pid, inherited);
    }
  }
  return stats
    .filter((stat) => tagOf.has(stat.pid))
    .map((stat) => ({
      pid: stat.pid,
      startTime: stat.startTime,
      tag: tagOf.get(stat.pid)!,
      role: mains.has(stat.pid) ? ('main' as const) : ('worker' as const),
    }));
}

/** The path of a cgroup directory relative to its cgroup2 mount, as /proc/PID/cgroup shows it. */
async function relativeCgroupPath(cgroupPath: string): Promise<string> {
  const mount = (await cgroup2Mounts()).find((root) => cgroupPath.startsWith(`${root.replace(/\/$/, '')}/`))!;
  return cgroupPath.slice(mount.replace(/\/$/, '').length);
}

/** Starts `stress-ng <args>` in the cgroup and returns once it runs there with a worker (or throws). */
async function startStressInCgroup(options: {
  cgroupPath: string;
  tag: string;
  stressArgs: string[];
}): Promise<ProcessRef> {
  const stressNg = resolveProgram('stress-ng');
  const { file, args } = buildArgv({
    program: 'sh',
    args: ['-c', CGROUP_EXEC_SCRIPT, 'sh', options.cgroupPath, stressNg, ...options.stressArgs],
  });
  const child = spawn(file, args, {
    shell: false,
    detached: true,
    stdio: 'ignore',
    env: { PATH: '/usr/sbin:/usr/bin:/sbin:/bin', [STRESS_TAG_ENV]: options.tag },
  });
  let exited: { code: number | null } | undefined;
  child.on('exit', (code) => {
    exited = { code };
  });
  const spawnError = new Promise<Error>((resolve) => child.on('error', resolve));
  child.unref();
  const pid = child.pid;
  if (pid === undefined) throw await spawnError;
  const expected = await relativeCgroupPath(options.cgroupPath);
  const deadline = Date.now() + PLACEMENT_TIMEOUT_MS;
  while (Date.now() < deadline && !exited) {
    const [cgroupText, comm] = await Promise.all([
      readFile(`/proc/${pid}/cgroup`, 'utf8').catch(() => ''),
      readFile(`/proc/${pid}/comm`, 'utf8').catch(() => ''),
    ]);
    // Started means a worker is forked too: until then stress-ng is setting itself up, and for a few ms
    // its environment area does not read as NAME=value (measured: the tag missing at 8-15 ms, never after
    // the first worker), so an inject again at once would not find it by its tag and start a second run.
    if (
      cgroupText.includes(`0::${expected}\n`) &&
      comm.startsWith('stress-ng') &&
      (await hasChild(pid, options.cgroupPath))
    ) {
      const stat = await readProcessStat({ pid });
      if (stat) return { pid, startTime: stat.startTime };
    }
    await sleep(POLL_MS);
  }
  if (!exited) child.kill('SIGKILL');
  throw new FaultError({
    code: 'CgroupPlacementFailed',
    message: exited
      ? `stress-ng could not be started in ${options.cgroupPath} (exit ${exited.code}); is it a cgroup v2 leaf the agent may write to?`
      : `stress-ng did not start in ${options.cgroupPath} within ${PLACEMENT_TIMEOUT_MS} ms`,
    data: { cgroupPath: options.cgroupPath, exitCode: exited?.code ?? null },
  });
}

/** Whether a process of the stress run's cgroup tree has `pid` as its parent. */
async function hasChild(pid: number, cgroupPath: string): Promise<boolean> {
  for (const other of await listCgroupPids({ cgroupPath, recursive: true })) {
    if (other !== pid && (await readProcessStat({ pid: other }))?.ppid === pid) return true;
  }
  return false;
}

async function waitUntilGone(refs: ProcessRef[], ms: number): Promise<boolean> {
  const deadline = Date.now() + ms;
  for (;;) {
    const alive = [];
    for (const ref of refs) if (await isSameProcess(ref)) alive.push(ref);
    if (alive.length === 0) return true;
    if (Date.now() >= deadline) return false;
    await sleep(POLL_MS * 4);
  }
}

/**
 * Stops the tagged stress run: SIGTERM to the main process first (stress-ng then stops and reaps its
 * workers, leaving no zombies), SIGKILL to whatever is left after a grace period.
 */
export async function stopTaggedStress(options: {
  cgroupPath?: string;
  tag: string;
  recorded: ProcessRef[];
}) {
  const tagged = options.cgroupPath
    ? await findTaggedStressProcesses({ cgroupPath: options.cgroupPath, tag: options.tag })
    : [];
  const mains = [...options.recorded, ...tagged.filter((ref) => ref.role === 'main')];
  const everything = [...mains, ...tagged.filter((ref) => ref.role === 'worker')];
  if (everything.length === 0) return;
  for (const ref of mains) await signalProcess({ ref, signal: 'SIGTERM' });
  if (await waitUntilGone(everything, TERM_GRACE_MS)) return;
  for (const ref of everything) await signalProcess({ ref, signal: 'SIGKILL' });
  if (await waitUntilGone(everything, KILL_WAIT_MS)) return;
  throw new FaultError({
    code: 'CommandTimeout',
    message: `stress processes tagged ${options.tag} were still alive ${KILL_WAIT_MS} ms after SIGKILL`,
    data: { tag: options.tag },
  });
}

function recordedProcesses(record: InjectionRecord | undefined): ProcessRef[] {
  const list = record?.details.processes;
  if (!Array.isArray(list)) return [];
  return list.filter((ref): ref is ProcessRef => {
    try {
      assertProcessRef(ref);
      return true;
    } catch {
      return false;
    }
  });
}

export function createStressFault<K extends 'cpuStress' | 'memoryStress'>(options: {
  kind: K;
  stressArgs: (params: CheckedParamsByKind[K]) => string[];
}): Fault<FaultParamsByKind[K]> {
  const { kind } = options;
  return {
    kind,
    oneShot: false,
    validate: (params) => paramIssues(kind, params),

    async inject({ target, params, tag }): Promise<InjectionRecord> {
      const checked = assertInjectable({ kind, tag, target, params });
      const cgroupPath = await requireCgroupPath(target);
      // Injecting again adopts the running stress-ng instead of starting a second one.
      const running = (await findTaggedStressProcesses({ cgroupPath, tag })).sort((a, b) => a.pid - b.pid);
      const main =
        running[0] ??
        (await startStressInCgroup({ cgroupPath, tag, stressArgs: options.stressArgs(checked) }));
      return {
        kind,
        tag,
        targetId: target.id,
        cgroupPath,
        details: { processes: [{ pid: main.pid, startTime: main.startTime }] },
      };
    },

    async recover({ target, record, tag }): Promise<void> {
      assertTaggedTarget(tag, target);
      const cgroupPath = record?.cgroupPath ?? target.cgroupPath;
      const checked =
        cgroupPath === undefined ? undefined : await requireCgroupPath({ ...target, cgroupPath });
      await stopTaggedStress({ cgroupPath: checked, tag, recorded: recordedProcesses(record) });
    },

    async verify({ target, tag }: { target: Target; tag: string }) {
      assertTaggedTarget(tag, target);
      const cgroupPath = await requireCgroupPath(target);
      const tagged = await findTaggedStressProcesses({ cgroupPath, tag });
      return tagged.length > 0
        ? { present: true, details: { processes: tagged.length } }
        : { present: false };
    },
  };
}
