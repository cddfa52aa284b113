// With workloads that behave like a cluster's (a replacement pod is Pending, then Running, then Ready
// after a while), a kubernetes probe on a Deployment's availability fails during a pod kill, as it
// would on a cluster, and the run ends HypothesisFailed after recovering at once.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import {
  condition,
  experiment,
  finished,
  startCluster,
  startController,
  waitForExperiment,
} from './harness.ts';

test('a probe on the Deployment availability fails while its only pod is killed and replaced', async (t) => {
  // Slower kubelet than the harness default, so the replacement is visibly not Ready for a while.
  const server = await startCluster({
    replicas: 1,
    server: { podStartDelays: { startDelayMs: 300, readyDelayMs: 1500 } },
  });
  const controller = await startController(server);
  t.after(async () => {
    await controller.close();
    await server.close();
  });
  server.create(
    experiment('kill-the-only-pod', {
      mode: 'all',
      duration: '5s',
      hypothesis: {
        probes: [
          {
            name: 'web-available',
            when: ['during'],
            interval: '200ms',
            failureThreshold: 2,
            kubernetes: {
              apiVersion: 'apps/v1',
              kind: 'Deployment',
              name: 'web',
              field: { path: 'status.availableReplicas', equals: '1' },
            },
          },
        ],
      },
    }),
  );
  const done = await waitForExperiment(server, 'kill-the-only-pod', finished, 30_000);
  assert.equal(
    condition(done, 'Succeeded')?.reason,
    'HypothesisFailed',
    condition(done, 'Succeeded')?.message,
  );
  assert.match(condition(done, 'HypothesisHolds')!.message!, /probe web-available failed during the faults/);
});
