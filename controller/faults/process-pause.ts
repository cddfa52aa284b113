/**
 * processPause: stops the target's processes, either with SIGSTOP (recovered with SIGCONT) or by freezing
 * its cgroup v2 (`cgroup.freeze`). The record names the method and the processes, so recovery after a crash
 * continues exactly those. Without a record, recovery continues the target's stopped processes and thaws
 * its cgroup, which is what the tag alone can say.
 */
import { readCgroupFrozen, setCgroupFrozen } from '../host/cgroup-v2.ts';
import { readProcessStat } from '../host/proc.ts';
import { FaultError } from './errors.ts';
import type { Fault, InjectionRecord, ProcessRef, Target } from './fault.ts';
import type { FaultParamsByKind } from './params.ts';
import { signalProcess } from './signals.ts';
import {
  assertInjectable,
  assertProcessRef,
  assertTaggedTarget,
  paramIssues,
  requireCgroupPath,
} from './target.ts';

function recordedRefs(record: InjectionRecord | undefined): ProcessRef[] | undefined {
  const list = record?.details.paused;
  if (!Array.isArray(list)) return undefined;
  for (const ref of list) assertProcessRef(ref);
  return list as ProcessRef[];
}

async function isStopped(ref: ProcessRef): Promise<boolean> {
  const stat = await readProcessStat({ pid: ref.pid });
  return stat !== undefined && stat.startTime === ref.startTime && stat.state === 'T';
}

const SETTLE_TIMEOUT_MS = 1000;

/**
 * Signals are delivered asynchronously: wait (bounded) until every process is in the wanted state or gone,
 * so that inject and recover return once their effect is visible in /proc.
 */
async function settle(refs: ProcessRef[], stopped: boolean): Promise<void> {
  const deadline = Date.now() + SETTLE_TIMEOUT_MS;
  while (Date.now() < deadline) {
    let pending = 0;
    for (const ref of refs) {
      const stat = await readProcessStat({ pid: ref.pid });
      if (stat && stat.startTime === ref.startTime && stat.state !== 'Z' && (stat.state === 'T') !== stopped)
        pending++;
    }
    if (pending === 0) return;
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
}

async function continueAll(refs: ProcessRef[]): Promise<void> {
  for (const ref of refs) await signalProcess({ ref, signal: 'SIGCONT' });
  await settle(refs, false);
}

export function createProcessPauseFault(): Fault<FaultParamsByKind['processPause']> {
  return {
    kind: 'processPause',
    oneShot: false,
    validate: (params) => paramIssues('processPause', params),

    async inject({ target, params, tag }): Promise<InjectionRecord> {
      const { method } = assertInjectable({ kind: 'processPause', tag, target, params });
      if (method === 'freeze') {
        const cgroupPath = await requireCgroupPath(target);
        if (!(await setCgroupFrozen({ cgroupPath, frozen: true }))) {
          throw new FaultError({
            code: 'TargetGone',
            message: `cgroup ${cgroupPath} no longer exists`,
            data: { cgroupPath },
          });
        }
        return { kind: 'processPause', tag, targetId: target.id, cgroupPath, details: { method } };
      }
      if (!target.processes || target.processes.length === 0) {
        throw new FaultError({
          code: 'InvalidTarget',
          message: 'processPause with method signal needs target.processes',
          data: { field: 'processes' },
        });
      }
      const paused: ProcessRef[] = [];
      for (const ref of target.processes) {
        if ((await signalProcess({ ref, signal: 'SIGSTOP' })) === 'signalled') paused.push(ref);
      }
      await settle(paused, true);
      return { kind: 'processPause', tag, targetId: target.id, details: { method, paused } };
    },

    async recover({ target, record, tag }): Promise<void> {
      assertTaggedTarget(tag, target);
      const method = record?.details.method;
      if (method === 'signal') {
        await continueAll(recordedRefs(record) ?? target.processes ?? []);
        return;
      }
      const cgroupPath = record?.cgroupPath ?? target.cgroupPath;
      if (cgroupPath !== undefined) {
        const checked = await requireCgroupPath({ ...target, cgroupPath });
        if ((await readCgroupFrozen({ cgroupPath: checked })) === true)
          await setCgroupFrozen({ cgroupPath: checked, frozen: false });
      }
      if (method === undefined) {
        const stopped: ProcessRef[] = [];
        for (const ref of target.processes ?? []) if (await isStopped(ref)) stopped.push(ref);
        await continueAll(stopped);
      }
    },

    async verify({ target, tag }: { target: Target; tag: string }) {
      assertTaggedTarget(tag, target);
      const stopped: number[] = [];
      for (const ref of target.processes ?? []) if (await isStopped(ref)) stopped.push(ref.pid);
      const frozen =
        target.cgroupPath === undefined
          ? false
          : (await readCgroupFrozen({ cgroupPath: await requireCgroupPath(target) })) === true;
      return stopped.length > 0 || frozen
        ? { present: true, details: { stoppedPids: stopped, frozen } }
        : { present: false };
    },
  };
}
