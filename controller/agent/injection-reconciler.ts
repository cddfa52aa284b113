/**
 * One pass over one ChaosInjection: decide from its spec, conditions, the deadline and the controller's
 * lease what the node must look like, make it so, and record it in the status. Level based: any pass can be
 * repeated, after a crash too, and converges.
 *
 *   deleting          → recover (idempotent), Recovered True (Recovered), release the finalizer
 *   recovered/failed  → release the finalizer if still held; nothing else
 *   spec fails checks → Injected False (InvalidParams); nothing on the node is touched
 *   controller lost   → recover, Recovered True (ControllerLost)
 *   deadline passed   → recover, Recovered True (DeadlineReached)
 *   new               → finalizer first, then inject, then Injected True with the record
 *   injected          → first pass of this process: verify, re-apply if the change is missing (continued)
 */
import { injectionTagPattern } from '../api/contract.ts';
import type { FaultError } from '../faults/errors.ts';
import type { Target } from '../faults/fault.ts';
import type { FaultRegistry } from '../faults/registry.ts';
import { type ApplyOutcome, createFaultSession } from '../faults/session.ts';
import type { Clock, TimerHandle } from '../runtime/clock.ts';
import { type Failpoint, noFailpoints } from '../runtime/failpoints.ts';
import { describeError, type RuntimeLogger } from '../runtime/logger.ts';
import type { AgentMetrics } from './agent-metrics.ts';
import { injectedStatus, injectionFailedStatus, reasonFor, recoveredStatus } from './agent-status.ts';
import type { InjectionApi } from './injection-api.ts';
import {
  type CheckedInjection,
  checkInjection,
  describeIssues,
  hasAgentFinalizer,
  type InjectionObject,
  injectionKey,
  nodeFaultOf,
  phaseOf,
  recordOf,
} from './injection-object.ts';
import type { NodeChanges } from './node-changes.ts';
import type { TargetResolver } from './target-resolver.ts';

export interface InjectionReconcilerOptions {
  nodeName: string;
  api: InjectionApi;
  faults: FaultRegistry;
  resolver: TargetResolver;
  clock: Clock;
  logger: RuntimeLogger;
  /** Whether the controller's lease counts as lost (dead-man switch). */
  controllerLost: () => boolean;
  /** Arms and disarms the per-injection deadline timer (a DeadlineScheduler). */
  deadlines: {
    schedule(entry: { id: string; deadlineMs: number }): void;
    cancel(options: { id: string }): boolean;
  };
  /**
   * Runs a node change: changes with a key in common one at a time, others side by side (bounded), never
   * while the sweep runs (node-changes.ts).
   */
  nodeChanges: Pick<NodeChanges, 'run' | 'settled'>;
  /**
   * How long a recovered injection's status and finalizer writes may wait for the node changes under way
   * (recovery first, paperwork after). Default `DEFAULT_PAPERWORK_WAIT_MS`.
   */
  paperworkWaitMs?: number;
  failpoint?: Failpoint;
  metrics?: AgentMetrics;
}

/**
 * A burst of recoveries (a run aborting 100 targets at once) is bound by CPU: each change starts nsenter and
 * nft, and each recovered injection costs two API writes, ours to send and the API server's to store and
 * fan out. The writes only report what is already true on the node, so they wait for the changes under way,
 * and the last fault goes that much sooner. Bounded, so a steady stream of changes cannot hold a finalizer.
 */
export const DEFAULT_PAPERWORK_WAIT_MS = 2_000;

export interface InjectionReconciler {
  /** Returns the latest version of the object this pass wrote (or read), undefined once it is gone. */
  reconcile(options: { injection: InjectionObject }): Promise<InjectionObject | undefined>;
  /** UIDs whose fault this process applied or verified and has not recovered yet. */
  activeUids(): string[];
}

function errorReason(error: unknown): string {
  return reasonFor((error as FaultError | undefined)?.code);
}

