// inject-latency: a ChaosExperiment created → every target pod deleted, with the real controller
// (informers, queue, reconciler, records before effects) against the API test server; baseline:
// the same list and deletes done directly with client-node against the same server.
import { CoreV1Api, CustomObjectsApi } from '@kubernetes/client-node';
import { kubeConfigFor } from '../support/kube-api-server/index.ts';
import { type Benchmark, type Figure, round } from './harness.ts';
import {
  benchCluster,
  experimentObject,
  runningPods,
  seedWorkload,
  startBenchController,
  until,
} from './support/cluster.ts';

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;

const benchmark: Benchmark = {
  id: 'inject-latency',
  description:
    'experiment created → all target pods deleted (1 and 100 pods); baseline: list + deletes with client-node',
  async run({ log, quick }) {
    const server = await benchCluster({ replicaSetRecreateDelayMs: 5 });
    const kubeConfig = kubeConfigFor(server);
    const core = kubeConfig.makeApiClient(CoreV1Api);
    const custom = kubeConfig.makeApiClient(CustomObjectsApi);
    const figures: Figure[] = [];
    const manager = await startBenchController(server);
    try {
      for (const size of [1, 100]) {
        const app = `web${size}`;
        seedWorkload(server, app, size);
        const gone = (uids: Set<string>) => () =>
          !runningPods(server, app).some((p) => uids.has(p.uid)) && !anyWithUid(uids);
        const anyWithUid = (uids: Set<string>) =>
          (
            server.list({ apiVersion: 'v1', kind: 'Pod', namespace: 'bench' }) as {
              metadata: { uid: string };
            }[]
          ).some((p) => uids.has(p.metadata.uid));
        const ready = () =>
          until(() => runningPods(server, app).length === size, 10_000, `${size} running pods`);
        const controllerTimes: number[] = [];
        const baselineTimes: number[] = [];
        const rounds = quick ? 2 : 5;
        for (let round = 0; round < rounds; round++) {
          await ready();
          const uids = new Set(runningPods(server, app).map((p) => p.uid));
          const name = `latency-${size}-${round}`;
          let start = performance.now();
          await custom.createNamespacedCustomObject({
            group: 'chaoscraft.io',
            version: 'v1alpha1',
            namespace: 'bench',
            plural: 'chaosexperiments',
            body: experimentObject(name, app),
          });
          await until(gone(uids), 30_000, `${size} pods deleted by the controller`);
          controllerTimes.push(performance.now() - start);
          // Let the run finish so it does not overlap the baseline.
          await until(
            () => {
              const object = server.get({
                apiVersion: 'chaoscraft.io/v1alpha1',
                kind: 'ChaosExperiment',
                namespace: 'bench',
                name,
              }) as { status?: { completionTime?: string } } | undefined;
              return Boolean(object?.status?.completionTime);
            },
            30_000,
            'the run to finish',
          );

          await ready();
          const baselineUids = new Set(runningPods(server, app).map((p) => p.uid));
          start = performance.now();
          const list = await core.listNamespacedPod({ namespace: 'bench', labelSelector: `app=${app}` });
          await Promise.all(
            list.items.map((pod) =>
              core.deleteNamespacedPod({
                namespace: 'bench',
                name: pod.metadata!.name!,
                gracePeriodSeconds: 0,
              }),
            ),
          );
          await until(gone(baselineUids), 30_000, `${size} pods deleted by the baseline`);
          baselineTimes.push(performance.now() - start);
        }
        const subject = median(controllerTimes);
        const baseline = median(baselineTimes);
        const ratio = subject / baseline;
        log(
          `${size} pod(s): controller ${round(subject, 1)} ms, client-node ${round(baseline, 1)} ms (medians of ${rounds})`,
        );
        figures.push({
          id: 'inject-latency',
          figure: size === 100 ? 'headline' : `${size} target`,
          value: round(ratio, 2),
          unit: `x client-node (${size} targets)`,
          baseline: round(baseline, 1),
          ratio: round(ratio, 2),
          goal: size === 100 ? '<= 1.5' : null,
          met: size === 100 ? ratio <= 1.5 : null,
        });
        figures.push({
          id: 'inject-latency',
          figure: `${size} target(s) time`,
          value: round(subject, 1),
          unit: 'ms',
          baseline: round(baseline, 1),
          ratio: round(ratio, 2),
          goal: null,
          met: null,
        });
      }
    } finally {
      await manager.stop({ drainTimeoutMs: 5000 });
      await server.close();
    }
    return figures;
  },
};

export default benchmark;
