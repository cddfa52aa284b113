// A deterministic world for lifecycle tests: it performs the plan's actions (optionally failing
// some), folds outcomes in, "writes" the status and advances a fake clock to the requested time.
import { experimentFinalizer } from '../../../../controller/api/contract.ts';
import type { ChaosExperiment, ChaosExperimentSpec } from '../../../../controller/api/types.generated.ts';
import type { InjectionObservation } from '../../../../controller/core/experiment/agent-reports.ts';
import { applyOutcomes } from '../../../../controller/core/experiment/apply-outcomes.ts';
import { planExperiment } from '../../../../controller/core/experiment/plan-experiment.ts';
import {
  type Action,
  type Candidate,
  type EventRecord,
  type ObservedExperiment,
  type Outcome,
  recordKey,
} from '../../../../controller/core/experiment/types.ts';

export interface WorldOptions {
  spec: Partial<ChaosExperimentSpec>;
  candidates?: Candidate[];
  namespaceLabels?: ObservedExperiment['policy']['namespaceLabels'];
  policies?: ObservedExperiment['policy']['policies'];
  /** The Git revision the edges observe for the spec (ObservedExperiment.revision). */
  revision?: string;
  /** Policy sources that could not be read (ObservedExperiment.policySourceProblems). */
  policySourceProblems?: string[];
  /** Other experiments running now, for maxConcurrentExperiments (default 0). */
  activeExperiments?: number;
  /** Decides each probe run; default: everything passes. */
  probe?: (name: string, phase: string, world: World) => 'Passed' | 'Failed' | 'Error';
  /** Decides each injection; default: success. */
  inject?: (key: string) => { ok: true } | { ok: false; retryable: boolean; message: string };
  /**
   * Node agents: node faults are handed over as ChaosInjections, and the agent answers through the
   * cache on the next step (inject or refuse), or never (silent). Without it, node faults apply at once.
   */
  agent?: { onCreate: 'inject' | 'refuse' | 'silent'; onDelete: 'recover' | 'silent' };
}

export function pods(count: number, namespace = 'shop'): Candidate[] {
  return Array.from({ length: count }, (_, i) => ({
    kind: 'Pod' as const,
    namespace,
    name: `web-${i}`,
    uid: `uid-${i}`,
    node: `node-${i % 3}`,
    workload: `${namespace}/ReplicaSet/web`,
  }));
}

export class World {
  now = new Date('2026-11-25T10:00:00Z');
  experiment: ObservedExperiment['experiment'];
  readonly options: WorldOptions;
  readonly log: Action[] = [];
  readonly events: EventRecord[] = [];
  /** How many times each record key was injected / recovered by the world. */
  readonly injections = new Map<string, number>();
  readonly recoveries = new Map<string, number>();
  /** The ChaosInjections as the cache would show them, when an agent is simulated. */
  readonly children = new Map<string, InjectionObservation>();
  /** Delete requests the world received, by injection name. */
  readonly deletes = new Map<string, number>();
  steps = 0;

  constructor(options: WorldOptions) {
    this.options = options;
    const spec: ChaosExperimentSpec = {
      selector: { labelSelector: { matchLabels: { app: 'web' } } },
      faults: [{ podKill: {} }],
      duration: '60s',
      ...options.spec,
    } as ChaosExperimentSpec;
    this.experiment = {
      apiVersion: 'chaoscraft.io/v1alpha1',
      kind: 'ChaosExperiment',
      metadata: { name: 'exp', namespace: 'shop', uid: 'exp-uid', generation: 1 },
      spec,
    };
  }

  observed(): ObservedExperiment {
    return {
      experiment: structuredClone(this.experiment),
      candidates: this.options.candidates ?? pods(3),
      policy: {
        policies: this.options.policies ?? [],
        namespaceLabels: this.options.namespaceLabels ?? { shop: { 'chaoscraft.io/allow': 'true' } },
        controllerNamespace: 'chaoscraft-system',
        activeExperiments: this.options.activeExperiments ?? 0,
      },
      ...(this.options.revision ? { revision: this.options.revision } : {}),
      ...(this.options.agent ? { injections: new Map(this.children) } : {}),
      ...(this.options.policySourceProblems
        ? { policySourceProblems: this.options.policySourceProblems }
        : {}),
      now: new Date(this.now),
    };
  }

