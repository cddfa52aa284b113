// Argo CD syncs experiments with server-side apply (ServerSideApply=true) as field manager
// argocd-controller; the controller writes finalizers and status with merge patches. Neither may get in
// the other's way: re-applying the manifest during and after a run never conflicts and shows no drift.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import type { KubeApiServer } from '../../support/kube-api-server/index.ts';
import {
  condition,
  finished,
  getExperiment,
  startCluster,
  startController,
  waitForExperiment,
} from './harness.ts';

let server: KubeApiServer;
let controller: Awaited<ReturnType<typeof startController>>;

const manifest = JSON.stringify({
  apiVersion: 'chaoscraft.io/v1alpha1',
  kind: 'ChaosExperiment',
  metadata: {
    name: 'synced',
    namespace: 'shop',
    annotations: { 'argocd.argoproj.io/tracking-id': 'chaos:chaoscraft.io/ChaosExperiment:shop/synced' },
  },
  spec: {
    selector: { labelSelector: { matchLabels: { app: 'web' } } },
    faults: [{ podKill: { gracePeriodSeconds: 0 } }],
    duration: '2s',
  },
});

/** One sync, as Argo CD's server-side apply sends it (no force). */
async function argoSync(): Promise<{ status: number; body: { message?: string } }> {
  const response = await fetch(
    `${server.url}/apis/chaoscraft.io/v1alpha1/namespaces/shop/chaosexperiments/synced?fieldManager=argocd-controller`,
    {
      method: 'PATCH',
      headers: {
        Authorization: `Bearer ${server.tokenFor('admin')}`,
        'Content-Type': 'application/apply-patch+yaml',
      },
      body: manifest,
    },
  );
  return { status: response.status, body: (await response.json()) as { message?: string } };
}

interface Entry {
  manager: string;
  operation: string;
  subresource?: string;
  fieldsV1: Record<string, unknown>;
}

before(async () => {
  server = await startCluster({ replicas: 3 });
  controller = await startController(server);
});
after(async () => {
  await controller.close();
  await server.close();
});

test('Argo CD applies, the controller writes status and finalizers, re-applies neither conflict nor drift', async () => {
  assert.equal((await argoSync()).status, 201);
  const running = await waitForExperiment(
    server,
    'synced',
    (o) => condition(o, 'Succeeded')?.reason === 'Running',
  );
  const midRun = await argoSync();
  assert.equal(midRun.status, 200, midRun.body.message);
  assert.equal(running.metadata.generation, 1);

  const done = await waitForExperiment(server, 'synced', finished);
  assert.equal(condition(done, 'Succeeded')?.status, 'True', JSON.stringify(done.status?.conditions));
  const before = getExperiment(server, 'synced')!;
  const again = await argoSync();
  assert.equal(again.status, 200, again.body.message);
  const after = getExperiment(server, 'synced')!;
  assert.deepEqual(after.spec, before.spec, 'no drift');
  assert.equal(after.metadata.generation, 1, 'the spec never changed');
  assert.equal(after.metadata.resourceVersion, before.metadata.resourceVersion, 'the re-apply wrote nothing');

  const entries = after.metadata.managedFields as Entry[];
  const argo = entries.find((e) => e.manager === 'argocd-controller');
  assert.equal(argo?.operation, 'Apply');
  assert.deepEqual(Object.keys(argo!.fieldsV1).sort(), ['f:metadata', 'f:spec']);
  const status = entries.filter((e) => e.subresource === 'status');
  assert.equal(status.length, 1, JSON.stringify(entries));
  assert.equal(status[0]!.operation, 'Update');
  assert.equal(status[0]!.manager, 'chaoscraft-controller', 'the controller names itself');
  assert.deepEqual(Object.keys(status[0]!.fieldsV1), ['f:status']);
  const finalizers = entries.find((e) => !e.subresource && e.operation === 'Update');
  assert.deepEqual(finalizers?.fieldsV1, {
    'f:metadata': { 'f:finalizers': { '.': {}, 'v:"chaoscraft.io/recover-faults"': {} } },
  });
});
