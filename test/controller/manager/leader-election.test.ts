// Two controller replicas on one Lease: only the leader reconciles; when it shuts down it
// releases the Lease and the other takes over at once.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import type { KubeApiServer } from '../../support/kube-api-server/index.ts';
import { waitFor } from '../../support/wait.ts';
import {
  condition,
  experiment,
  finished,
  startCluster,
  startController,
  waitForExperiment,
} from './harness.ts';

let server: KubeApiServer;
const election = (identity: string) => ({
  leaderElection: {
    enabled: true,
    identity,
    leaseDurationMs: 2000,
    renewDeadlineMs: 1500,
    retryPeriodMs: 200,
  },
});

before(async () => {
  server = await startCluster({ replicas: 2 });
  server.create({ apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'chaoscraft-system' } });
});
after(() => server.close());

const until = (check: () => boolean, what: string) => waitFor({ condition: check, what, timeoutMs: 10_000 });

test('one leader reconciles; a graceful stop hands over through the Lease', async () => {
  const first = await startController(server, election('replica-a'));
  const second = await startController(server, election('replica-b'));
  try {
    await until(() => first.manager.isLeader() || second.manager.isLeader(), 'a leader');
    await new Promise((resolve) => setTimeout(resolve, 500));
    assert.notEqual(first.manager.isLeader(), second.manager.isLeader(), 'exactly one leader');
    const [leader, standby] = first.manager.isLeader() ? [first, second] : [second, first];
    const lease = server.get({
      apiVersion: 'coordination.k8s.io/v1',
      kind: 'Lease',
      namespace: 'chaoscraft-system',
      name: 'chaoscraft-controller',
    }) as {
      spec: { holderIdentity: string };
    };
    assert.equal(lease.spec.holderIdentity, leader === first ? 'replica-a' : 'replica-b');

    server.create(experiment('led', {}));
    await waitForExperiment(server, 'led', finished);
    const reconciles = async (h: typeof first) =>
      (await h.manager.metrics.reconcileTotal.get()).values.reduce((sum, v) => sum + v.value, 0);
    assert.ok((await reconciles(leader)) > 0, 'the leader reconciled');
    assert.equal(await reconciles(standby), 0, 'the standby never reconciled');

    const stoppedAt = Date.now();
    await leader.close();
    await until(() => standby.manager.isLeader(), 'the standby to take over');
    assert.ok(
      Date.now() - stoppedAt < 1500,
      'released, not expired: the takeover is quicker than the lease duration',
    );
    server.create(experiment('after-handover', {}));
    const done = await waitForExperiment(server, 'after-handover', finished);
    assert.equal(condition(done, 'Succeeded')?.reason, 'Completed');
  } finally {
    await first.close().catch(() => {});
    await second.close().catch(() => {});
  }
});
