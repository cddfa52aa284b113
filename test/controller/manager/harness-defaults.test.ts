// The controller harness is as strict as a cluster unless a test asks otherwise: if someone loosens
// clusterDefaults (no cache lag, no namespace checks, pods Ready the instant they exist), this fails.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { KubeApiError } from '../../support/kube-api-server/errors.ts';
import { waitFor } from '../../support/wait.ts';
import { startCluster } from './harness.ts';

type Pod = { status?: { phase?: string; conditions?: { type: string; status: string }[] } };

test('startCluster is strict by default: watches lag with jitter, namespaces are enforced, pods start over time', async (t) => {
  const server = await startCluster();
  t.after(() => server.close());

  assert.ok(server.watchDelay.baseMs > 0, 'watch events lag behind writes');
  assert.ok(server.watchDelay.jitterMs > 0, 'with jitter');

  assert.throws(
    () => server.create({ apiVersion: 'v1', kind: 'Pod', metadata: { name: 'p', namespace: 'nowhere' } }),
    (error: unknown) => error instanceof KubeApiError && error.httpStatus === 404,
    'a create into a missing namespace is refused',
  );

  const pod = () => server.get({ apiVersion: 'v1', kind: 'Pod', namespace: 'shop', name: 'late' }) as Pod;
  const ready = () => pod().status?.conditions?.find((c) => c.type === 'Ready')?.status;
  const created = server.create({
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: { name: 'late', namespace: 'shop' },
    spec: { containers: [{ name: 'app', image: 'app:1' }] },
  }) as Pod;
  assert.equal(created.status?.phase, 'Pending', 'a new pod is Pending first');
  await waitFor({
    condition: () => ready() === 'True',
    what: 'the pod to become Ready',
    timeoutMs: 5_000,
  });
  assert.equal(pod().status?.phase, 'Running');
});
