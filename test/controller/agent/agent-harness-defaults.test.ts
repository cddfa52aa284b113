// The agent harness is as strict as the controller harness unless a test asks otherwise: if someone
// drops clusterDefaults from startServer (no cache lag, pods Ready the instant they exist), this fails.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { KubeApiError } from '../../support/kube-api-server/errors.ts';
import { clusterDefaults } from '../manager/harness.ts';
import { NAMESPACE, startServer } from './agent-harness.ts';

test('startServer is strict by default: cache lag with jitter, namespace lifecycle, pods start over time', async (t) => {
  const server = await startServer();
  t.after(() => server.close());

  assert.deepEqual(server.watchDelay, clusterDefaults.watchDelay, 'watch events lag behind writes');
  assert.throws(
    () => server.create({ apiVersion: 'v1', kind: 'Pod', metadata: { name: 'p', namespace: 'nowhere' } }),
    (error: unknown) => error instanceof KubeApiError && error.httpStatus === 404,
    'a create into a missing namespace is refused',
  );
  const created = server.create({
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: { name: 'late', namespace: NAMESPACE },
    spec: { containers: [{ name: 'app', image: 'app:1' }] },
  }) as { status?: { phase?: string } };
  assert.equal(created.status?.phase, 'Pending', 'a new pod is Pending first');
});
