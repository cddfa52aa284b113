/**
 * Checks before a fault touches anything: the target (assembled from API objects and /proc readings that
 * could be wrong or stale), the tag, and the params against the kind's schema.
 */

import { checkFaultParams } from '../api/fault-params.ts';
import { assertCgroupPath, findCgroup2Mounts } from '../host/cgroup-v2.ts';
import { assertNetnsPath } from '../host/command.ts';
import { assertPid } from '../host/proc.ts';
import { FaultError, InvalidParamsError, type ValidationIssue } from './errors.ts';
import type { ProcessRef, Target } from './fault.ts';
import type { CheckedParamsByKind, NodeFaultKind } from './params.ts';
import { assertTag } from './tags.ts';

let cgroupMounts: Promise<string[]> | undefined;

/** cgroup2 mount points, read once per agent process. */
export function cgroup2Mounts(): Promise<string[]> {
  cgroupMounts ??= findCgroup2Mounts();
  return cgroupMounts;
}

function invalid(message: string, field: string): never {
  throw new FaultError({ code: 'InvalidTarget', message, data: { field } });
}

export function assertTargetShape(target: unknown): asserts target is Target {
  if (typeof target !== 'object' || target === null) invalid('target must be an object', '');
  const { id, netnsPath, processes } = target as Target;
  if (typeof id !== 'string' || id.length === 0 || id.length > 512)
    invalid('target.id must be a short string', 'id');
  if (netnsPath !== undefined) assertNetnsPath(netnsPath);
  if (processes !== undefined) {
    if (!Array.isArray(processes) || processes.length > 4096)
      invalid('target.processes must be a list', 'processes');
    for (const ref of processes) assertProcessRef(ref);
  }
}

export function assertProcessRef(ref: unknown): asserts ref is ProcessRef {
  const candidate = ref as ProcessRef | undefined;
  try {
    assertPid(candidate?.pid);
  } catch {
    invalid('process pid must be an integer from 1 to 4194304', 'processes');
  }
  if (!Number.isInteger(candidate?.startTime) || (candidate?.startTime ?? -1) < 0) {
    invalid('process startTime must be a non-negative integer (clock ticks since boot)', 'processes');
  }
}

/** The target's cgroup path, checked to be inside a cgroup2 mount; throws when absent or outside. */
export async function requireCgroupPath(target: Target): Promise<string> {
  if (target.cgroupPath === undefined) invalid('this fault needs target.cgroupPath', 'cgroupPath');
  const mounts = await cgroup2Mounts();
  assertCgroupPath({ path: target.cgroupPath, mounts });
  return target.cgroupPath;
}

/** Before recover and verify: a safe tag and a well-formed target, or nothing is touched. */
export function assertTaggedTarget(tag: string, target: unknown): asserts target is Target {
  assertTag(tag);
  assertTargetShape(target);
}

/** The issues of a node fault's params: its schema (the API's, compiled here) and the rules no schema states. */
export function paramIssues(kind: NodeFaultKind, params: unknown): ValidationIssue[] {
  const checked = checkFaultParams(kind, params);
  return checked.ok ? [] : checked.issues;
}

/**
 * Before inject: the same, and params that pass the kind's schema. Returns the params with the
 * schema's defaults filled in: the fault works with those, so no default is written twice.
 */
export function assertInjectable<K extends NodeFaultKind>(options: {
  kind: K;
  tag: string;
  target: unknown;
  params: unknown;
}): CheckedParamsByKind[K] {
  assertTaggedTarget(options.tag, options.target);
  const checked = checkFaultParams(options.kind, options.params);
  if (!checked.ok) throw new InvalidParamsError({ kind: options.kind, issues: checked.issues });
  return checked.params as unknown as CheckedParamsByKind[K];
}
