/**
 * One step of one standalone run: the core's lifecycle (planExperiment) decides, this file carries out its
 * actions on the host through the fault session, and folds the outcomes back (applyOutcomes). The record
 * of every fault attempt is saved before its effect and again once the change is in place, so a runner
 * killed at any moment knows, when it starts again, what may be on the host and how to undo it.
 */
import { experimentFinalizer, injectionTag, optInLabel } from '../api/contract.ts';
import type { ChaosPolicySpec, Fault, TargetRecord } from '../api/types.generated.ts';
import { applyOutcomes } from '../core/experiment/apply-outcomes.ts';
import { faultKind, namedFaults } from '../core/experiment/faults.ts';
import { planExperiment } from '../core/experiment/plan-experiment.ts';
import { runStateOf } from '../core/experiment/run-state.ts';
import { type Candidate, type Outcome, type Plan, recordKey } from '../core/experiment/types.ts';
import type { Target } from '../faults/fault.ts';
import type { NodeFaultKind } from '../faults/params.ts';
import type { FaultSession } from '../faults/session.ts';
import type { ProbeProviders } from '../probes/provider.ts';
import { runProbe } from '../probes/run-probe.ts';
import type { Failpoint } from '../runtime/failpoints.ts';
import type { HostTarget } from './host-targets.ts';
import type { RunState } from './state-store.ts';

export interface StepContext {
  session: FaultSession;
  providers: ProbeProviders;
  policies: readonly { name: string; spec: ChaosPolicySpec }[];
  /** Runs admitted and not finished, besides this one. */
  activeExperiments: number;
  /** Finds the targets when a run starts; throws a sentence when they cannot be read. */
  findTargets: (run: RunState) => Promise<HostTarget[]>;
  /** Saves the whole state (atomically): called before each effect and after it. */
  save: () => void;
  failpoint: Failpoint;
  now: () => Date;
  signal?: AbortSignal;
}

export interface StepResult {
  plan: Plan;
  /** Whether an effect ran (then the next step comes at once: our faults report no later than now). */
  acted: boolean;
  /** Set when the run is over and forgotten (its manifest left the repository and nothing is held). */
  forget: boolean;
}

const timeouts = { agentMs: 30_000, recoveryMs: 120_000 };

function experimentOf(run: RunState) {
  return {
    apiVersion: 'chaoscraft.io/v1alpha1',
    kind: 'ChaosExperiment',
    metadata: {
      name: run.name,
      namespace: run.namespace,
      uid: run.uid,
      generation: run.generation,
      finalizers: run.finalizers,
      ...(run.deleting ? { deletionTimestamp: run.deleting } : {}),
    },
    spec: run.spec,
    status: run.status,
  };
}

/** The fault's own params: the item without its name and kind key. */
function paramsOf(fault: Fault, kind: string): unknown {
  return (fault as Record<string, unknown>)[kind] ?? {};
}

function attemptId(run: RunState, key: string): string {
  return `${run.uid}/${run.generation}/${key}`;
}

/** The host target a record names, as found when the run started. */
function targetOf(run: RunState, record: TargetRecord): HostTarget | undefined {
  return run.targets?.[record.name];
}

async function inject(
  run: RunState,
  record: TargetRecord,
  fault: Fault,
  context: StepContext,
): Promise<Outcome> {
  const key = recordKey(record);
  const at = () => context.now();
  const kind = faultKind(fault) as NodeFaultKind;
  const found = targetOf(run, record);
  const failed = (message: string): Outcome => ({
    type: 'inject',
    recordKey: key,
    ok: false,
    retryable: false,
    at: at(),
    message,
  });
  if (!found) return failed(`target ${record.name} was not recorded when the run started`);
  const previous = run.attempts[key];
  const tag = previous?.tag ?? injectionTag(`${run.uid}/${run.generation}`, key);
  const id = attemptId(run, key);
  const params = paramsOf(fault, kind);
  const resolve = async (): Promise<Target> => found.target;
  try {
    if (previous?.record) {
      // The change was made before a restart and its outcome not saved: it is not made twice.
      await context.session.continue({ id, kind, tag, params, resolve, record: previous.record });
    } else {
      // Records before effects: the attempt is on disk before anything on the host changes.
      run.attempts[key] = {
        tag,
        startedAt: at().toISOString(),
        ...(found.process ? { process: found.process } : {}),
      };
      context.save();
      const outcome = await context.session.apply({
        id,
        kind,
        tag,
        params,
        resolve,
        earlierAttempt: previous !== undefined,
        beforeEffect: () => context.failpoint('standalone.before-inject'),
      });
      if (outcome.outcome === 'interrupted') {
        return failed(`the runner stopped while applying ${kind}; a one-shot fault is never applied twice`);
      }
      run.attempts[key] = { ...run.attempts[key]!, record: outcome.record };
      context.save();
      context.failpoint('standalone.after-inject');
    }
    return { type: 'inject', recordKey: key, ok: true, at: at() };
  } catch (error) {
    // Whatever part of the change was made is undone; the record fails.
    await context.session
      .recover({ id, kind, tag, record: run.attempts[key]?.record, resolve })
      .catch(() => undefined);
    context.session.forget(id);
    return failed(`${kind} on ${record.name}: ${(error as Error).message}`);
  }
}