function errorMessage(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

/** The pod UID of a spec that failed the checks, if it still names one: only a lock key, never a path. */
function rawPodUid(injection: InjectionObject): string | undefined {
  const uid = (injection.spec?.target as { pod?: { uid?: unknown } } | undefined)?.pod?.uid;
  return typeof uid === 'string' && uid.length <= 64 ? uid : undefined;
}

export function createInjectionReconciler(options: InjectionReconcilerOptions): InjectionReconciler {
  const { api, faults, resolver, clock, logger, deadlines, nodeChanges, metrics } = options;
  const failpoint = options.failpoint ?? noFailpoints;
  const paperworkWaitMs = options.paperworkWaitMs ?? DEFAULT_PAPERWORK_WAIT_MS;
  const now = () => new Date(clock.now());

  /** Recovery first, paperwork after: waits for the node changes under way, at most paperworkWaitMs. */
  async function afterNodeChanges(): Promise<void> {
    let timer: TimerHandle | undefined;
    const bound = new Promise<void>((resolve) => {
      timer = clock.setTimeout(resolve, paperworkWaitMs);
    });
    await Promise.race([nodeChanges.settled(), bound]);
    if (timer !== undefined) clock.clearTimeout(timer);
  }
  /**
   * What this process applied or verified, by UID: a retried status write never repeats the effect. The
   * session also keeps one-shot faults from repeating and serialises changes to one pod or network
   * namespace with every other change (and the sweep) through nodeChanges.
   */
  const session = createFaultSession({ faults, changes: nodeChanges });

  const forget = (uid: string) => {
    session.forget(uid);
    metrics?.active.set(session.ids().length);
  };

  async function resolveTarget(checked: Pick<CheckedInjection, 'podUid' | 'containerIDs'>): Promise<Target> {
    return resolver.resolve({ podUid: checked.podUid, containerIDs: checked.containerIDs });
  }

  /** Undoes whatever this injection may have changed. Idempotent; a no-op when nothing was changed. */
  async function recoverOnNode(injection: InjectionObject): Promise<void> {
    const { uid } = injection.metadata;
    const record = session.record(uid) ?? recordOf(injection);
    const specFault = nodeFaultOf(injection.spec?.fault);
    const kind = record?.kind ?? ('kind' in specFault ? specFault.kind : undefined);
    const tag = injection.spec?.tag;
    if (!kind || typeof tag !== 'string' || !injectionTagPattern.test(tag)) return;
    const checked = checkInjection({ injection, nodeName: options.nodeName, faults });
    const resolve = async (): Promise<Target | undefined> => {
      if (!checked.ok) return undefined;
      try {
        return await resolveTarget(checked.value);
      } catch (error) {
        logger.info(
          { injection: injectionKey(injection), error: describeError(error) },
          'target not found for recovery; using the record',
        );
        return undefined;
      }
    };
    const owner = checked.ok ? checked.value.podUid : rawPodUid(injection);
    await session.recover({ id: uid, kind, tag, record, resolve, ...(owner ? { owner } : {}) });
  }

  async function recover(
    injection: InjectionObject,
    reason: string,
    message: string,
  ): Promise<InjectionObject | undefined> {
    const key = injectionKey(injection);
    await recoverOnNode(injection);
    failpoint('agent.after-recover');
    deadlines.cancel({ id: key });
    forget(injection.metadata.uid);
    metrics?.recoveries.inc({ reason });
    logger.info({ injection: key, reason }, 'recovered');
    await afterNodeChanges();
    let current = await api.writeStatus({
      injection,
      compute: (fresh) =>
        phaseOf(fresh) === 'recovered'
          ? undefined
          : recoveredStatus({ injection: fresh, reason, message, now: now() }),
    });
    if (current && hasAgentFinalizer(current)) current = await api.removeFinalizer({ injection: current });
    return current;
  }

  /** A final failure: undo any partial change, write Injected False, release the finalizer. */
  async function fail(
    injection: InjectionObject,
    reason: string,
    message: string,
  ): Promise<InjectionObject | undefined> {
    const key = injectionKey(injection);
    if (hasAgentFinalizer(injection)) {
      await recoverOnNode(injection).catch((error: unknown) =>
        logger.warn({ injection: key, error: describeError(error) }, 'cleaning up a failed injection failed'),
      );
    }
    deadlines.cancel({ id: key });
    forget(injection.metadata.uid);
    const specFault = nodeFaultOf(injection.spec?.fault);
    metrics?.injections.inc({
      kind: 'kind' in specFault ? specFault.kind : 'unknown',
      result: reasonFor(reason),
    });
    logger.warn({ injection: key, reason: reasonFor(reason), message }, 'injection failed');
    let current = await api.writeStatus({
      injection,
      compute: (fresh) =>
        phaseOf(fresh) === 'new'
          ? injectionFailedStatus({ injection: fresh, reason, message, now: now() })
          : undefined,
    });
    if (current && hasAgentFinalizer(current)) current = await api.removeFinalizer({ injection: current });
    return current;
  }

  async function inject(
    injection: InjectionObject,
    checked: CheckedInjection,
    /** Whether the finalizer was there before this pass: then an earlier process may have acted already. */
    earlierAttempt: boolean,
  ): Promise<InjectionObject | undefined> {
    const { uid } = injection.metadata;
    let outcome: ApplyOutcome;
    try {
      outcome = await session.apply({
        id: uid,
        kind: checked.kind,
        tag: checked.tag,
        owner: checked.podUid,
        params: checked.params,
        resolve: () => resolveTarget(checked),
        earlierAttempt,
        beforeEffect: () => failpoint('agent.before-inject'),
      });
    } catch (error) {
      return fail(injection, errorReason(error), errorMessage(error));
    }
    if (outcome.outcome === 'interrupted') {
      // A finalizer without a status means an earlier process may have sent the signal already: never twice.
      return fail(
        injection,
        'InjectionInterrupted',
        `the agent restarted while applying ${checked.kind}; a one-shot fault is not repeated`,
      );
    }
    if (outcome.outcome === 'applied') {
      metrics?.active.set(session.ids().length);
      metrics?.injections.inc({ kind: checked.kind, result: 'Injected' });
      logger.info({ injection: injectionKey(injection), kind: checked.kind, tag: checked.tag }, 'injected');
      failpoint('agent.after-inject');
    }
    const applied = outcome.record;
    return api.writeStatus({
      injection,
      compute: (fresh) =>
        phaseOf(fresh) === 'new'
          ? injectedStatus({ injection: fresh, record: applied, now: now() })
          : undefined,
    });
  }

  /** First pass of this process over an injected fault: make sure the change is still there. */
  async function continueInjected(
    injection: InjectionObject,
    checked: CheckedInjection,
  ): Promise<InjectionObject | undefined> {
    const { uid } = injection.metadata;
    try {
      const outcome = await session.continue({
        id: uid,
        kind: checked.kind,
        tag: checked.tag,
        owner: checked.podUid,
        params: checked.params,
        resolve: () => resolveTarget(checked),
        record: recordOf(injection),
      });
      metrics?.active.set(session.ids().length);
      if (outcome.outcome === 'verified') {
        logger.info(
          { injection: injectionKey(injection), tag: checked.tag, reapplied: outcome.reapplied },
          'continued after restart',
        );
      }
      return injection;
    } catch (error) {
      // The target died or the change cannot be put back: the fault cannot be held any longer.
      return recover(injection, errorReason(error), `cannot continue the fault: ${errorMessage(error)}`);
    }
  }

  async function finishDeletion(injection: InjectionObject): Promise<InjectionObject | undefined> {
    deadlines.cancel({ id: injectionKey(injection) });
    if (!hasAgentFinalizer(injection)) return injection;
    const phase = phaseOf(injection);
    if (phase === 'recovered' || phase === 'failed') return api.removeFinalizer({ injection });
    return recover(injection, 'Recovered', 'recovered because the injection was deleted');
  }

  async function reconcile({ injection }: { injection: InjectionObject }) {
    if (injection.metadata.deletionTimestamp) return finishDeletion(injection);
    const phase = phaseOf(injection);
    if (phase === 'recovered' || phase === 'failed') {
      deadlines.cancel({ id: injectionKey(injection) });
      forget(injection.metadata.uid);
      return hasAgentFinalizer(injection) ? api.removeFinalizer({ injection }) : injection;
    }
    const checked = checkInjection({ injection, nodeName: options.nodeName, faults });
    if (!checked.ok) {
      const message = describeIssues(checked.issues);
      return phase === 'injected'
        ? recover(injection, 'InvalidSpec', `the spec no longer passes the agent's checks: ${message}`)
        : fail(injection, 'InvalidParams', message);
    }
    const { value } = checked;
    if (options.controllerLost()) {
      const message = "the controller's lease was not renewed within the grace period";
      return phase === 'injected'
        ? recover(injection, 'ControllerLost', message)
        : fail(injection, 'ControllerLost', `not applied: ${message}`);
    }
    if (clock.now() >= value.deadlineMs) {
      return phase === 'injected'
        ? recover(injection, 'DeadlineReached', `recovered at the deadline ${injection.spec?.deadline}`)
        : fail(injection, 'DeadlineExceeded', 'the deadline passed before the fault was applied');
    }
    const earlierAttempt = hasAgentFinalizer(injection);
    let current: InjectionObject | undefined = injection;
    // Records before effects: the finalizer is in place before anything on the node changes.
    if (!hasAgentFinalizer(current)) current = await api.addFinalizer({ injection: current });
    if (!current) return undefined;
    current =
      phase === 'new' ? await inject(current, value, earlierAttempt) : await continueInjected(current, value);
    if (current && phaseOf(current) === 'injected' && !current.metadata.deletionTimestamp)
      deadlines.schedule({ id: injectionKey(current), deadlineMs: value.deadlineMs });
    return current;
  }

  return { reconcile, activeUids: () => session.ids() };
}
