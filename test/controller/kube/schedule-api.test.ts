// The run client against the API test server: what a DELETE of a run says about what is left, which
// the schedule's overlay relies on (a run gone at once must not be waited for).
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { createKubeHttp } from '../../../controller/kube/kube-http.ts';
import { createRunClient } from '../../../controller/kube/schedule-api.ts';
import {
  type KubeApiServer,
  kubeConfigFor,
  startKubeApiServer,
} from '../../support/kube-api-server/index.ts';
import { clusterDefaults } from '../manager/harness.ts';

let server: KubeApiServer;
before(async () => {
  server = await startKubeApiServer(clusterDefaults);
  server.create({ apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'shop' } });
});
after(() => server?.close());

function run(name: string, finalizers?: string[]) {
  return server.create({
    apiVersion: 'chaoscraft.io/v1alpha1',
    kind: 'ChaosExperiment',
    metadata: { name, namespace: 'shop', ...(finalizers ? { finalizers } : {}) },
    spec: {
      selector: { labelSelector: { matchLabels: { app: 'db' } } },
      faults: [{ podKill: {} }],
      mode: 'one',
      duration: '1m',
    },
  }) as { metadata: { uid: string } };
}

test('a run delete says whether anything of ours is left under the name', async () => {
  const runs = createRunClient(createKubeHttp(kubeConfigFor(server)));
  const held = run('held', ['chaoscraft.io/finalizer']);
  assert.deepEqual(await runs.delete({ namespace: 'shop', name: 'held', uid: held.metadata.uid }), {
    gone: false,
  });
  const fresh = run('fresh');
  assert.deepEqual(await runs.delete({ namespace: 'shop', name: 'fresh', uid: fresh.metadata.uid }), {
    gone: true,
  });
  assert.deepEqual(await runs.delete({ namespace: 'shop', name: 'never' }), { gone: true }, 'not found');
  run('newer');
  assert.deepEqual(
    await runs.delete({ namespace: 'shop', name: 'newer', uid: 'an-older-uid' }),
    { gone: true },
    'another object under the name: ours is gone',
  );
});
