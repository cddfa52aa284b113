// Finalizers and deletionTimestamp, ownerReference garbage collection (background, orphan, foreground),
// namespace termination, and the ReplicaSet recreating deleted pods.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import {
  ApiException,
  AppsV1Api,
  CoreV1Api,
  CustomObjectsApi,
  PatchStrategy,
  setHeaderOptions,
  type V1Pod,
} from '@kubernetes/client-node';
import { type KubeApiServer, kubeConfigFor, makeWorkload, startKubeApiServer } from './index.ts';
import { createNamespaces, FIXTURE_CRD_DIRECTORY, waitFor } from './test-support.ts';

const group = 'fixtures.chaoscraft.io';
const version = 'v1alpha1';
const mergePatch = setHeaderOptions('Content-Type', PatchStrategy.MergePatch);

type Meta = {
  name: string;
  uid: string;
  deletionTimestamp?: string;
  finalizers?: string[];
  generation?: number;
};

describe('finalizers, garbage collection and replica sets', () => {
  let server: KubeApiServer;
  let core: CoreV1Api;
  let apps: AppsV1Api;
  let custom: CustomObjectsApi;

  before(async () => {
    server = await startKubeApiServer({ crdDirectory: FIXTURE_CRD_DIRECTORY, replicaSetRecreateDelayMs: 30 });
    const config = kubeConfigFor(server);
    core = config.makeApiClient(CoreV1Api);
    apps = config.makeApiClient(AppsV1Api);
    custom = config.makeApiClient(CustomObjectsApi);
  });
  after(async () => {
    await server.close();
  });

  const drillPath = { group, version, namespace: 'default', plural: 'drills' };
  const getDrill = async (name: string) =>
    (await custom.getNamespacedCustomObject({ ...drillPath, name })) as { metadata: Meta };

  it('keeps an object with finalizers until they are removed, then removes it', async () => {
    await custom.createNamespacedCustomObject({
      ...drillPath,
      body: {
        apiVersion: `${group}/${version}`,
        kind: 'Drill',
        metadata: { name: 'guarded', finalizers: ['chaoscraft.io/recover'] },
        spec: { mode: 'one', duration: '1s' },
      },
    });
    const deleted = (await custom.deleteNamespacedCustomObject({ ...drillPath, name: 'guarded' })) as {
      metadata: Meta;
    };
    assert.ok(deleted.metadata.deletionTimestamp, 'deletionTimestamp set');
    const marked = await getDrill('guarded');
    assert.ok(marked.metadata.deletionTimestamp);
    assert.equal(marked.metadata.generation, 2, 'marking for deletion bumps generation');

    const added = await custom
      .patchNamespacedCustomObject(
        {
          ...drillPath,
          name: 'guarded',
          body: { metadata: { finalizers: ['chaoscraft.io/recover', 'x.io/more'] } },
        },
        mergePatch,
      )
      .catch((e) => e);
    assert.ok(added instanceof ApiException);
    const status = JSON.parse(added.body as string);
    assert.equal(status.code, 422);
    assert.match(status.message, /no new finalizers can be added if the object is being deleted/);

    await custom.patchNamespacedCustomObject(
      { ...drillPath, name: 'guarded', body: { metadata: { finalizers: null } } },
      mergePatch,
    );
    const gone = await getDrill('guarded').catch((e) => e);
    assert.equal((gone as ApiException<unknown>).code, 404);
  });

  it('garbage-collects dependents in the background when their owner goes', async () => {
    const owner = (await custom.createNamespacedCustomObject({
      ...drillPath,
      body: {
        apiVersion: `${group}/${version}`,
        kind: 'Drill',
        metadata: { name: 'owner' },
        spec: { mode: 'all', duration: '1m' },
      },
    })) as { metadata: Meta };
    const ownerReferences = [
      {
        apiVersion: `${group}/${version}`,
        kind: 'Drill',
        name: 'owner',
        uid: owner.metadata.uid,
        controller: true,
      },
    ];
    await core.createNamespacedConfigMap({
      namespace: 'default',
      body: { metadata: { name: 'dep-plain', ownerReferences } },
    });
    await core.createNamespacedConfigMap({
      namespace: 'default',
      body: { metadata: { name: 'dep-held', ownerReferences, finalizers: ['chaoscraft.io/hold'] } },
    });
    await custom.deleteNamespacedCustomObject({ ...drillPath, name: 'owner' });
    await waitFor({
      condition: () =>
        !server.get({ apiVersion: 'v1', kind: 'ConfigMap', namespace: 'default', name: 'dep-plain' }),
      what: 'the plain dependent to be collected',
    });
    const held = await waitFor({
      condition: () => {
        const object = server.get({
          apiVersion: 'v1',
          kind: 'ConfigMap',
          namespace: 'default',
          name: 'dep-held',
        });
        return (object?.metadata as Meta | undefined)?.deletionTimestamp ? object : undefined;
      },
      what: 'the held dependent to be marked for deletion',
    });
    assert.deepEqual((held.metadata as Meta).finalizers, ['chaoscraft.io/hold']);
    await core.patchNamespacedConfigMap(
      { namespace: 'default', name: 'dep-held', body: { metadata: { finalizers: [] } } },
      mergePatch,
    );
    assert.equal(
      server.get({ apiVersion: 'v1', kind: 'ConfigMap', namespace: 'default', name: 'dep-held' }),
      undefined,
    );
  });

  it('orphans dependents with propagationPolicy=Orphan and waits for them with Foreground', async () => {
    const parent = await core.createNamespacedConfigMap({
      namespace: 'default',
      body: { metadata: { name: 'parent' } },
    });
    const ref = [{ apiVersion: 'v1', kind: 'ConfigMap', name: 'parent', uid: parent.metadata!.uid! }];
    await core.createNamespacedConfigMap({
      namespace: 'default',
      body: { metadata: { name: 'child', ownerReferences: ref } },
    });
    await core.deleteNamespacedConfigMap({
      namespace: 'default',
      name: 'parent',
      propagationPolicy: 'Orphan',
    });
    await waitFor({
      condition: () =>
        !server.get({ apiVersion: 'v1', kind: 'ConfigMap', namespace: 'default', name: 'parent' }),
      what: 'the orphaning owner to go',
    });
    const child = await core.readNamespacedConfigMap({ namespace: 'default', name: 'child' });
    assert.equal(child.metadata?.ownerReferences, undefined, 'the child lost its owner reference and stays');

    const boss = await core.createNamespacedConfigMap({
      namespace: 'default',
      body: { metadata: { name: 'boss' } },
    });
    const bossRef = [{ apiVersion: 'v1', kind: 'ConfigMap', name: 'boss', uid: boss.metadata!.uid! }];
    await core.createNamespacedConfigMap({
      namespace: 'default',
      body: { metadata: { name: 'worker', ownerReferences: bossRef, finalizers: ['chaoscraft.io/hold'] } },
    });
    await core.deleteNamespacedConfigMap({
      namespace: 'default',
      name: 'boss',
      propagationPolicy: 'Foreground',
    });
    await waitFor({
      condition: () =>
        (
          server.get({ apiVersion: 'v1', kind: 'ConfigMap', namespace: 'default', name: 'worker' })
            ?.metadata as Meta
        )?.deletionTimestamp,
      what: 'the dependent to be deleted first',
    });
    const waiting = await core.readNamespacedConfigMap({ namespace: 'default', name: 'boss' });
    assert.deepEqual(waiting.metadata?.finalizers, ['foregroundDeletion']);
    await core.patchNamespacedConfigMap(
      { namespace: 'default', name: 'worker', body: { metadata: { finalizers: null } } },
      mergePatch,
    );
    await waitFor({
      condition: () =>
        !server.get({ apiVersion: 'v1', kind: 'ConfigMap', namespace: 'default', name: 'boss' }),
      what: 'the foreground owner to go after its dependent',
    });
  });

  it('recreates a deleted ReplicaSet pod with a generated name, same labels and spec, Running', async () => {
    const workload = makeWorkload({ name: 'api', namespace: 'prod', replicas: 3, nodeNames: ['n1', 'n2'] });
    createNamespaces(server, 'prod');
    server.seed(workload.objects);
    const before = await core.listNamespacedPod({ namespace: 'prod', labelSelector: 'app=api' });
    assert.equal(before.items.length, 3);
    const victim = before.items[0]!;
    await core.deleteNamespacedPod({
      namespace: 'prod',
      name: victim.metadata!.name!,
      gracePeriodSeconds: 0,
    });
    const replacement = await waitFor({
      condition: async () => {
        const pods = await core.listNamespacedPod({ namespace: 'prod', labelSelector: 'app=api' });
        const names = new Set(before.items.map((pod) => pod.metadata?.name));
        return pods.items.length === 3 ? pods.items.find((pod) => !names.has(pod.metadata?.name)) : undefined;
      },
      what: 'a replacement pod',
    });
    const rsName = (workload.replicaSet.metadata as Meta).name;
    assert.match(replacement.metadata!.name!, new RegExp(`^${rsName}-[a-z0-9]{5}$`));
    assert.deepEqual(replacement.metadata?.labels, victim.metadata?.labels);
    assert.equal(replacement.spec?.nodeName, victim.spec?.nodeName);
    assert.equal(replacement.metadata?.ownerReferences?.[0]?.uid, (workload.replicaSet.metadata as Meta).uid);
    assert.equal(replacement.status?.phase, 'Running');
    assert.notEqual(replacement.metadata?.uid, victim.metadata?.uid);
  });

  it('deletes the whole chain when the Deployment goes, and does not recreate pods of a deleted ReplicaSet', async () => {
    await apps.deleteNamespacedDeployment({ namespace: 'prod', name: 'api' });
    await waitFor({
      condition: async () => (await core.listNamespacedPod({ namespace: 'prod' })).items.length === 0,
      what: 'pods to be collected',
    });
    const replicaSets = await apps.listNamespacedReplicaSet({ namespace: 'prod' });
    assert.equal(replicaSets.items.length, 0);
    await new Promise((resolve) => setTimeout(resolve, 80));
    assert.equal(
      (await core.listNamespacedPod({ namespace: 'prod' })).items.length,
      0,
      'no replacement appears',
    );
  });

  it('terminates a namespace: contents are deleted, then the namespace itself', async () => {
    await core.createNamespace({ body: { metadata: { name: 'doomed' } } });
    const pod: V1Pod = { metadata: { name: 'p' }, spec: { containers: [{ name: 'c', image: 'i' }] } };
    await core.createNamespacedPod({ namespace: 'doomed', body: pod });
    const terminating = await core.deleteNamespace({ name: 'doomed' });
    assert.equal((terminating as { status?: { phase?: string } }).status?.phase, 'Terminating');
    await waitFor({
      condition: () => !server.get({ apiVersion: 'v1', kind: 'Namespace', name: 'doomed' }),
      what: 'the namespace to go',
    });
    assert.equal(server.list({ apiVersion: 'v1', kind: 'Pod', namespace: 'doomed' }).length, 0);
  });
});