async function recover(
  run: RunState,
  record: TargetRecord,
  fault: Fault,
  context: StepContext,
): Promise<Outcome> {
  const key = recordKey(record);
  const attempt = run.attempts[key];
  const gone: Outcome = { type: 'recover', recordKey: key, ok: true, gone: true, at: context.now() };
  // Never attempted: nothing on the host to undo.
  if (!attempt) return gone;
  const kind = (attempt.record?.kind ?? faultKind(fault)) as NodeFaultKind;
  const id = attemptId(run, key);
  const found = targetOf(run, record);
  try {
    await context.session.recover({
      id,
      kind,
      tag: attempt.tag,
      record: attempt.record,
      resolve: async () => found?.target,
    });
    context.session.forget(id);
    context.failpoint('standalone.after-recover');
    return { ...gone, at: context.now() };
  } catch (error) {
    return {
      type: 'recover',
      recordKey: key,
      ok: false,
      retryable: true,
      at: context.now(),
      message: `recovering ${kind} on ${record.name}: ${(error as Error).message}`,
    };
  }
}

async function probes(
  run: RunState,
  phase: 'before' | 'during' | 'after',
  names: string[],
  context: StepContext,
) {
  const outcomes: Outcome[] = [];
  for (const name of names) {
    const probe = run.spec.hypothesis?.probes?.find((p) => p.name === name);
    const result = probe
      ? await runProbe({
          probe,
          providers: context.providers,
          ...(context.signal ? { signal: context.signal } : {}),
        })
      : { outcome: 'Error' as const, message: `probe ${name} is not in the spec` };
    outcomes.push({
      type: 'probe',
      name,
      phase,
      outcome: result.outcome,
      message: result.message,
      at: context.now(),
    });
  }
  return outcomes;
}

/**
 * Continues what a run held when the runner stopped: each fault in place is verified and applied again
 * if it is gone (never a one-shot fault). A fault that cannot be continued is left to the lifecycle,
 * which recovers it when the run ends.
 */
export async function continueRun(run: RunState, context: StepContext): Promise<string[]> {
  const problems: string[] = [];
  for (const record of run.status.targets ?? []) {
    const attempt = run.attempts[recordKey(record)];
    if (record.state !== 'injected' || !attempt?.record) continue;
    const found = targetOf(run, record);
    if (!found) continue;
    try {
      await context.session.continue({
        id: attemptId(run, recordKey(record)),
        kind: attempt.record.kind,
        tag: attempt.tag,
        params: paramsOf(
          namedFaults(run.spec).find((f) => f.name === record.fault)?.fault ?? ({} as Fault),
          attempt.record.kind,
        ),
        resolve: async () => found.target,
        record: attempt.record,
      });
    } catch (error) {
      problems.push(
        `${run.key}: cannot continue ${attempt.record.kind} on ${record.name}: ${(error as Error).message}`,
      );
    }
  }
  return problems;
}

export async function stepRun(run: RunState, context: StepContext): Promise<StepResult> {
  const state = runStateOf(experimentOf(run));
  let candidates: Candidate[] = [];
  let targetProblem: string | undefined;
  if (!run.deleting && (state === 'new' || state === 'waiting')) {
    try {
      const found = await context.findTargets(run);
      candidates = found.map((t) => t.candidate);
      run.targets = Object.fromEntries(found.map((t) => [t.candidate.name, t]));
    } catch (error) {
      targetProblem = (error as Error).message;
    }
  }
  const plan = planExperiment({
    experiment: experimentOf(run),
    candidates,
    policy: {
      policies: context.policies,
      // Running standalone on this host is its opt-in; policies still allow, deny and suspend.
      namespaceLabels: { [run.namespace]: { [optInLabel]: 'true' } },
      controllerNamespace: 'chaoscraft-system',
      activeExperiments: context.activeExperiments,
    },
    ...(run.revision ? { revision: run.revision } : {}),
    timeouts,
    mode: 'standalone',
    now: context.now(),
  });
  const outcomes: Outcome[] = [];
  let acted = false;
  for (const action of plan.actions) {
    if (action.type === 'addFinalizer') run.finalizers = [experimentFinalizer];
    else if (action.type === 'removeFinalizer') run.finalizers = [];
    else if (action.type === 'inject') {
      acted = true;
      outcomes.push(await inject(run, action.record, action.fault, context));
    } else if (action.type === 'recover') {
      acted = true;
      outcomes.push(await recover(run, action.record, action.fault, context));
    } else outcomes.push(...(await probes(run, action.phase, action.names, context)));
  }
  run.status = applyOutcomes(plan.status, outcomes);
  const succeeded = run.status.conditions?.find((c) => c.type === 'Succeeded');
  if (targetProblem && succeeded?.reason === 'NoTargets') {
    succeeded.reason = 'TargetNotFound';
    succeeded.message = `target not found: ${targetProblem}`;
    if (run.status.report) run.status.report.summary = succeeded.message;
  }
  // Nothing is held once a run is over: the targets found for it are not needed any more.
  if (runStateOf(experimentOf(run)) === 'finished') delete run.targets;
  return { plan, acted, forget: Boolean(run.deleting) && run.finalizers.length === 0 };
}
