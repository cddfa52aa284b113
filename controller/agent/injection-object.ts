/**
 * The ChaosInjection as the agent sees it: the full object metadata the generated type leaves out, and the
 * agent's own second check of every spec value before any of them reaches the node (the fault params with
 * the kind's compiled schema, through each fault's validate). The API schema checks the same things first; an object that slipped past it (or was
 * written by something other than the controller) is still refused here.
 */
import { containerIdPattern } from '../../schemas/chaos-injection.ts';
import { agentFinalizer, injectionTagPattern, nodeFaultKinds, nodeLabel } from '../api/contract.ts';
import type { ChaosInjection, ChaosInjectionStatus, Condition } from '../api/types.generated.ts';
import { findCondition } from '../core/conditions.ts';
import type { ValidationIssue } from '../faults/errors.ts';
import type { InjectionRecord } from '../faults/fault.ts';
import type { NodeFaultKind } from '../faults/params.ts';
import type { FaultRegistry } from '../faults/registry.ts';

// The contract's names under the names injection-agent.ts still imports them by (its home is api/contract.ts).
export { nodeLabel as NODE_LABEL };

/** A label value: what a node name must also be for the agent's label selector to work. */
export const NODE_NAME_PATTERN = /^[A-Za-z0-9]([A-Za-z0-9_.-]{0,61}[A-Za-z0-9])?$/;
const RFC3339_PATTERN =
  /^[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}(\.[0-9]{1,9})?(Z|[+-][0-9]{2}:[0-9]{2})$/;
const POD_UID_PATTERN = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;
const CONTAINER_ID_PATTERN = new RegExp(containerIdPattern);

export interface InjectionMetadata {
  name: string;
  namespace: string;
  uid: string;
  resourceVersion: string;
  generation?: number;
  labels?: Record<string, string>;
  finalizers?: string[];
  deletionTimestamp?: string;
}

/** A ChaosInjection as the API server returns it. `spec` may be anything: it is checked before use. */
export type InjectionObject = Omit<ChaosInjection, 'metadata' | 'spec' | 'status'> & {
  metadata: InjectionMetadata;
  spec?: Partial<ChaosInjection['spec']>;
  status?: ChaosInjectionStatus;
};

export function injectionKey(injection: { metadata: { namespace?: string; name?: string } }): string {
  return `${injection.metadata.namespace ?? ''}/${injection.metadata.name ?? ''}`;
}

/** Where an injection stands, read from its conditions alone. */
export type InjectionPhase = 'new' | 'injected' | 'failed' | 'recovered';

export function phaseOf(injection: InjectionObject): InjectionPhase {
  const conditions: Condition[] | undefined = injection.status?.conditions;
  if (findCondition(conditions, 'Recovered')?.status === 'True') return 'recovered';
  const injected = findCondition(conditions, 'Injected')?.status;
  if (injected === 'True') return 'injected';
  if (injected === 'False') return 'failed';
  return 'new';
}

export function hasAgentFinalizer(injection: InjectionObject): boolean {
  return injection.metadata.finalizers?.includes(agentFinalizer) ?? false;
}

/** Everything the agent needs from a spec that passed its checks. */
export interface CheckedInjection {
  kind: NodeFaultKind;
  params: unknown;
  tag: string;
  deadlineMs: number;
  podUid: string;
  containerIDs: string[];
}

export type CheckResult = { ok: true; value: CheckedInjection } | { ok: false; issues: ValidationIssue[] };

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** The single node fault of a fault item (`{ name?, networkLoss: {...} }`), or why there is none. */
export function nodeFaultOf(
  fault: unknown,
): { kind: NodeFaultKind; params: unknown } | { issues: ValidationIssue[] } {
  if (!isRecord(fault)) return { issues: [{ path: '/spec/fault', message: 'must be an object' }] };
  const keys = Object.keys(fault).filter((key) => key !== 'name');
  const kinds = keys.filter((key): key is NodeFaultKind =>
    (nodeFaultKinds as readonly string[]).includes(key),
  );
  if (keys.length !== 1 || kinds.length !== 1) {
    return {
      issues: [
        {
          path: '/spec/fault',
          message: `must hold exactly one node fault (${nodeFaultKinds.join(', ')}); found ${keys.join(', ') || 'none'}`,
        },
      ],
    };
  }
  const kind = kinds[0]!;
  return { kind, params: fault[kind] };
}

