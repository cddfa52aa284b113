/**
 * A fault session: the node-side rules every caller of the faults follows, whoever keeps the records (the
 * node agent keeps them in ChaosInjections, the standalone runner in its state directory).
 *
 *   apply     once per id: a one-shot fault whose earlier attempt may have happened is never applied again
 *   record    what apply returned is held by id, so a retried write of the record never repeats the effect
 *   continue  after a restart: verify, and apply again if the change is gone (never for a one-shot fault)
 *   recover   undo from the session's record or the caller's, on the target or, once it is gone, the record
 *
 * Changes to one target run one at a time (target-changes.ts). The caller writes its record of an attempt
 * before calling apply (records before effects) and passes `earlierAttempt` when it finds such a record
 * from an earlier process without the outcome.
 */
import type { InjectionRecord, Target } from './fault.ts';
import type { NodeFaultKind } from './params.ts';
import type { FaultRegistry } from './registry.ts';
import { createNodeChanges, type NodeChanges, targetKeys } from './target-changes.ts';

export interface SessionFault {
  /** The caller's stable id of this fault on this target (an injection UID, a run's record key). */
  id: string;
  kind: NodeFaultKind;
  tag: string;
  /**
   * Who owns the target (a pod UID), for serialising changes to it; a network namespace is keyed by its
   * identity and anything else by the target id.
   */
  owner?: string;
}

export type ApplyOutcome =
  /** Applied now. */
  | { outcome: 'applied'; record: InjectionRecord }
  /** Applied earlier in this process: the effect is not repeated. */
  | { outcome: 'held'; record: InjectionRecord }
  /** A one-shot fault whose earlier attempt may have taken effect: it is not applied again. */
  | { outcome: 'interrupted' };

export type ContinueOutcome =
  | { outcome: 'held'; record: InjectionRecord }
  /** A one-shot fault has nothing to continue. */
  | { outcome: 'one-shot'; record: InjectionRecord | undefined }
  | { outcome: 'verified'; reapplied: boolean; record: InjectionRecord | undefined };

export interface FaultSession {
  apply(
    options: SessionFault & {
      params: unknown;
      /** Finds the target; called only when the fault is to be applied. */
      resolve: () => Promise<Target>;
      earlierAttempt: boolean;
      /** Called just before the effect (a failpoint). */
      beforeEffect?: () => void;
    },
  ): Promise<ApplyOutcome>;
  continue(
    options: SessionFault & {
      params: unknown;
      resolve: () => Promise<Target>;
      /** The caller's record of the applied fault. */
      record: InjectionRecord | undefined;
    },
  ): Promise<ContinueOutcome>;
  /**
   * Undoes the fault; idempotent. The target is resolved if possible (unless the fault undoes from the
   * record alone: `Fault.recoversFromRecord`), else taken from the record. False
   * when there was nothing to act on (no target and no record).
   */
  recover(
    options: SessionFault & {
      record: InjectionRecord | undefined;
      resolve?: () => Promise<Target | undefined>;
    },
  ): Promise<boolean>;
  /** The record this process holds for `id`. */
  record(id: string): InjectionRecord | undefined;
  /** Forgets `id` once its fault is recovered or failed. */
  forget(id: string): void;
  ids(): string[];
}

/** The target from a record alone, for recovering after the target (or our resolution of it) is gone. */
export function targetFromRecord(record: InjectionRecord | undefined): Target | undefined {
  if (!record) return undefined;
  return {
    id: record.targetId,
    ...(record.netnsPath === undefined ? {} : { netnsPath: record.netnsPath }),
    ...(record.cgroupPath === undefined ? {} : { cgroupPath: record.cgroupPath }),
  };
}

export function createFaultSession(options: {
  faults: FaultRegistry;
  /** Serialises changes by target; defaults to a private one allowing 8 changes at once. */
  changes?: Pick<NodeChanges, 'run'>;
}): FaultSession {
  const { faults } = options;
  const changes = options.changes ?? createNodeChanges({ limit: 8 });
  const held = new Map<string, InjectionRecord>();

  async function change<T>(
    fault: SessionFault,
    target: Target,
    work: (target: Target) => Promise<T>,
    options: { removal?: boolean } = {},
  ) {
    const keys = await targetKeys({ podUid: fault.owner, netnsPath: target.netnsPath, targetId: target.id });
    return changes.run(keys, () => work(target), options);
  }

  return {
    async apply(request) {
      const fault = faults[request.kind];
      const record = held.get(request.id);
      if (record) return { outcome: 'held', record };
      if (fault.oneShot && request.earlierAttempt) {
        // A record of the attempt without its outcome: the signal may have been sent. Never twice.
        return { outcome: 'interrupted' };
      }
      request.beforeEffect?.();
      const applied = await change(request, await request.resolve(), (target) =>
        fault.inject({ target, params: request.params as never, tag: request.tag }),
      );
      held.set(request.id, applied);
      return { outcome: 'applied', record: applied };
    },

    async continue(request) {
      const fault = faults[request.kind];
      const record = held.get(request.id);
      if (record) return { outcome: 'held', record };
      if (fault.oneShot) {
        if (request.record) held.set(request.id, request.record);
        return { outcome: 'one-shot', record: request.record };
      }
      const outcome = await change(request, await request.resolve(), async (target) => {
        if ((await fault.verify({ target, tag: request.tag })).present)
          return { reapplied: false, record: request.record };
        const reapplied = await fault.inject({ target, params: request.params as never, tag: request.tag });
        return { reapplied: true, record: reapplied };
      });
      if (outcome.record) held.set(request.id, outcome.record);
      return { outcome: 'verified', ...outcome };
    },

    async recover(request) {
      const record = held.get(request.id) ?? request.record;
      const kind = record?.kind ?? request.kind;
      // Resolving costs file system reads (100 recoveries at once spent 80-120 ms on them before the first
      // change); a fault that undoes from the record alone is spared them.
      const fromRecord = record !== undefined && faults[kind].recoversFromRecord?.(record) === true;
      const target = (fromRecord ? undefined : await request.resolve?.()) ?? targetFromRecord(record);
      if (!target) return false;
      await change(
        request,
        target,
        (found) => faults[kind].recover({ target: found, record, tag: request.tag }),
        { removal: true },
      );
      return true;
    },

    record: (id) => held.get(id),
    forget: (id) => {
      held.delete(id);
    },
    ids: () => [...held.keys()],
  };
}
