/**
 * The one interface every node fault implements, for one target at a time. The controller (or the
 * standalone runner) owns selection; a fault only knows how to change one target, undo it, and tell
 * whether its change is there.
 */
import type { ValidationIssue } from './errors.ts';
import type { FaultParamsByKind, NodeFaultKind } from './params.ts';

export type { ValidationIssue } from './errors.ts';

/** A process identified by PID and start time (clock ticks since boot), so a recycled PID is never hit. */
export interface ProcessRef {
  pid: number;
  startTime: number;
}

/** What a fault acts on: a pod's network namespace and cgroup on this node, or a local process group. */
export interface Target {
  /** Stable id for logs and records, e.g. `pod/<uid>/<container>` or `netns/<name>`. */
  id: string;
  /** Network namespace file, e.g. `/proc/<pid>/ns/net` or `/run/netns/<name>`. Absent: the host's. */
  netnsPath?: string;
  /** Absolute cgroup v2 directory, e.g. `/sys/fs/cgroup/kubepods.slice/.../cri-containerd-<id>.scope`. */
  cgroupPath?: string;
  processes?: ProcessRef[];
}

/** JSON the agent persists before and after injecting: enough to undo the change after a crash. */
export interface InjectionRecord {
  kind: NodeFaultKind;
  tag: string;
  targetId: string;
  netnsPath?: string;
  cgroupPath?: string;
  /** Fault-specific facts (table name, qdisc handles, signalled processes...). JSON values only. */
  details: Record<string, unknown>;
}

export interface InjectOptions<P> {
  target: Target;
  params: P;
  tag: string;
}

export interface RecoverOptions {
  target: Target;
  record?: InjectionRecord;
  tag: string;
}

export interface VerifyOptions {
  target: Target;
  tag: string;
}

export interface VerifyResult {
  present: boolean;
  details?: Record<string, unknown>;
}

export interface Fault<P> {
  readonly kind: NodeFaultKind;
  /**
   * The effect happens at once and leaves nothing to undo (a signal): it is applied at most once. After a
   * restart that may have come between the effect and its record it is never applied again, and it is
   * never re-applied to continue a fault.
   */
  readonly oneShot: boolean;
  /** The agent's own checks; an empty list means the params may be used. */
  validate(params: unknown): ValidationIssue[];
  /** Applies the fault. Injecting again with the same tag leaves one change, not two. */
  inject(options: InjectOptions<P>): Promise<InjectionRecord>;
  /** Undoes the change. Without a prior inject, or once the target is gone, it is a no-op that succeeds. */
  recover(options: RecoverOptions): Promise<void>;
  /**
   * Whether `recover` undoes the change from this record alone, the live target adding nothing it would
   * use: then a caller holding the record need not resolve the target first. Absent means no.
   */
  recoversFromRecord?(record: InjectionRecord): boolean;
  /** Whether the change made under `tag` is in place on the target right now. */
  verify(options: VerifyOptions): Promise<VerifyResult>;
}

export type AnyFault = { [K in NodeFaultKind]: Fault<FaultParamsByKind[K]> }[NodeFaultKind];
