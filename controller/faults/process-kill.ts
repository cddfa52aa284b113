/**
 * processKill and containerKill: send a signal (SIGKILL by default) to the target's processes. There is
 * nothing to undo; recovery is always a no-op, and verify reports no lasting change. Every signal goes to a
 * PID only after its start time matched, so a recycled PID is never hit.
 */
import { listCgroupPids } from '../agent/node/cgroup-v2.ts';
import { readProcessStat } from '../agent/node/proc.ts';
import { checkEnum, isRecord, unknownKeys } from './checks.ts';
import { FaultError, type ValidationIssue } from './errors.ts';
import type { Fault, InjectionRecord, ProcessRef } from './fault.ts';
import type { ContainerKillParams, KillSignal, ProcessKillParams } from './params.ts';
import { KILL_SIGNALS, signalProcess } from './signals.ts';

import { assertInjectable, assertTaggedTarget, requireCgroupPath } from './target.ts';

export function validateKill(params: unknown): ValidationIssue[] {
  if (!isRecord(params)) return [{ path: '', message: 'must be an object' }];
  return [
    ...unknownKeys(params, ['signal']),
    ...checkEnum({ value: params.signal, path: '/signal', allowed: KILL_SIGNALS }),
  ];
}

async function signalAll(refs: ProcessRef[], signal: KillSignal) {
  const signalled: ProcessRef[] = [];
  const gone: ProcessRef[] = [];
  for (const ref of refs)
    ((await signalProcess({ ref, signal })) === 'signalled' ? signalled : gone).push(ref);
  return { signalled, gone };
}

export function createProcessKillFault(): Fault<ProcessKillParams> {
  return {
    kind: 'processKill',
    validate: validateKill,
    async inject({ target, params, tag }): Promise<InjectionRecord> {
      assertInjectable({ kind: 'processKill', tag, target, params, validate: validateKill });
      if (!target.processes || target.processes.length === 0) {
        throw new FaultError({
          code: 'InvalidTarget',
          message: 'processKill needs target.processes',
          data: { field: 'processes' },
        });
      }
      const signal = params.signal ?? 'SIGKILL';
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

export function createContainerKillFault(): Fault<ContainerKillParams> {
  return {
    kind: 'containerKill',
    validate: validateKill,
    async inject({ target, params, tag }): Promise<InjectionRecord> {
      assertInjectable({ kind: 'containerKill', tag, target, params, validate: validateKill });
      const cgroupPath = await requireCgroupPath(target);
      const signal = params.signal ?? 'SIGKILL';
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
