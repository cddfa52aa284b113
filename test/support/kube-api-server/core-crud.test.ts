// create/get/list/update/patch/delete of built-in kinds through the real @kubernetes/client-node.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import {
  ApiException,
  AppsV1Api,
  CoordinationV1Api,
  CoreV1Api,
  PatchStrategy,
  setHeaderOptions,
  type V1Pod,
} from '@kubernetes/client-node';
import { type KubeApiServer, kubeConfigFor, startKubeApiServer } from './index.ts';
import { waitFor } from './test-support.ts';

function statusBody(error: unknown): { code: number; reason: string; message: string; details?: unknown } {
  assert.ok(error instanceof ApiException, `expected ApiException, got ${String(error)}`);
  return JSON.parse(error.body as string);
}

function pod(name: string, labels: Record<string, string> = {}, nodeName = 'node-a'): V1Pod {
  return { metadata: { name, labels }, spec: { nodeName, containers: [{ name: 'app', image: 'busybox' }] } };
}

describe('built-in kinds through client-node', () => {
  let server: KubeApiServer;
  let core: CoreV1Api;
  let apps: AppsV1Api;
  let coordination: CoordinationV1Api;

  before(async () => {
    let counter = 0;
    server = await startKubeApiServer({ randomSuffix: () => `x${(counter++).toString().padStart(4, '0')}` });
    const config = kubeConfigFor(server);
    core = config.makeApiClient(CoreV1Api);
    apps = config.makeApiClient(AppsV1Api);
    coordination = config.makeApiClient(CoordinationV1Api);
  });
  after(async () => {
    await server.close();
  });

  it('creates a pod with server-set metadata and a Running status, and reads it back', async () => {
    const created = await core.createNamespacedPod({
      namespace: 'default',
      body: pod('web-1', { app: 'web' }),
    });
    assert.equal(created.metadata?.name, 'web-1');
    assert.equal(created.metadata?.namespace, 'default');
    assert.match(created.metadata?.uid ?? '', /^[0-9a-f-]{36}$/);
    assert.match(created.metadata?.resourceVersion ?? '', /^\d+$/);
    assert.equal(created.metadata?.generation, 1);
    assert.ok(created.metadata?.creationTimestamp instanceof Date);
    assert.equal(created.status?.phase, 'Running');
    assert.equal(created.status?.conditions?.find((condition) => condition.type === 'Ready')?.status, 'True');
    const read = await core.readNamespacedPod({ namespace: 'default', name: 'web-1' });
    assert.equal(read.metadata?.uid, created.metadata?.uid);
    assert.equal(read.kind, 'Pod');
    assert.equal(read.apiVersion, 'v1');
  });

  it('generates names from generateName and refuses duplicates with 409 AlreadyExists', async () => {
    const generated = await core.createNamespacedPod({
      namespace: 'default',
      body: { metadata: { generateName: 'worker-' }, spec: { containers: [{ name: 'c', image: 'i' }] } },
    });
    assert.equal(generated.metadata?.name, 'worker-x0000');
    const failure = await core
      .createNamespacedPod({ namespace: 'default', body: pod('web-1') })
      .catch((e) => e);
    const status = statusBody(failure);
    assert.equal(status.code, 409);
    assert.equal(status.reason, 'AlreadyExists');
    assert.equal(status.message, 'pods "web-1" already exists');
  });

  it('answers a missing object with 404 NotFound as metav1.Status', async () => {
    const failure = await core.readNamespacedPod({ namespace: 'default', name: 'nope' }).catch((e) => e);
    assert.equal((failure as ApiException<unknown>).code, 404);
    const status = statusBody(failure);
    assert.equal(status.reason, 'NotFound');
    assert.deepEqual(status.details, { name: 'nope', kind: 'pods' });
  });

  it('increments one global resourceVersion counter across resources', async () => {
    const first = await core.createNamespacedConfigMap({
      namespace: 'default',
      body: { metadata: { name: 'cm-1' } },
    });
    const lease = await coordination.createNamespacedLease({
      namespace: 'default',
      body: { metadata: { name: 'leader' }, spec: { holderIdentity: 'a', leaseDurationSeconds: 15 } },
    });
    assert.equal(Number(lease.metadata?.resourceVersion), Number(first.metadata?.resourceVersion) + 1);
  });

  it('lists with a list resourceVersion, across namespaces, and by label and field selectors', async () => {
    await core.createNamespace({ body: { metadata: { name: 'shop' } } });
    await core.createNamespacedPod({
      namespace: 'shop',
      body: pod('cart-1', { app: 'cart', tier: 'back' }, 'node-b'),
    });
    await core.createNamespacedPod({ namespace: 'shop', body: pod('cart-2', { app: 'cart' }, 'node-a') });
    await core.createNamespacedPod({
      namespace: 'shop',
      body: pod('ui-1', { app: 'ui', tier: 'front' }, 'node-a'),
    });

    const all = await core.listPodForAllNamespaces();
    assert.equal(all.metadata?.resourceVersion, server.resourceVersion);
    const names = all.items.map((item) => `${item.metadata?.namespace}/${item.metadata?.name}`);
    assert.deepEqual(names, [
      'default/web-1',
      'default/worker-x0000',
      'shop/cart-1',
      'shop/cart-2',
      'shop/ui-1',
    ]);

    const select = async (labelSelector?: string, fieldSelector?: string) =>
      (await core.listNamespacedPod({ namespace: 'shop', labelSelector, fieldSelector })).items.map(
        (item) => item.metadata?.name,
      );
    assert.deepEqual(await select('app=cart'), ['cart-1', 'cart-2']);
    assert.deepEqual(await select('app==ui'), ['ui-1']);
    assert.deepEqual(await select('app!=cart'), ['ui-1']);
    assert.deepEqual(await select('tier in (front,back)'), ['cart-1', 'ui-1']);
    assert.deepEqual(await select('tier notin (front)'), ['cart-1', 'cart-2']);
    assert.deepEqual(await select('tier'), ['cart-1', 'ui-1']);
    assert.deepEqual(await select('!tier'), ['cart-2']);
    assert.deepEqual(await select('app=cart,tier'), ['cart-1']);
    assert.deepEqual(await select(undefined, 'spec.nodeName=node-a'), ['cart-2', 'ui-1']);
    assert.deepEqual(await select(undefined, 'metadata.name!=cart-2,status.phase=Running'), [
      'cart-1',
      'ui-1',
    ]);
    assert.deepEqual(await select(undefined, 'metadata.namespace=default'), []);

    const bad = await core
      .listNamespacedPod({ namespace: 'shop', fieldSelector: 'spec.bogus=1' })
      .catch((e) => e);
    assert.equal(statusBody(bad).code, 400);
    const badLabel = await core
      .listNamespacedPod({ namespace: 'shop', labelSelector: 'a in (b' })
      .catch((e) => e);
    assert.equal(statusBody(badLabel).code, 400);
  });

  it('pages lists with limit and continue', async () => {
    const pageOne = await core.listPodForAllNamespaces({ limit: 2 });
    assert.equal(pageOne.items.length, 2);
    assert.equal(pageOne.metadata?.remainingItemCount, 3);
    const pageTwo = await core.listPodForAllNamespaces({ limit: 2, _continue: pageOne.metadata?._continue });
    const pageThree = await core.listPodForAllNamespaces({
      limit: 2,
      _continue: pageTwo.metadata?._continue,
    });
    assert.equal(pageThree.metadata?._continue, undefined);
    const paged = [...pageOne.items, ...pageTwo.items, ...pageThree.items].map((item) => item.metadata?.name);
    assert.deepEqual(paged, ['web-1', 'worker-x0000', 'cart-1', 'cart-2', 'ui-1']);
    assert.equal(pageTwo.metadata?.resourceVersion, pageOne.metadata?.resourceVersion);
  });

  it('updates with a resourceVersion precondition: stale writes get 409 Conflict', async () => {
    const current = await apps.createNamespacedDeployment({
      namespace: 'default',
      body: {
        metadata: { name: 'api' },
        spec: {
          replicas: 1,
          selector: { matchLabels: { app: 'api' } },
          template: {
            metadata: { labels: { app: 'api' } },
            spec: { containers: [{ name: 'c', image: 'i' }] },
          },
        },
      },
    });
    current.spec!.replicas = 3;
    const updated = await apps.replaceNamespacedDeployment({
      namespace: 'default',
      name: 'api',
      body: current,
    });
    assert.equal(updated.spec?.replicas, 3);
    assert.equal(updated.metadata?.generation, 2);
    const stale = await apps
      .replaceNamespacedDeployment({ namespace: 'default', name: 'api', body: current })
      .catch((e) => e);
    const status = statusBody(stale);
    assert.equal(status.code, 409);
    assert.equal(status.reason, 'Conflict');
    assert.match(status.message, /the object has been modified/);
  });

  it('changes only status through /status and ignores status on the main endpoint', async () => {
    // The Deployment controller writes this Deployment's status for a while after it is created; a read
    // taken before it is done would lose the race for the next write (409), as against a cluster.
    await waitFor({
      what: 'the Deployment controller to leave api alone',
      timeoutMs: 5000,
      condition: async () => {
        const seen = server.get({
          apiVersion: 'apps/v1',
          kind: 'Deployment',
          namespace: 'default',
          name: 'api',
        });
        await new Promise((resolve) => setTimeout(resolve, 150));
        const later = server.get({
          apiVersion: 'apps/v1',
          kind: 'Deployment',
          namespace: 'default',
          name: 'api',
        });
        return seen === later;
      },
    });
    const deployment = await apps.readNamespacedDeployment({ namespace: 'default', name: 'api' });
    const generation = deployment.metadata?.generation;
    const withStatus = await apps.replaceNamespacedDeploymentStatus({
      namespace: 'default',
      name: 'api',
      body: { ...deployment, spec: { ...deployment.spec!, replicas: 9 }, status: { readyReplicas: 3 } },
    });
    assert.equal(withStatus.status?.readyReplicas, 3);
    assert.equal(withStatus.spec?.replicas, 3, 'spec is not writable through /status');
    assert.equal(withStatus.metadata?.generation, generation, 'status writes do not bump generation');
    const mainWrite = await apps.replaceNamespacedDeployment({
      namespace: 'default',
      name: 'api',
      body: { ...withStatus, status: { readyReplicas: 0 } },
    });
    assert.equal(mainWrite.status?.readyReplicas, 3);
    assert.equal(
      mainWrite.metadata?.resourceVersion,
      withStatus.metadata?.resourceVersion,
      'a no-op write stores nothing',
    );
  });

  it('applies JSON merge patches, JSON patches and strategic merge patches', async () => {
    const merged = await core.patchNamespacedPod(
      { namespace: 'shop', name: 'cart-1', body: { metadata: { labels: { tier: null, version: 'v2' } } } },
      setHeaderOptions('Content-Type', PatchStrategy.MergePatch),
    );
    assert.deepEqual(merged.metadata?.labels, { app: 'cart', version: 'v2' });
    const jsonPatched = await core.patchNamespacedPod({
      namespace: 'shop',
      name: 'cart-1',
      body: [
        { op: 'test', path: '/metadata/labels/app', value: 'cart' },
        { op: 'add', path: '/metadata/annotations', value: { note: 'hi' } },
        { op: 'remove', path: '/metadata/labels/version' },
      ],
    });
    assert.deepEqual(jsonPatched.metadata?.labels, { app: 'cart' });
    assert.deepEqual(jsonPatched.metadata?.annotations, { note: 'hi' });
    const failedTest = await core
      .patchNamespacedPod({
        namespace: 'shop',
        name: 'cart-1',
        body: [{ op: 'test', path: '/metadata/name', value: 'x' }],
      })
      .catch((e) => e);
    assert.equal(statusBody(failedTest).code, 422);
    const strategic = await core.patchNamespacedPod(
      {
        namespace: 'shop',
        name: 'cart-1',
        body: { metadata: { labels: { extra: 'yes' } }, $setElementOrder: { x: [] } },
      },
      setHeaderOptions('Content-Type', PatchStrategy.StrategicMergePatch),
    );
    assert.deepEqual(strategic.metadata?.labels, { app: 'cart', extra: 'yes' });
    assert.equal((strategic as Record<string, unknown>).$setElementOrder, undefined);
    const stalePatch = await core
      .patchNamespacedPod(
        {
          namespace: 'shop',
          name: 'cart-1',
          body: { metadata: { resourceVersion: '1', labels: { a: 'b' } } },
        },
        setHeaderOptions('Content-Type', PatchStrategy.MergePatch),
      )
      .catch((e) => e);
    assert.equal(statusBody(stalePatch).code, 409);
  });

  it('patches the status of a pod through /status only', async () => {
    const patched = await core.patchNamespacedPodStatus(
      {
        namespace: 'shop',
        name: 'ui-1',
        body: { status: { phase: 'Failed' }, metadata: { labels: { hacked: 'yes' } } },
      },
      setHeaderOptions('Content-Type', PatchStrategy.MergePatch),
    );
    assert.equal(patched.status?.phase, 'Failed');
    assert.equal(patched.metadata?.labels?.hacked, undefined);
  });

  it('deletes with preconditions and grace periods', async () => {
    const target = await core.readNamespacedPod({ namespace: 'shop', name: 'cart-2' });
    const wrongUid = await core
      .deleteNamespacedPod({
        namespace: 'shop',
        name: 'cart-2',
        body: { preconditions: { uid: 'not-the-uid' } },
      })
      .catch((e) => e);
    assert.equal(statusBody(wrongUid).code, 409);
    const wrongVersion = await core
      .deleteNamespacedPod({
        namespace: 'shop',
        name: 'cart-2',
        body: { preconditions: { resourceVersion: '1' } },
      })
      .catch((e) => e);
    assert.equal(statusBody(wrongVersion).code, 409);
    const deleted = await core.deleteNamespacedPod({
      namespace: 'shop',
      name: 'cart-2',
      gracePeriodSeconds: 0,
      body: { preconditions: { uid: target.metadata?.uid } },
    });
    assert.equal(deleted.metadata?.name, 'cart-2');
    const gone = await core.readNamespacedPod({ namespace: 'shop', name: 'cart-2' }).catch((e) => e);
    assert.equal((gone as ApiException<unknown>).code, 404);

    // A graceful delete leaves the pod Terminating until the (simulated) kubelet confirms.
    const graceful = await core.deleteNamespacedPod({
      namespace: 'shop',
      name: 'cart-1',
      gracePeriodSeconds: 30,
    });
    assert.ok(graceful.metadata?.deletionTimestamp instanceof Date);
    assert.equal(graceful.metadata?.deletionGracePeriodSeconds, 30);
    for (let attempt = 0; attempt < 200; attempt += 1) {
      const still = await core.readNamespacedPod({ namespace: 'shop', name: 'cart-1' }).catch((e) => e);
      if (still instanceof ApiException) break;
      await new Promise((resolve) => setTimeout(resolve, 5));
    }
    const removed = await core.readNamespacedPod({ namespace: 'shop', name: 'cart-1' }).catch((e) => e);
    assert.equal((removed as ApiException<unknown>).code, 404);
  });

  it('deletes a collection by label selector', async () => {
    await core.createNamespacedPod({ namespace: 'default', body: pod('batch-1', { job: 'x' }) });
    await core.createNamespacedPod({ namespace: 'default', body: pod('batch-2', { job: 'x' }) });
    await core.deleteCollectionNamespacedPod({
      namespace: 'default',
      labelSelector: 'job=x',
      gracePeriodSeconds: 0,
    });
    const left = await core.listNamespacedPod({ namespace: 'default', labelSelector: 'job=x' });
    assert.equal(left.items.length, 0);
  });

  it('serves leases and events like any namespaced resource', async () => {
    const lease = await coordination.readNamespacedLease({ namespace: 'default', name: 'leader' });
    lease.spec!.holderIdentity = 'b';
    lease.spec!.renewTime = new Date('2025-01-01T00:00:00.000Z') as never;
    const renewed = await coordination.replaceNamespacedLease({
      namespace: 'default',
      name: 'leader',
      body: lease,
    });
    assert.equal(renewed.spec?.holderIdentity, 'b');
    const conflict = await coordination
      .replaceNamespacedLease({ namespace: 'default', name: 'leader', body: lease })
      .catch((e) => e);
    assert.equal(statusBody(conflict).code, 409);

    await core.createNamespacedEvent({
      namespace: 'default',
      body: {
        metadata: { generateName: 'drill.' },
        involvedObject: { kind: 'Pod', name: 'web-1', namespace: 'default' },
        reason: 'Injected',
        message: 'killed',
        type: 'Normal',
      },
    });
    const events = await core.listNamespacedEvent({
      namespace: 'default',
      fieldSelector: 'involvedObject.name=web-1,reason=Injected',
    });
    assert.equal(events.items.length, 1);
    assert.equal(events.items[0]?.message, 'killed');
  });

  it('serves cluster-scoped namespaces and nodes', async () => {
    await core.createNode({ body: { metadata: { name: 'node-a', labels: { zone: 'a' } } } });
    const nodes = await core.listNode({ labelSelector: 'zone=a' });
    assert.deepEqual(
      nodes.items.map((node) => node.metadata?.name),
      ['node-a'],
    );
    const namespaces = await core.listNamespace();
    assert.ok(namespaces.items.some((namespace) => namespace.metadata?.name === 'kube-system'));
    const shop = await core.readNamespace({ name: 'shop' });
    assert.equal(shop.status?.phase, 'Active');
    assert.equal(shop.metadata?.labels?.['kubernetes.io/metadata.name'], 'shop');
  });

  it('rejects invalid names with 422 and field causes', async () => {
    const failure = await core
      .createNamespacedPod({ namespace: 'default', body: pod('Bad_Name') })
      .catch((e) => e);
    const status = statusBody(failure) as { code: number; details: { causes: { field: string }[] } };
    assert.equal(status.code, 422);
    assert.equal(status.details.causes[0]?.field, 'metadata.name');
  });
});
