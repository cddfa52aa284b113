import assert from 'node:assert/strict';
import { test } from 'node:test';
import { podCandidates } from '../../../controller/core/pod-candidates.ts';
import { SharedValues, summarizePod } from '../../../controller/kube/pod-summary.ts';
import { ObjectStore, objectKey } from '../../../controller/runtime/index.ts';
import { makeRunningPod } from '../../support/kube-api-server/index.ts';

const owner = { name: 'cart-5d9c7b8f4', uid: 'rs-1' };

function realisticPod(name: string, labels: Record<string, string> = { app: 'cart' }) {
  const pod = makeRunningPod({
    name,
    namespace: 'shop',
    labels,
    nodeName: 'node-3',
    owner,
    size: 'realistic',
  });
  (pod.metadata as Record<string, unknown>).uid = `uid-${name}`;
  (pod.metadata as Record<string, unknown>).resourceVersion = '42';
  return pod as Parameters<typeof summarizePod>[0];
}

function idOf(pod: Parameters<typeof summarizePod>[0], container: string): string | undefined {
  return pod.status?.containerStatuses?.find((s) => s.name === container)?.containerID;
}

test('a realistic pod: what the controller reads, with metadata for the informer', () => {
  const raw = realisticPod('cart-1');
  const pod = summarizePod(raw, new SharedValues());
  assert.equal(pod.namespace, 'shop');
  assert.equal(pod.name, 'cart-1');
  assert.equal(pod.uid, 'uid-cart-1');
  assert.equal(pod.nodeName, 'node-3');
  assert.equal(pod.phase, 'Running');
  assert.equal(pod.terminating, false);
  assert.deepEqual({ ...pod.owner }, { kind: 'ReplicaSet', name: 'cart-5d9c7b8f4' });
  assert.deepEqual({ ...pod.labels }, raw.metadata?.labels);
  // The app containers in the pod's order with their runtime IDs; the init container is not one.
  assert.deepEqual(pod.containers, [
    { name: 'app', id: idOf(raw, 'app') },
    { name: 'proxy', id: idOf(raw, 'proxy') },
    { name: 'log-shipper', id: idOf(raw, 'log-shipper') },
  ]);
  assert.match(pod.containers[0]!.id!, /^containerd:\/\/[0-9a-f]{64}$/);
  assert.equal(pod.metadata.namespace, 'shop');
  assert.equal(pod.metadata.name, 'cart-1');
  assert.equal(pod.metadata.uid, 'uid-cart-1');
  assert.equal(pod.metadata.resourceVersion, '42');
  assert.equal(pod.metadata.labels, pod.labels);
});

test('optional fields are absent when the pod has none; a deletion timestamp means terminating', () => {
  const pod = summarizePod(
    {
      metadata: { namespace: 'a', name: 'p', uid: 'u', deletionTimestamp: '2026-11-01T10:00:00Z' },
      spec: { containers: [{ name: 'main' }] },
    },
    new SharedValues(),
  );
  for (const field of ['nodeName', 'phase', 'owner']) assert.equal(field in pod, false, field);
  assert.equal(pod.terminating, true);
  assert.deepEqual(pod.containers, [{ name: 'main' }]);
  assert.equal('id' in pod.containers[0]!, false);
  assert.deepEqual(pod.labels, {});
  assert.equal(pod.metadata.resourceVersion, undefined);
  const bare = summarizePod({}, new SharedValues());
  assert.deepEqual([bare.namespace, bare.name, bare.uid, bare.containers], ['', '', '', []]);
});

test('the owner is the controller reference, else the first one', () => {
  const values = new SharedValues();
  const refs = [
    { kind: 'ConfigMap', name: 'first' },
    { kind: 'StatefulSet', name: 'db', controller: true },
  ];
  const pod = (ownerReferences: typeof refs) =>
    summarizePod({ metadata: { namespace: 'a', name: 'p', ownerReferences } }, values);
  assert.deepEqual({ ...pod(refs).owner }, { kind: 'StatefulSet', name: 'db' });
  assert.deepEqual({ ...pod([refs[0]!]).owner }, { kind: 'ConfigMap', name: 'first' });
});

