// Prometheus metrics (prom-client), all prefixed chaoscraft_. One registry per controller so
// tests can start several controllers in one process.
import { Counter, Gauge, Histogram, Registry } from 'prom-client';

export interface ControllerMetrics {
  registry: Registry;
  reconcileTotal: Counter<'controller' | 'result'>;
  reconcileDuration: Histogram<'controller'>;
  reconcileErrors: Counter<'controller' | 'code'>;
  experimentsFinished: Counter<'result' | 'reason'>;
  /** Target records in state injected, over every experiment this replica reconciles. */
  activeInjections: Gauge;
  recoveriesStalled: Gauge;
  probeResults: Counter<'type' | 'phase' | 'outcome'>;
  timeToInject: Histogram;
  timeToRecover: Histogram;
  queueDepth: Gauge<'queue'>;
  isLeader: Gauge;
  policySourceUp: Gauge<'source'>;
  policySourceLastSuccess: Gauge<'source'>;
  policySourceRefused: Gauge<'source'>;
  policySourcePolicies: Gauge<'source'>;
}

export function createControllerMetrics(): ControllerMetrics {
  const registry = new Registry();
  const registers = [registry];
  return {
    registry,
    reconcileTotal: new Counter({
      name: 'chaoscraft_reconcile_total',
      help: 'Reconciles by controller and result (success, requeue, requeue_after, error).',
      labelNames: ['controller', 'result'],
      registers,
    }),
    reconcileDuration: new Histogram({
      name: 'chaoscraft_reconcile_duration_seconds',
      help: 'Time spent in one reconcile.',
      labelNames: ['controller'],
      buckets: [0.001, 0.005, 0.01, 0.05, 0.1, 0.5, 1, 5, 10],
      registers,
    }),
    reconcileErrors: new Counter({
      name: 'chaoscraft_reconcile_errors_total',
      help: 'Reconciles that failed, by error code.',
      labelNames: ['controller', 'code'],
      registers,
    }),
    experimentsFinished: new Counter({
      name: 'chaoscraft_experiments_total',
      help: 'Finished experiment runs by result (True/False) and reason.',
      labelNames: ['result', 'reason'],
      registers,
    }),
    activeInjections: new Gauge({
      name: 'chaoscraft_active_injections',
      help: 'Faults currently injected (target records in state injected).',
      registers,
    }),
    probeResults: new Counter({
      name: 'chaoscraft_probe_results_total',
      help: 'Probe runs by probe type, phase and outcome.',
      labelNames: ['type', 'phase', 'outcome'],
      registers,
    }),
    timeToInject: new Histogram({
      name: 'chaoscraft_time_to_inject_seconds',
      help: 'From run start to every fault in place.',
      buckets: [0.05, 0.1, 0.5, 1, 2, 5, 10, 30, 60],
      registers,
    }),
    timeToRecover: new Histogram({
      name: 'chaoscraft_time_to_recover_seconds',
      help: 'From recovery start to every fault removed.',
      buckets: [0.05, 0.1, 0.5, 1, 2, 5, 10, 30, 60],
      registers,
    }),
    queueDepth: new Gauge({
      name: 'chaoscraft_workqueue_depth',
      help: 'Keys waiting in a work queue.',
      labelNames: ['queue'],
      registers,
    }),
    isLeader: new Gauge({
      name: 'chaoscraft_leader',
      help: '1 while this replica is the leader.',
      registers,
    }),
    policySourceUp: new Gauge({
      name: 'chaoscraft_policy_source_up',
      help: '1 when the last poll of a policy source (e.g. source="git") reached it, 0 when it failed or none has.',
      labelNames: ['source'],
      registers,
    }),
    policySourceLastSuccess: new Gauge({
      name: 'chaoscraft_policy_source_last_success_timestamp_seconds',
      help: 'When a policy source was last reached and its head checked (Unix time).',
      labelNames: ['source'],
      registers,
    }),
    policySourceRefused: new Gauge({
      name: 'chaoscraft_policy_source_refused',
      help: '1 while the newest commit of a policy source is refused as invalid (the previous policies stay in force).',
      labelNames: ['source'],
      registers,
    }),
    recoveriesStalled: new Gauge({
      name: 'chaoscraft_recoveries_stalled',
      help: 'Experiments whose faults are not confirmed recovered within the recovery timeout (condition Stalled=True): page someone.',
      registers,
    }),
    policySourcePolicies: new Gauge({
      name: 'chaoscraft_policy_source_policies',
      help: 'Policies in force from a policy source.',
      labelNames: ['source'],
      registers,
    }),
  };
}
