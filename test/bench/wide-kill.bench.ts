// wide-kill: one podKill with mode all over 6,000 pods, through the real controller. A size at
// which a leading tool's controller looped for an hour; the goal is done in <= 30 s with every
// pod killed exactly once.
import { type Benchmark, round } from './harness.ts';
import {
  benchCluster,
  experimentObject,
  seedWorkload,
  startBenchController,
  until,
} from './support/cluster.ts';

const benchmark: Benchmark = {
  id: 'wide-kill',
  description: 'podKill mode all over 6,000 pods: time to Completed, each pod killed exactly once',
  async run({ log, quick }) {
    const pods = quick ? 600 : 6000;
    // No recreation: every pod deleted stays deleted, so kills are countable by what is left.
    const server = await benchCluster({ replicaSetRecreateDelayMs: false, historySize: 50_000 });
    seedWorkload(server, 'wide', pods);
    const manager = await startBenchController(server);
    try {
      const deletesBefore = server.countRequests({ verb: 'delete', resource: 'pods' });
      const start = performance.now();
      server.create(experimentObject('wide-kill', 'wide', { duration: '1s' }));
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
      const targets = status.targets ?? [];
      const remaining = server.list({ apiVersion: 'v1', kind: 'Pod', namespace: 'bench' }).length;
      const deletes = server.countRequests({ verb: 'delete', resource: 'pods' }) - deletesBefore;
      const uniqueTargets = new Set(targets.map((t) => t.uid)).size;
      const exactlyOnce =
        reason === 'Completed' && uniqueTargets === pods && deletes === pods && remaining === 0;
      const statusBytes = Buffer.byteLength(JSON.stringify(status));
      log(
        `${pods} pods: ${round(seconds, 2)} s, ${reason}, ${deletes} delete requests, ${remaining} pods left, status ${Math.round(statusBytes / 1024)} KiB`,
      );
      return [
        {
          id: 'wide-kill',
          figure: 'headline',
          value: round(seconds, 2),
          unit: `s (${pods} pods)`,
          baseline: null,
          ratio: null,
          goal: '<= 30 s, each pod killed once',
          met: seconds <= 30 && exactlyOnce,
        },
        {
          id: 'wide-kill',
          figure: 'delete requests',
          value: deletes,
          unit: 'requests',
          baseline: pods,
          ratio: round(deletes / pods, 3),
          goal: null,
          met: null,
        },
        {
          id: 'wide-kill',
          figure: 'status size',
          value: Math.round(statusBytes / 1024),
          unit: 'KiB',
          baseline: null,
          ratio: null,
          goal: null,
          met: null,
        },
      ];
    } finally {
      await manager.stop({ drainTimeoutMs: 5000 });
      await server.close();
    }
  },
};

export default benchmark;
