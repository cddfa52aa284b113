// Admission: the one decision whether a run may start, used unchanged by the controller (when a
// run starts and, for the guardrails that can change, on every step of a run) and by the PR
// planner (which adds presentation only). Spec checks, what the selector can mean here, target
// selection, every guardrail, the record bound and fault kinds not implemented yet: everything
// that can refuse a run is here, so a plan can never say "would run" for what the controller
// refuses.
import { isPodFaultKind } from '../../api/contract.ts';
import type { ChaosExperimentSpec, TargetRecord } from '../../api/types.generated.ts';
import {
  admissionOnlyGuardrails,
  evaluatePolicy,
  type GuardrailVerdict,
  type PolicyInput,
  temporaryGuardrails,
} from '../policy.ts';
import { selectTargets } from '../selection.ts';
import { namedFaults } from './faults.ts';
import { waitingReasons } from './run-state.ts';
import { checkSpec } from './spec-checks.ts';
import { largestRecordBytes, recordBudgetBytes } from './status-size.ts';
import type { Candidate } from './types.ts';

/** Fault kinds in the API that no executor performs yet: refused up front, not failed mid-run. */
export const unimplementedFaultKinds: readonly string[] = ['podFailure'];

export type RefusalReason = 'InvalidSpec' | 'PolicyDenied' | 'NoTargets';
export type WaitReason = (typeof waitingReasons)[keyof typeof waitingReasons];

export interface AdmissionInput {
  experiment: PolicyInput['experiment'];
  /** Pods the selector matches now; undefined when they cannot be known (a plan without a cluster). */
  candidates: readonly Candidate[] | undefined;
  /** The guardrails' facts besides the experiment, its targets and the time. */
  policy: Omit<PolicyInput, 'experiment' | 'targets' | 'now'>;
  /** Seeds the target draw: the same seed always chooses the same targets. */
  seed: string;
  now: Date;
  /**
   * Where the run happens: a cluster (pods; the default) or standalone mode (processes and network
   * namespaces of one host). Each refuses the selectors and faults only the other can carry out.
   */
  mode?: RunMode;
}

export type RunMode = 'cluster' | 'standalone';

interface Judged {
  verdicts: GuardrailVerdict[];
  /** The chosen targets; undefined when the candidates were not known. */
  targets: Candidate[] | undefined;
}

export type Admission = Judged &
  (
    | { decision: 'admit' }
    /** Final for this generation; `problems` are the sentences `message` joins. */
    | { decision: 'refuse'; reason: RefusalReason; message: string; problems: string[] }
    /** Held back by a temporary guardrail; try again at `retryAt`, or when the policies change. */
    | { decision: 'wait'; reason: WaitReason; message: string; retryAt?: Date }
    /** Nothing refuses, but some guardrail could not be judged from what is known (plans only). */
    | { decision: 'undecided' }
  );

export function admitRun(input: AdmissionInput): Admission {
  const { spec } = input.experiment;
  const targets = input.candidates
    ? selectTargets({
        candidates: input.candidates,
        keyOf: (c) => `${c.namespace ?? ''}/${c.name}`,
        mode: spec.mode ?? 'one',
        value: spec.value,
        seed: input.seed,
      })
    : undefined;
  const { verdicts } = evaluatePolicy({
    ...input.policy,
    experiment: input.experiment,
    targets: targets?.map((c) => ({ namespace: c.namespace ?? '', name: c.name, workload: c.workload })),
    now: input.now,
  });
  const judged: Judged = { verdicts, targets };
  const refuse = (reason: RefusalReason, problems: string[]): Admission => ({
    ...judged,
    decision: 'refuse',
    reason,
    message: problems.join('; '),
    problems,
  });
  // The guardrails are judged for an invalid spec too, so a plan can show everything at once.
  const modeProblems = input.mode === 'standalone' ? standaloneProblems(spec) : clusterProblems(spec);
  const specProblems = [...checkSpec(spec), ...modeProblems];
  if (specProblems.length) return refuse('InvalidSpec', specProblems);
  const denied = verdicts.filter((v) => v.status === 'deny');
  // A final denial wins over a temporary one: waiting would never help.
  const final = denied.filter((v) => !temporaryGuardrails.has(v.guardrail));
  if (final.length)
    return refuse(
      'PolicyDenied',
      final.map((v) => describe([v])),
    );
  if (denied.length) {
    const first = denied[0]!;
    // Every denial must have lifted before the run can start: look again at the last one's end.
    const retryAt = denied.every((v) => v.retryAt)
      ? new Date(Math.max(...denied.map((v) => v.retryAt!.getTime())))
      : undefined;
    return {
      ...judged,
      decision: 'wait',
      reason: waitingReasons[first.guardrail as keyof typeof waitingReasons],
      message: `waiting: ${describe(denied)}`,
      ...(retryAt ? { retryAt } : {}),
    };
  }
  if (targets?.length === 0) return refuse('NoTargets', ['no target matches the selector']);
  if (targets) {
    // Measured, not counted: the same number of records with long names takes more room.
    const records = targetRecords(spec, targets);
    const bytes = records.reduce((sum, r) => sum + largestRecordBytes(r, input.experiment.name), 0);
    const budget = recordBudgetBytes(Buffer.byteLength(JSON.stringify(spec)));
    if (bytes > budget) {
      return refuse('PolicyDenied', [
        `${records.length} target records (${targets.length} targets x ${spec.faults.length} faults) would take up to ${kib(bytes)} of status, more than the ${kib(budget)} an object has room for under etcd's 1.5 MiB limit; narrow the selector or split the experiment`,
      ]);
    }
  }
  if (!targets || verdicts.some((v) => v.status === 'unknown')) return { ...judged, decision: 'undecided' };
  return { ...judged, decision: 'admit' };
}