  /** One reconcile: plan, act, write status, move the clock as requested. Returns the wait. */
  step(options: { dropStatusWrite?: boolean } = {}): number | undefined {
    this.steps++;
    this.agentsAnswer();
    const plan = planExperiment(this.observed());
    const outcomes: Outcome[] = [];
    for (const action of plan.actions) {
      this.log.push(action);
      if (action.type === 'addFinalizer') {
        this.experiment.metadata.finalizers = [
          ...(this.experiment.metadata.finalizers ?? []),
          experimentFinalizer,
        ];
      } else if (action.type === 'removeFinalizer') {
        this.experiment.metadata.finalizers = this.experiment.metadata.finalizers?.filter(
          (f) => f !== experimentFinalizer,
        );
      } else if (action.type === 'inject' && this.options.agent && action.deadline) {
        const key = recordKey(action.record);
        const name = `inj-${key.replaceAll('/', '-')}`;
        if (!this.children.has(name)) this.children.set(name, { deleting: false });
        outcomes.push({ type: 'inject', recordKey: key, ok: true, at: new Date(this.now), handedOver: name });
      } else if (action.type === 'recover' && this.options.agent && action.record.injection) {
        const key = recordKey(action.record);
        const name = action.record.injection;
        this.deletes.set(name, (this.deletes.get(name) ?? 0) + 1);
        const child = this.children.get(name);
        if (child) child.deleting = true;
        outcomes.push({ type: 'recover', recordKey: key, ok: true, at: new Date(this.now), gone: !child });
      } else if (action.type === 'inject') {
        const key = recordKey(action.record);
        const result = this.options.inject?.(key) ?? { ok: true as const };
        if (result.ok) this.injections.set(key, (this.injections.get(key) ?? 0) + 1);
        outcomes.push(
          result.ok
            ? { type: 'inject', recordKey: key, ok: true, at: new Date(this.now) }
            : {
                type: 'inject',
                recordKey: key,
                ok: false,
                at: new Date(this.now),
                message: result.message,
                retryable: result.retryable,
              },
        );
      } else if (action.type === 'recover') {
        const key = recordKey(action.record);
        this.recoveries.set(key, (this.recoveries.get(key) ?? 0) + 1);
        outcomes.push({ type: 'recover', recordKey: key, ok: true, at: new Date(this.now), gone: true });
      } else {
        for (const name of action.names) {
          const outcome = this.options.probe?.(name, action.phase, this) ?? 'Passed';
          outcomes.push({
            type: 'probe',
            name,
            phase: action.phase,
            outcome,
            message: `${outcome} by the test`,
            at: new Date(this.now),
          });
        }
      }
    }
    if (!options.dropStatusWrite) {
      this.experiment.status = applyOutcomes(plan.status, outcomes);
      this.events.push(...plan.events);
    }
    // An agent's report is a cache event: it wakes the experiment before any timer would.
    if (this.agentWillAct()) return 0;
    if (plan.requeueAfterMs !== undefined) this.now = new Date(this.now.getTime() + plan.requeueAfterMs);
    return plan.requeueAfterMs;
  }

  /** The simulated agents act on what was created or deleted before this step. */
  private agentsAnswer(): void {
    const agent = this.options.agent;
    if (!agent) return;
    for (const [name, child] of this.children) {
      if (child.deleting) {
        if (agent.onDelete === 'recover') this.children.delete(name);
        continue;
      }
      if (child.injected || agent.onCreate === 'silent') continue;
      child.injected =
        agent.onCreate === 'inject'
          ? { status: 'True', reason: 'Injected', message: 'in place' }
          : { status: 'False', reason: 'NetemUnavailable', message: 'the kernel lacks sch_netem' };
      if (agent.onCreate === 'inject') child.injectedAt = this.now.toISOString();
    }
  }

  private agentWillAct(): boolean {
    const agent = this.options.agent;
    if (!agent) return false;
    return [...this.children.values()].some((child) =>
      child.deleting ? agent.onDelete === 'recover' : !child.injected && agent.onCreate !== 'silent',
    );
  }

  /** Steps until the plan stops asking to come back (bounded). */
  runToEnd(limit = 200): void {
    for (let i = 0; i < limit; i++) {
      if (this.step() === undefined) return;
    }
    throw new Error(
      `no terminal state after ${limit} steps; last status ${JSON.stringify(this.experiment.status)}`,
    );
  }

  condition(type: string) {
    return this.experiment.status?.conditions?.find((c) => c.type === type);
  }

  actions(type: Action['type']): Action[] {
    return this.log.filter((a) => a.type === type);
  }
}

export type { ChaosExperiment };