test('container IDs: the last status of a name wins, an empty ID is none, odd values round-trip', () => {
  const pod = summarizePod(
    {
      metadata: { namespace: 'a', name: 'p' },
      spec: { containers: [{ name: 'a' }, { name: 'b' }, { name: 'c' }] },
      status: {
        containerStatuses: [
          { name: 'a', containerID: 'docker://old' },
          { name: 'a', containerID: 'docker://new' },
          { name: 'b', containerID: '' },
        ],
      },
    },
    new SharedValues(),
  );
  assert.deepEqual(pod.containers, [{ name: 'a', id: 'docker://new' }, { name: 'b' }, { name: 'c' }]);
  const odd = summarizePod(
    {
      metadata: { namespace: 'a', name: 'p' },
      spec: { containers: [{ name: 'x' }, { name: 'y' }] },
      status: { containerStatuses: [{ name: 'x', containerID: 'cri-o://a\u0000b' }] },
    },
    new SharedValues(),
  );
  assert.deepEqual(odd.containers, [{ name: 'x', id: 'cri-o://a\u0000b' }, { name: 'y' }]);
});

test('containers are a new array each time: a caller changing it leaves the cache as it was', () => {
  for (const id of ['containerd://1', 'odd\u0000id']) {
    const pod = summarizePod(
      {
        metadata: { namespace: 'a', name: 'p' },
        spec: { containers: [{ name: 'x' }] },
        status: { containerStatuses: [{ name: 'x', containerID: id }] },
      },
      new SharedValues(),
    );
    const containers = pod.containers;
    containers[0]!.name = 'changed';
    containers.push({ name: 'extra' });
    assert.notEqual(pod.containers, containers);
    assert.deepEqual(pod.containers, [{ name: 'x', id }]);
  }
});

test('pods of one template share their labels and owner; other values get their own', () => {
  const values = new SharedValues();
  const one = summarizePod(realisticPod('cart-1'), values);
  const two = summarizePod(realisticPod('cart-2'), values);
  assert.equal(one.labels, two.labels);
  assert.equal(one.owner, two.owner);
  const other = summarizePod(realisticPod('cart-3', { app: 'cart', canary: 'true' }), values);
  assert.notEqual(other.labels, one.labels);
  assert.equal(other.labels.canary, 'true');
  assert.equal(one.labels.canary, undefined);
  // The same labels in another order are equal, not shared: still right, only not as small.
  const reordered = summarizePod(
    {
      metadata: {
        namespace: 'shop',
        name: 'r',
        labels: Object.fromEntries(Object.entries(one.labels).reverse()),
      },
    },
    values,
  );
  assert.deepEqual({ ...reordered.labels }, { ...one.labels });
});

test('a full table starts over; summaries made before keep their values', () => {
  const values = new SharedValues(2);
  const pods = ['a', 'b', 'c', 'd'].map((app) =>
    summarizePod({ metadata: { namespace: 'n', name: app, labels: { app } } }, values),
  );
  assert.deepEqual(
    pods.map((pod) => pod.labels.app),
    ['a', 'b', 'c', 'd'],
  );
  const again = summarizePod({ metadata: { namespace: 'n', name: 'd2', labels: { app: 'd' } } }, values);
  assert.equal(again.labels, pods[3]!.labels, 'shared again after the table started over');
  assert.equal(values.string('x'), 'x');
});

test('the informer store keys, versions and indexes summaries like any object', () => {
  const store = new ObjectStore<ReturnType<typeof summarizePod>>({
    indexers: { node: (pod) => (pod.nodeName ? [pod.nodeName] : []) },
  });
  const pod = summarizePod(realisticPod('cart-1'), new SharedValues());
  assert.equal(objectKey(pod), 'shop/cart-1');
  store.set(pod);
  assert.equal(store.get({ namespace: 'shop', name: 'cart-1' }), pod);
  assert.deepEqual(store.list({ namespace: 'shop' }), [pod]);
  assert.deepEqual(store.byIndex('node', 'node-3'), [pod]);
});

test('pod candidates read summaries: container names, node and workload', () => {
  const values = new SharedValues();
  const pods = [summarizePod(realisticPod('cart-1'), values), summarizePod(realisticPod('cart-2'), values)];
  const selector = { labelSelector: { matchLabels: { app: 'cart' } }, containerNames: ['proxy'] };
  assert.deepEqual(
    podCandidates({ pods, selector, experimentNamespace: 'shop' }).map((c) => [c.name, c.node, c.workload]),
    [
      ['cart-1', 'node-3', 'shop/ReplicaSet/cart-5d9c7b8f4'],
      ['cart-2', 'node-3', 'shop/ReplicaSet/cart-5d9c7b8f4'],
    ],
  );
  assert.deepEqual(
    podCandidates({
      pods,
      selector: { ...selector, containerNames: ['sidecar'] },
      experimentNamespace: 'shop',
    }),
    [],
  );
});
