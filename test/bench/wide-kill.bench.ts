// wide-kill: one podKill with mode all over 6,000 pods of realistic size (about 7 KB each), through
// the real controller, against an API test server that answers every request 2 ms late. A size at
// which a leading tool's controller looped for an hour; the goal is done in <= 30 s with every pod
// killed exactly once.
//
// Baseline: the same delete work by a bare client written without product code (support/bare-
// client.ts: fetch, list with limit/continue, DELETE each pod with gracePeriodSeconds 0, at most 32
// in flight, the controller's own bound), on a fresh set of 6,000 pods, once before the controller
// starts and once after it stopped; the faster counts. The ratio compares it with experiment
// created -> every pod deleted (the run's 1 s duration and recovery come after that).
import { type Benchmark, type Figure, round } from './harness.ts';
import { bareClient } from './support/bare-client.ts';
import {
  benchCluster,
  experimentObject,
  seedWorkload,
  startBenchController,
  until,
} from './support/cluster.ts';

const LATENCY_MS = 2;
const CONCURRENCY = 32;
const GOAL_S = 30;

const benchmark: Benchmark = {
  id: 'wide-kill',
  description:
    'podKill mode all over 6,000 realistic pods, 2 ms per request: time to Completed, each pod killed once; baseline: bare list + deletes',
  async run({ log, quick, sizes }) {
    const pods = quick ? 600 : 6000;
    sizes({ pods, podSize: 'realistic', apiLatencyMs: LATENCY_MS, baselineConcurrency: CONCURRENCY });
    // No recreation: every pod deleted stays deleted, so kills are countable by what is left.
    const server = await benchCluster({ replicaSetRecreateDelayMs: false, historySize: 50_000 });
    server.setLatency(LATENCY_MS);
    const client = bareClient(server);
    const podsOf = (app: string) =>
      (
        server.list({ apiVersion: 'v1', kind: 'Pod', namespace: 'bench' }) as {
          metadata: { labels?: Record<string, string> };
        }[]
      ).filter((pod) => pod.metadata.labels?.app === app).length;
    const successfulDeletes = () => server.countRequests({ verb: 'delete', resource: 'pods' });

    const bareRound = async (app: string) => {
      seedWorkload(server, app, pods, { podSize: 'realistic' });
      const start = performance.now();
      const { items } = await client.listAll('/api/v1/namespaces/bench/pods', {
        limit: 500,
        labelSelector: `app=${app}`,
      });
      const names = (items as { metadata: { name: string } }[]).map((pod) => pod.metadata.name);
      const statuses = await client.deleteAll(
        names.map((name) => `/api/v1/namespaces/bench/pods/${name}`),
        {
          concurrency: CONCURRENCY,
          body: { kind: 'DeleteOptions', apiVersion: 'v1', gracePeriodSeconds: 0 },
        },
      );
      const seconds = (performance.now() - start) / 1000;
      if (
        names.length !== pods ||
        statuses.some((status) => status !== 200 && status !== 202) ||
        podsOf(app) !== 0
      )
        throw new Error(`the bare client did not delete all ${pods} pods`);
      return seconds;
    };

    const bareBefore = await bareRound('bare-before');
    log(`bare list + deletes: ${round(bareBefore, 2)} s`);

    seedWorkload(server, 'wide', pods, { podSize: 'realistic' });
    const manager = await startBenchController(server);
    let result: { seconds: number; deletedSeconds: number; exactlyOnce: boolean; deletes: number };
    let statusBytes: number;
    try {
      // start() returned once the caches were synced: they hold every pod before the clock starts.
      if (!manager.ready()) throw new Error('the controller caches are not synced');
      const deletesBefore = successfulDeletes();
      const start = performance.now();
      server.create(experimentObject('wide-kill', 'wide', { duration: '1s' }));
      await until(() => successfulDeletes() - deletesBefore >= pods, 120_000, `${pods} deletes`);
      const deletedSeconds = (performance.now() - start) / 1000;
      const get = () =>
        server.get({
          apiVersion: 'chaoscraft.io/v1alpha1',
          kind: 'ChaosExperiment',
          namespace: 'bench',
          name: 'wide-kill',
        }) as {
          status?: {
            completionTime?: string;
            targets?: { state: string; uid: string }[];
            conditions?: { type: string; reason: string }[];
          };
        };
      await until(() => Boolean(get().status?.completionTime), 120_000, 'the run to complete');
      const seconds = (performance.now() - start) / 1000;
      const status = get().status!;
      const reason = status.conditions?.find((c) => c.type === 'Succeeded')?.reason;
      const uniqueTargets = new Set((status.targets ?? []).map((t) => t.uid)).size;
      const deletes = successfulDeletes() - deletesBefore;
      const remaining = podsOf('wide');
      const exactlyOnce =
        reason === 'Completed' && uniqueTargets === pods && deletes === pods && remaining === 0;
      statusBytes = Buffer.byteLength(JSON.stringify(status));
      log(
        `${pods} pods: all deleted after ${round(deletedSeconds, 2)} s, Completed after ${round(seconds, 2)} s, ${reason}, ${deletes} delete requests, ${remaining} pods left, status ${Math.round(statusBytes / 1024)} KiB`,
      );
      result = { seconds, deletedSeconds, exactlyOnce, deletes };
    } finally {
      await manager.stop({ drainTimeoutMs: 5000 });
    }
    try {
      const bareAfter = await bareRound('bare-after');
      log(`bare list + deletes again: ${round(bareAfter, 2)} s`);
      const bare = Math.min(bareBefore, bareAfter);
      const figure = (name: string, value: number, unit: string, extra: Partial<Figure> = {}): Figure => ({
        id: 'wide-kill',
        figure: name,
        value,
        unit,
        baseline: null,
        ratio: null,
        goal: null,
        met: null,
        ...extra,
      });
      return [
        figure('headline', round(result.seconds, 2), `s to Completed (${pods} realistic pods)`, {
          goal: `<= ${GOAL_S} s, each pod killed once`,
          met: result.seconds <= GOAL_S && result.exactlyOnce,
        }),
        figure('created -> every pod deleted', round(result.deletedSeconds, 2), `s (${pods} pods)`, {
          baseline: round(bare, 2),
          ratio: round(result.deletedSeconds / bare, 2),
        }),
        figure('bare list + deletes', round(bare, 2), `s (${pods} pods, ${CONCURRENCY} in flight)`),
        figure('delete requests', result.deletes, 'requests', {
          baseline: pods,
          ratio: round(result.deletes / pods, 3),
        }),
        figure('status size', Math.round(statusBytes / 1024), 'KiB'),
      ];
    } finally {
      await server.close();
    }
  },
};

export default benchmark;
