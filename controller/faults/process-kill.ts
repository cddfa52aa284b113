/**
 * processKill and containerKill: send a signal (SIGKILL by default) to the target's processes. There is
 * nothing to undo; recovery is always a no-op, and verify reports no lasting change. Every signal goes to a
 * PID only after its start time matched, so a recycled PID is never hit.
 */
import { listCgroupPids } from '../host/cgroup-v2.ts';
import { readProcessStat } from '../host/proc.ts';
import { FaultError } from './errors.ts';
import type { Fault, InjectionRecord, ProcessRef } from './fault.ts';
import type { FaultParamsByKind, KillSignal } from './params.ts';
import { signalProcess } from './signals.ts';
import { assertInjectable, assertTaggedTarget, paramIssues, requireCgroupPath } from './target.ts';

async function signalAll(refs: ProcessRef[], signal: KillSignal) {
  const signalled: ProcessRef[] = [];
  const gone: ProcessRef[] = [];
  for (const ref of refs)
    ((await signalProcess({ ref, signal })) === 'signalled' ? signalled : gone).push(ref);
  return { signalled, gone };
}

export function createProcessKillFault(): Fault<FaultParamsByKind['processKill']> {
  return {
    kind: 'processKill',
    oneShot: true,
    validate: (params) => paramIssues('processKill', params),
    async inject({ target, params, tag }): Promise<InjectionRecord> {
      const { signal } = assertInjectable({ kind: 'processKill', tag, target, params });
      if (!target.processes || target.processes.length === 0) {
        throw new FaultError({
          code: 'InvalidTarget',
          message: 'processKill needs target.processes',
          data: { field: 'processes' },
        });
      }
      const { signalled, gone } = await signalAll(target.processes, signal);
      return { kind: 'processKill', tag, targetId: target.id, details: { signal, signalled, gone } };
    },
    async recover({ target, tag }) {
      assertTaggedTarget(tag, target);
    },
    async verify({ target, tag }) {
      assertTaggedTarget(tag, target);
      return { present: false };
    },
  };
}

/** Every live process of the cgroup tree, with its start time read now. */
async function cgroupProcesses(cgroupPath: string): Promise<ProcessRef[]> {
  const refs: ProcessRef[] = [];
  for (const pid of await listCgroupPids({ cgroupPath, recursive: true })) {
    const stat = await readProcessStat({ pid });
    if (stat && stat.state !== 'Z') refs.push({ pid, startTime: stat.startTime });
  }
  return refs;
}

export function createContainerKillFault(): Fault<FaultParamsByKind['containerKill']> {
  return {
    kind: 'containerKill',
    oneShot: true,
    validate: (params) => paramIssues('containerKill', params),
    async inject({ target, params, tag }): Promise<InjectionRecord> {
      const { signal } = assertInjectable({ kind: 'containerKill', tag, target, params });
      const cgroupPath = await requireCgroupPath(target);
      const { signalled, gone } = await signalAll(await cgroupProcesses(cgroupPath), signal);
      return {
        kind: 'containerKill',
        tag,
        targetId: target.id,
        cgroupPath,
        details: { signal, signalled, gone },
      };
    },
    async recover({ target, tag }) {
      assertTaggedTarget(tag, target);
    },
    async verify({ target, tag }) {
      assertTaggedTarget(tag, target);
      return { present: false };
    },
  };
}