/**
 * The guardrails a running experiment must still pass on every step. Returns the denials; a
 * non-empty answer aborts the run and recovers its faults at once.
 */
export function recheckRun(input: Omit<AdmissionInput, 'candidates' | 'seed'>): GuardrailVerdict[] {
  const { verdicts } = evaluatePolicy({ ...input.policy, experiment: input.experiment, now: input.now });
  return verdicts.filter((v) => v.status === 'deny' && !admissionOnlyGuardrails.has(v.guardrail));
}

export function describe(verdicts: readonly GuardrailVerdict[]): string {
  return verdicts.map((v) => `guardrail ${v.guardrail}: ${v.message}`).join('; ');
}

/** What a spec can ask for that a cluster cannot give. */
/** The records a run starts with, one per target and fault: written before any fault is applied. */
export function targetRecords(spec: ChaosExperimentSpec, targets: readonly Candidate[]): TargetRecord[] {
  return targets.flatMap((target) =>
    namedFaults(spec).map(
      ({ name, kind }): TargetRecord => ({
        kind: target.kind,
        ...(target.namespace ? { namespace: target.namespace } : {}),
        name: target.name,
        ...(target.uid ? { uid: target.uid } : {}),
        // The node matters to node faults only; leaving it out keeps wide runs small.
        ...(target.node && !isPodFaultKind(kind) ? { node: target.node } : {}),
        ...(target.pid ? { pid: target.pid } : {}),
        fault: name,
        faultKind: kind,
        state: 'pending',
      }),
    ),
  );
}

function kib(bytes: number): string {
  return `${Math.ceil(bytes / 1024)} KiB`;
}

function clusterProblems(spec: ChaosExperimentSpec): string[] {
  const problems: string[] = [];
  for (const field of ['processes', 'netns'] as const) {
    if (spec.selector[field]) {
      problems.push(
        `spec.selector.${field} selects host ${field === 'netns' ? 'network namespaces' : 'processes'}, which only standalone mode runs; in a cluster, select pods`,
      );
    }
  }
  namedFaults(spec).forEach(({ kind }, index) => {
    if (unimplementedFaultKinds.includes(kind)) {
      problems.push(`spec.faults[${index}].${kind} is not implemented yet; no run can use it`);
    }
  });
  return problems;
}

/** Pod selector fields: only a cluster has pods. */
const podSelectorFields = [
  'namespaces',
  'labelSelector',
  'fieldSelector',
  'names',
  'nodeSelector',
  'containerNames',
] as const;
/** Faults that act on a network namespace; every other node fault acts on processes or their cgroup. */
const networkFaultKinds: ReadonlySet<string> = new Set([
  'networkLoss',
  'networkPartition',
  'networkLatency',
  'networkBandwidth',
]);

/** What a spec can ask for that one host without Kubernetes cannot give. */
function standaloneProblems(spec: ChaosExperimentSpec): string[] {
  const problems: string[] = [];
  const { selector } = spec;
  for (const field of podSelectorFields) {
    if (selector[field] !== undefined) {
      problems.push(
        `spec.selector.${field} selects pods, which standalone mode does not have; select spec.selector.processes or spec.selector.netns`,
      );
    }
  }
  if (selector.processes && selector.netns) {
    problems.push('spec.selector gives both processes and netns; an experiment targets one or the other');
  } else if (!selector.processes && !selector.netns && problems.length === 0) {
    problems.push('spec.selector selects nothing standalone mode can target; give processes or netns');
  }
  namedFaults(spec).forEach(({ kind }, index) => {
    if (isPodFaultKind(kind) || kind === 'containerKill') {
      problems.push(
        `spec.faults[${index}].${kind} acts on pods or containers, which standalone mode does not have`,
      );
    } else if (networkFaultKinds.has(kind) && selector.processes) {
      problems.push(
        `spec.faults[${index}].${kind} acts on a network namespace; select it with spec.selector.netns`,
      );
    } else if (!networkFaultKinds.has(kind) && selector.netns) {
      problems.push(
        `spec.faults[${index}].${kind} acts on processes; select them with spec.selector.processes`,
      );
    }
  });
  return problems;
}