describe('namespace lifecycle enforcement', () => {
  it('refuses objects in missing or terminating namespaces by default', async () => {
    const server = await startKubeApiServer();
    try {
      const core = kubeConfigFor(server).makeApiClient(CoreV1Api);
      const failure = await core
        .createNamespacedConfigMap({ namespace: 'missing', body: { metadata: { name: 'x' } } })
        .catch((e) => e);
      assert.equal((failure as ApiException<unknown>).code, 404);
      assert.match(String((failure as ApiException<string>).body), /namespaces \\"missing\\" not found/);
      const created = await core.createNamespacedConfigMap({
        namespace: 'default',
        body: { metadata: { name: 'x' } },
      });
      assert.equal(created.metadata?.namespace, 'default');

      createNamespaces(server, 'leaving');
      // A finalizer keeps the namespace terminating long enough to try a create into it.
      server.create({
        apiVersion: 'v1',
        kind: 'ConfigMap',
        metadata: { name: 'held', namespace: 'leaving', finalizers: ['test/hold'] },
      });
      await core.deleteNamespace({ name: 'leaving' });
      const refused = await core
        .createNamespacedConfigMap({ namespace: 'leaving', body: { metadata: { name: 'late' } } })
        .catch((e) => e);
      assert.equal((refused as ApiException<unknown>).code, 403);
      // As kube-apiserver's NamespaceLifecycle admission words it, before any name is generated.
      const status = JSON.parse(String((refused as ApiException<string>).body));
      assert.equal(
        status.message,
        'configmaps "late" is forbidden: unable to create new content in namespace leaving because it is being terminated',
      );
      assert.equal(status.reason, 'Forbidden');
      assert.deepEqual(status.details, {
        name: 'late',
        kind: 'configmaps',
        causes: [
          {
            reason: 'NamespaceTerminating',
            message: 'namespace leaving is being terminated',
            field: 'metadata.namespace',
          },
        ],
      });
      const generated = await core
        .createNamespacedConfigMap({ namespace: 'leaving', body: { metadata: { generateName: 'late-' } } })
        .catch((e) => e);
      const generatedStatus = JSON.parse(String((generated as ApiException<string>).body));
      assert.match(generatedStatus.message, /^configmaps "late-" is forbidden: /);
    } finally {
      await server.close();
    }
  });

  it("accepts them when a test asks for leniency with namespaceLifecycle: 'off'", async () => {
    const server = await startKubeApiServer({ namespaceLifecycle: 'off' });
    try {
      const core = kubeConfigFor(server).makeApiClient(CoreV1Api);
      const created = await core.createNamespacedConfigMap({
        namespace: 'missing',
        body: { metadata: { name: 'x' } },
      });
      assert.equal(created.metadata?.namespace, 'missing');
    } finally {
      await server.close();
    }
  });
});
