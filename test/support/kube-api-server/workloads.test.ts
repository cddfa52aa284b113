// Workloads that behave like a cluster's: pods start and become Ready over time, ReplicaSets replace
// a pod as soon as it starts terminating, Deployments roll out through ReplicaSets and report status,
// and the scale subresource works, for client-node and for kubectl rollout status / kubectl scale.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import {
  AppsV1Api,
  CoreV1Api,
  PatchStrategy,
  setHeaderOptions,
  type V1Deployment,
} from '@kubernetes/client-node';
import { type KubeApiServer, kubeConfigFor, makeWorkload, startKubeApiServer } from './index.ts';
import { type Kubectl, kubectlFor, kubectlMissing } from './kubectl-runner.ts';
import { createNamespaces, waitFor } from './test-support.ts';

function deployment(name: string, replicas: number, image = 'nginx:1'): V1Deployment {
  return {
    metadata: { name },
    spec: {
      replicas,
      selector: { matchLabels: { app: name } },
      template: { metadata: { labels: { app: name } }, spec: { containers: [{ name: 'app', image }] } },
    },
  };
}

describe('workloads', () => {
  let server: KubeApiServer;
  let core: CoreV1Api;
  let apps: AppsV1Api;

  before(async () => {
    server = await startKubeApiServer({
      podStartDelays: { startDelayMs: 60, readyDelayMs: 60 },
      podTerminationDelayMs: 400,
      replicaSetRecreateDelayMs: 5,
    });
    createNamespaces(server, 'apps', 'seeded');
    const config = kubeConfigFor(server);
    core = config.makeApiClient(CoreV1Api);
    apps = config.makeApiClient(AppsV1Api);
  });
  after(async () => {
    await server.close();
  });

  const podsOf = async (app: string) =>
    (await core.listNamespacedPod({ namespace: 'apps', labelSelector: `app=${app}` })).items;

  it('takes a pod Pending (scheduled) → Running, not Ready → Ready on the kubelet delays', async () => {
    const created = await core.createNamespacedPod({
      namespace: 'apps',
      body: { metadata: { name: 'solo' }, spec: { containers: [{ name: 'c', image: 'i' }] } },
    });
    assert.equal(created.status?.phase, 'Pending');
    assert.equal(created.spec?.nodeName, 'node-1', 'the scheduler bound it');
    const ready = (pod: typeof created) => pod.status?.conditions?.find((c) => c.type === 'Ready')?.status;
    const started = await waitFor({
      condition: async () => {
        const pod = await core.readNamespacedPod({ namespace: 'apps', name: 'solo' });
        return pod.status?.phase === 'Running' ? pod : undefined;
      },
      what: 'the pod to start',
      intervalMs: 5,
    });
    assert.equal(ready(started), 'False', 'started before it is Ready');
    await waitFor({
      condition: async () =>
        ready(await core.readNamespacedPod({ namespace: 'apps', name: 'solo' })) === 'True',
      what: 'the pod to become Ready',
    });
  });

  it('rolls a Deployment out through a ReplicaSet and reports its status', async () => {
    await apps.createNamespacedDeployment({ namespace: 'apps', body: deployment('web', 3) });
    const rolledOut = await waitFor({
      condition: async () => {
        const current = await apps.readNamespacedDeployment({ namespace: 'apps', name: 'web' });
        return current.status?.availableReplicas === 3 ? current : undefined;
      },
      what: 'three available replicas',
    });
    assert.equal(rolledOut.status?.readyReplicas, 3);
    assert.equal(rolledOut.status?.updatedReplicas, 3);
    assert.equal(rolledOut.status?.observedGeneration, 1);
    const conditions = Object.fromEntries(
      (rolledOut.status?.conditions ?? []).map((c) => [c.type, c.reason]),
    );
    assert.deepEqual(conditions, {
      Available: 'MinimumReplicasAvailable',
      Progressing: 'NewReplicaSetAvailable',
    });
    const replicaSets = (await apps.listNamespacedReplicaSet({ namespace: 'apps', labelSelector: 'app=web' }))
      .items;
    assert.equal(replicaSets.length, 1);
    const hash = replicaSets[0]!.metadata?.labels?.['pod-template-hash'];
    assert.match(replicaSets[0]!.metadata!.name!, new RegExp(`^web-${hash}$`));
    const pods = await podsOf('web');
    assert.equal(pods.length, 3);
    assert.ok(pods.every((pod) => pod.metadata?.labels?.['pod-template-hash'] === hash));
  });

  it('starts a replacement as soon as a pod starts terminating, while the old one lingers', async () => {
    const [victim] = await podsOf('web');
    await core.deleteNamespacedPod({ namespace: 'apps', name: victim!.metadata!.name! });
    const during = await waitFor({
      condition: async () => {
        const pods = await podsOf('web');
        return pods.length === 4 ? pods : undefined;
      },
      what: 'a replacement beside the terminating pod',
      intervalMs: 5,
    });
    const old = during.find((pod) => pod.metadata?.uid === victim!.metadata?.uid);
    assert.ok(old?.metadata?.deletionTimestamp, 'the old pod is still there, terminating');
    await waitFor({
      condition: async () => (await podsOf('web')).length === 3,
      what: 'the old pod to go',
    });
  });

  it('scales through the scale subresource', async () => {
    const scale = await apps.readNamespacedDeploymentScale({ namespace: 'apps', name: 'web' });
    assert.equal(scale.spec?.replicas, 3);
    assert.equal(scale.status?.selector, 'app=web');
    await apps.patchNamespacedDeploymentScale(
      { namespace: 'apps', name: 'web', body: { spec: { replicas: 5 } } },
      setHeaderOptions('Content-Type', PatchStrategy.MergePatch),
    );
    await waitFor({
      condition: async () =>
        (await apps.readNamespacedDeployment({ namespace: 'apps', name: 'web' })).status
          ?.availableReplicas === 5,
      what: 'five available replicas',
    });
    await assert.rejects(
      apps.patchNamespacedDeploymentScale(
        { namespace: 'apps', name: 'web', body: { spec: { replicas: -1 } } },
        setHeaderOptions('Content-Type', PatchStrategy.MergePatch),
      ),
      (error: { code?: number }) => error.code === 422,
    );
  });

  it('rolls a new template out to a new ReplicaSet and scales the old one down once it is available', async () => {
    await apps.patchNamespacedDeployment(
      {
        namespace: 'apps',
        name: 'web',
        body: { spec: { template: { spec: { containers: [{ name: 'app', image: 'nginx:2' }] } } } },
      },
      setHeaderOptions('Content-Type', PatchStrategy.MergePatch),
    );
    const done = await waitFor({
      condition: async () => {
        const current = await apps.readNamespacedDeployment({ namespace: 'apps', name: 'web' });
        const progressing = current.status?.conditions?.find((c) => c.type === 'Progressing');
        return current.status?.observedGeneration === 3 &&
          current.status?.replicas === 5 &&
          progressing?.reason === 'NewReplicaSetAvailable'
          ? current
          : undefined;
      },
      what: 'the rollout to finish',
    });
    assert.equal(done.status?.updatedReplicas, 5);
    const replicaSets = (await apps.listNamespacedReplicaSet({ namespace: 'apps', labelSelector: 'app=web' }))
      .items;
    assert.deepEqual(replicaSets.map((replicaSet) => replicaSet.spec?.replicas).sort(), [0, 5]);
    await waitFor({
      condition: async () => {
        const pods = await podsOf('web');
        return pods.length === 5 && pods.every((pod) => pod.spec?.containers[0]?.image === 'nginx:2');
      },
      what: 'only new pods, once the old ones have terminated',
    });
  });

  it('leaves a seeded, settled workload alone (no writes)', async () => {
    server.seed(makeWorkload({ name: 'calm', namespace: 'seeded', replicas: 2 }).objects);
    const version = server.resourceVersion;
    await new Promise((resolve) => setTimeout(resolve, 100));
    assert.equal(server.resourceVersion, version);
  });
});

