// makeRunningPod / makeWorkload with size 'realistic': pods as big as a real Deployment's, for
// benchmarks; the default stays minimal.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { makeRunningPod } from './pod-factory.ts';
import { makeWorkload } from './workload-factory.ts';

type Pod = {
  metadata: { labels: Record<string, string>; annotations?: Record<string, string> };
  spec: { containers: { name: string }[]; initContainers?: unknown[]; nodeName: string };
  status: { phase: string; containerStatuses: { name: string; ready: boolean }[]; qosClass: string };
};

test('realistic pods carry several containers, labels, annotations and a matching status', () => {
  const pod = makeRunningPod({
    name: 'cart-0',
    labels: { app: 'cart' },
    nodeName: 'node-7',
    size: 'realistic',
  }) as unknown as Pod;
  assert.deepEqual(
    pod.spec.containers.map((c) => c.name),
    ['app', 'proxy', 'log-shipper'],
  );
  assert.equal(pod.spec.initContainers?.length, 1);
  assert.equal(pod.spec.nodeName, 'node-7');
  assert.equal(pod.metadata.labels.app, 'cart', 'the given labels are kept');
  assert.ok(Object.keys(pod.metadata.labels).length >= 6);
  assert.ok(Object.keys(pod.metadata.annotations ?? {}).length >= 5);
  assert.equal(pod.status.phase, 'Running');
  assert.equal(pod.status.qosClass, 'Burstable');
  assert.deepEqual(
    pod.status.containerStatuses.map((c) => [c.name, c.ready]),
    [
      ['app', true],
      ['proxy', true],
      ['log-shipper', true],
    ],
  );
  const bytes = JSON.stringify(pod).length;
  assert.ok(bytes > 5000 && bytes < 12_000, `a realistic pod is 5-12 KB of JSON, not ${bytes}`);
});

test('workloads pass the size to their pods and template; minimal stays the default', () => {
  const realistic = makeWorkload({ name: 'cart', replicas: 2, podSize: 'realistic' });
  const minimal = makeWorkload({ name: 'cart', replicas: 2 });
  const containers = (pod: unknown) => (pod as Pod).spec.containers.length;
  assert.equal(containers(realistic.pods[1]), 3);
  assert.equal(
    (realistic.replicaSet.spec as { template: { spec: { containers: unknown[] } } }).template.spec.containers
      .length,
    3,
  );
  assert.equal(containers(minimal.pods[0]), 1);
  assert.ok(JSON.stringify(minimal.pods[0]).length < 2000);
});