/** Parses an RFC 3339 timestamp strictly; undefined when it is not one. */
export function parseTimestamp(value: unknown): number | undefined {
  if (typeof value !== 'string' || !RFC3339_PATTERN.test(value)) return undefined;
  const ms = Date.parse(value);
  return Number.isFinite(ms) ? ms : undefined;
}

/** The agent's own check of a spec: node, tag, deadline, target and the fault's params (its `validate`). */
export function checkInjection(options: {
  injection: InjectionObject;
  nodeName: string;
  faults: FaultRegistry;
}): CheckResult {
  const spec = options.injection.spec;
  if (!isRecord(spec)) return { ok: false, issues: [{ path: '/spec', message: 'must be an object' }] };
  const issues: ValidationIssue[] = [];
  if (spec.node !== options.nodeName)
    issues.push({ path: '/spec/node', message: `must be this agent's node (${options.nodeName})` });
  const tag = spec.tag;
  if (typeof tag !== 'string' || !injectionTagPattern.test(tag))
    issues.push({ path: '/spec/tag', message: `must match ${injectionTagPattern}` });
  const deadlineMs = parseTimestamp(spec.deadline);
  if (deadlineMs === undefined)
    issues.push({ path: '/spec/deadline', message: 'must be an RFC 3339 timestamp' });
  const target: Record<string, unknown> = isRecord(spec.target) ? spec.target : {};
  const pod: Record<string, unknown> = isRecord(target.pod) ? target.pod : {};
  if (typeof pod.uid !== 'string' || !POD_UID_PATTERN.test(pod.uid))
    issues.push({ path: '/spec/target/pod/uid', message: 'must be a lowercase UUID' });
  const containerIDs = target.containerIDs ?? [];
  if (!Array.isArray(containerIDs) || containerIDs.length > 32) {
    issues.push({ path: '/spec/target/containerIDs', message: 'must be a list of at most 32 IDs' });
  } else {
    containerIDs.forEach((id, index) => {
      if (typeof id !== 'string' || !CONTAINER_ID_PATTERN.test(id))
        issues.push({ path: `/spec/target/containerIDs/${index}`, message: 'must be <runtime>://<hex>' });
    });
  }
  const fault = nodeFaultOf(spec.fault);
  if ('issues' in fault) {
    issues.push(...fault.issues);
  } else {
    const prefix = `/spec/fault/${fault.kind}`;
    for (const issue of options.faults[fault.kind].validate(fault.params))
      issues.push({ path: `${prefix}${issue.path}`, message: issue.message });
  }
  if (issues.length > 0 || 'issues' in fault) return { ok: false, issues };
  return {
    ok: true,
    value: {
      kind: fault.kind,
      params: fault.params,
      tag: tag as string,
      deadlineMs: deadlineMs as number,
      podUid: pod.uid as string,
      containerIDs: containerIDs as string[],
    },
  };
}

/**
 * The InjectionRecord from the status, if it is well formed and belongs to this injection's tag. The status
 * is input like any other (anything with status write access could have put it there), so paths in it are
 * checked again by the fault before use.
 */
export function recordOf(injection: InjectionObject): InjectionRecord | undefined {
  const record = injection.status?.record as Partial<InjectionRecord> | undefined;
  if (!isRecord(record)) return undefined;
  const { kind, tag, targetId, netnsPath, cgroupPath, details } = record;
  if (typeof kind !== 'string' || !(nodeFaultKinds as readonly string[]).includes(kind)) return undefined;
  if (typeof tag !== 'string' || tag !== injection.spec?.tag) return undefined;
  if (typeof targetId !== 'string' || targetId.length === 0 || targetId.length > 512) return undefined;
  if (netnsPath !== undefined && typeof netnsPath !== 'string') return undefined;
  if (cgroupPath !== undefined && typeof cgroupPath !== 'string') return undefined;
  return {
    kind: kind as NodeFaultKind,
    tag,
    targetId,
    ...(netnsPath === undefined ? {} : { netnsPath }),
    ...(cgroupPath === undefined ? {} : { cgroupPath }),
    details: isRecord(details) ? details : {},
  };
}

/** Formats validation issues as one plain message for a condition. */
export function describeIssues(issues: readonly ValidationIssue[]): string {
  return issues.map((issue) => `${issue.path || '/'}: ${issue.message}`).join('; ');
}