describe('kubectl rollout status and kubectl scale', { skip: kubectlMissing }, () => {
  let server: KubeApiServer;
  let kubectl: Kubectl;

  before(async () => {
    server = await startKubeApiServer({ podStartDelays: { startDelayMs: 100, readyDelayMs: 200 } });
    kubectl = await kubectlFor(server);
  });
  after(async () => {
    await server.close();
    await kubectl.close();
  });

  it('waits for a rollout, and scales', async () => {
    const created = await kubectl.run(
      'create',
      'deployment',
      'web',
      '--image=nginx:1',
      '--replicas=2',
      '-o',
      'json',
    );
    // `kubectl create deployment` sends protobuf, which this server refuses: create it as JSON instead.
    if (created.code !== 0) {
      assert.match(created.stderr, /unknown format/);
      const apps = kubeConfigFor(server).makeApiClient(AppsV1Api);
      await apps.createNamespacedDeployment({ namespace: 'default', body: deployment('web', 2) });
    }
    const startedAt = Date.now();
    const rollout = await kubectl.run('rollout', 'status', 'deployment/web', '--timeout=10s');
    assert.equal(rollout.code, 0, rollout.stderr);
    assert.match(rollout.stdout, /deployment "web" successfully rolled out/);
    assert.ok(Date.now() - startedAt >= 250, 'rollout status waited for the pods to become Ready');

    const scaled = await kubectl.run('scale', 'deployment/web', '--replicas=4');
    assert.equal(scaled.code, 0, scaled.stderr);
    assert.match(scaled.stdout, /deployment.apps\/web scaled/);
    const again = await kubectl.run('rollout', 'status', 'deployment/web', '--timeout=10s');
    assert.equal(again.code, 0, again.stderr);
    const ready = await kubectl.run('get', 'deployment', 'web', '-o', 'jsonpath={.status.readyReplicas}');
    assert.equal(ready.stdout, '4');
  });
});
