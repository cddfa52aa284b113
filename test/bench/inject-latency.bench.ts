// inject-latency: a ChaosExperiment created → every target pod deleted, with the real controller
// (informers, queue, reconciler, records before effects) against the API test server; baseline:
// the same list and deletes done directly with client-node against the same server.
import { CoreV1Api, CustomObjectsApi } from '@kubernetes/client-node';
import { kubeConfigFor } from '../support/kube-api-server/index.ts';
import { type Benchmark, type Figure, median, percentile, round } from './harness.ts';
import {
  benchCluster,
  experimentObject,
  runningPods,
  seedWorkload,
  startBenchController,
  until,
} from './support/cluster.ts';

const GOAL = 1.3;

const benchmark: Benchmark = {
  id: 'inject-latency',
  description:
    'experiment created → all target pods deleted (1 and 100 pods); baseline: list + deletes with client-node',
  async run({ log, quick, sizes }) {
    const rounds = quick ? 4 : 21;
    sizes({ targets: '1 and 100', rounds, warmUp: 1 });
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
        const controllerRound = async (name: string) => {
          await ready();
          const uids = new Set(runningPods(server, app).map((p) => p.uid));
          const start = performance.now();
          await custom.createNamespacedCustomObject({
            group: 'chaoscraft.io',
            version: 'v1alpha1',
            namespace: 'bench',
            plural: 'chaosexperiments',
            body: experimentObject(name, app),
          });
          await until(gone(uids), 30_000, `${size} pods deleted by the controller`);
          const elapsed = performance.now() - start;
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
          return elapsed;
        };
        const baselineRound = async () => {
          await ready();
          const uids = new Set(runningPods(server, app).map((p) => p.uid));
          const start = performance.now();
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
          await until(gone(uids), 30_000, `${size} pods deleted by the baseline`);
          return performance.now() - start;
        };
        // One untimed round of each first, then interleaved rounds whose order alternates.
        await controllerRound(`latency-${size}-warm-up`);
        await baselineRound();
        for (let round = 0; round < rounds; round++) {
          const name = `latency-${size}-${round}`;
          if (round % 2 === 0) {
            controllerTimes.push(await controllerRound(name));
            baselineTimes.push(await baselineRound());
          } else {
            baselineTimes.push(await baselineRound());
            controllerTimes.push(await controllerRound(name));
          }
        }
        const subject = median(controllerTimes);
        const baseline = median(baselineTimes);
        // Each round's ratio against the baseline timed next to it; the median and p90 of those.
        const ratios = controllerTimes.map((ms, i) => ms / baselineTimes[i]!);
        const ratio = median(ratios);
        const p90 = percentile(
          [...ratios].sort((a, b) => a - b),
          90,
        );
        log(
          `${size} pod(s): controller ${round(subject, 1)} ms, client-node ${round(baseline, 1)} ms (medians of ${rounds}); ratio median ${round(ratio, 2)}, p90 ${round(p90, 2)}`,
        );
        figures.push({
          id: 'inject-latency',
          figure: size === 100 ? 'headline' : `${size} target`,
          value: round(ratio, 2),
          unit: `x client-node, median of ${rounds} per-round ratios (${size} targets)`,
          baseline: round(baseline, 1),
          ratio: round(ratio, 2),
          goal: size === 100 ? `<= ${GOAL}` : null,
          met: size === 100 ? ratio <= GOAL : null,
        });
        figures.push({
          id: 'inject-latency',
          figure: `p90 ratio (${size} targets)`,
          value: round(p90, 2),
          unit: `x client-node, p90 of ${rounds} per-round ratios`,
          baseline: null,
          ratio: null,
          goal: null,
          met: null,
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
