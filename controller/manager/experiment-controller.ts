// The ChaosExperiment controller on the controller runtime (runtime/controller.ts): what it
// reconciles, the children and changes that wake an experiment, and its reconciler's wiring.
import { runStateOf } from '../core/experiment/run-state.ts';
import { createFaultExecutor } from '../experiments/executor.ts';
import { createProbeRunner } from '../experiments/probe-runner.ts';
import { createExperimentReconciler } from '../experiments/reconciler.ts';
import { createEventRecorder } from '../kube/event-recorder.ts';
import { createExperimentWriter } from '../kube/experiment-api.ts';
import { createInjectionClient } from '../kube/injections.ts';
import { createObjectReader } from '../kube/object-reader.ts';
import { createHttpProbeProvider } from '../probes/http-probe.ts';
import { createKubernetesProbeProvider } from '../probes/kubernetes-probe.ts';
import { createPrometheusProbeProvider } from '../probes/prometheus-probe.ts';
import { type ControllerDefinition, owned, watchChanges } from '../runtime/controller.ts';
import type { CachedExperiment } from './cluster-caches.ts';
import type { ControllerWiring } from './controller-manager.ts';

export function experimentController({
  options,
  caches,
  http,
  clock,
  metrics,
}: ControllerWiring): ControllerDefinition<CachedExperiment> {
  const now = () => new Date(clock.now());
  const reconcile = createExperimentReconciler({
    view: caches,
    writer: createExperimentWriter(http),
    executor: createFaultExecutor({
      http,
      injections: createInjectionClient(http),
      podContainers: (namespace, name) => caches.pods.get({ namespace, name })?.containers ?? [],
      now,
    }),
    probes: createProbeRunner({
      providers: {
        http: createHttpProbeProvider(),
        prometheus: createPrometheusProbeProvider({ defaultAddress: options.prometheusUrl }),
        kubernetes: createKubernetesProbeProvider({ reader: createObjectReader(http) }),
      },
      now,
      metrics,
    }),
    events: createEventRecorder({
      http,
      component: 'chaoscraft-controller',
      onError: (error) => options.logger.warn({ err: String(error) }, 'could not record an event'),
    }),
    controllerNamespace: options.namespace,
    now,
    metrics,
    failpoint: options.failpoint,
    ...(options.timeouts ? { timeouts: options.timeouts } : {}),
  });
  return {
    name: 'chaosexperiment',
    queue: 'chaosexperiments',
    logKey: 'experiment',
    for: caches.experiments,
    // An agent reporting on an injection wakes the experiment that owns it (its owner reference:
    // a label value could not hold every experiment name).
    owns: [owned(caches.injections, (injection) => injection.owner?.name)],
    watches: [
      // A run that finishes frees a slot under maxConcurrentExperiments: the runs waiting for one look again.
      watchChanges(caches.experiments, (change) => {
        const freed =
          change.type === 'update'
            ? runStateOf(change.before) === 'running' && runStateOf(change.object) !== 'running'
            : change.type === 'delete' && runStateOf(change.object) === 'running';
        return freed ? caches.waitingExperiments() : [];
      }),
      // Any change of the policies in force (a cluster policy added, changed or deleted, a new Git
      // set) is looked at by every experiment running or waiting: a suspension stops them at once.
      (enqueue) =>
        caches.onPoliciesChanged(() => {
          for (const e of caches.unfinishedExperiments()) enqueue(e);
        }),
    ],
    reconcile,
  } satisfies ControllerDefinition<CachedExperiment>;
}
