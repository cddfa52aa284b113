// The JS test controls: failNext, setLatency, request accounting, seed() at benchmark scale.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { ApiException, CoordinationV1Api, CoreV1Api } from '@kubernetes/client-node';
import { type KubeApiServer, kubeConfigFor, makeRunningPod, startKubeApiServer } from './index.ts';

describe('test controls', () => {
  let server: KubeApiServer;
  let core: CoreV1Api;
  let coordination: CoordinationV1Api;

  before(async () => {
    server = await startKubeApiServer();
    const config = kubeConfigFor(server);
    core = config.makeApiClient(CoreV1Api);
    coordination = config.makeApiClient(CoordinationV1Api);
  });
  after(async () => {
    await server.close();
  });

  it('fails the next matching requests with the given status, then recovers', async () => {
    server.failNext({ count: 2, status: 503, match: { verb: 'list', resource: 'pods' } });
    await core.listNamespacedConfigMap({ namespace: 'default' });
    for (let attempt = 0; attempt < 2; attempt += 1) {
      const failure = await core.listNamespacedPod({ namespace: 'default' }).catch((e) => e);
      assert.ok(failure instanceof ApiException);
      assert.equal(failure.code, 503);
      const status = JSON.parse(failure.body as string);
      assert.equal(status.kind, 'Status');
      assert.equal(status.reason, 'ServiceUnavailable');
    }
    const recovered = await core.listNamespacedPod({ namespace: 'default' });
    assert.deepEqual(recovered.items, []);
  });

  it('injects conflicts on writes with a custom reason', async () => {
    await coordination.createNamespacedLease({
      namespace: 'default',
      body: { metadata: { name: 'l' }, spec: {} },
    });
    server.failNext({
      count: 1,
      status: 409,
      reason: 'Conflict',
      match: { verb: 'update', resource: 'leases' },
    });
    const lease = await coordination.readNamespacedLease({ namespace: 'default', name: 'l' });
    const failure = await coordination
      .replaceNamespacedLease({ namespace: 'default', name: 'l', body: lease })
      .catch((e) => e);
    assert.equal((failure as ApiException<unknown>).code, 409);
    const retried = await coordination.replaceNamespacedLease({
      namespace: 'default',
      name: 'l',
      body: lease,
    });
    assert.equal(retried.metadata?.name, 'l');
  });

  it('can target only a subresource', async () => {
    await core.createNamespacedPod({
      namespace: 'default',
      body: { metadata: { name: 'p' }, spec: { containers: [{ name: 'c', image: 'i' }] } },
    });
    server.failNext({ count: 1, status: 500, match: { resource: 'pods/status' } });
    await core.readNamespacedPod({ namespace: 'default', name: 'p' });
    const failure = await core.readNamespacedPodStatus({ namespace: 'default', name: 'p' }).catch((e) => e);
    assert.equal((failure as ApiException<unknown>).code, 500);
  });

  it('validates failNext arguments', () => {
    assert.throws(() => server.failNext({ count: 0, status: 500 }), RangeError);
    assert.throws(() => server.failNext({ count: 1, status: 200 }), RangeError);
  });

  it('delays every request by the configured latency', async () => {
    server.setLatency(60);
    try {
      const started = performance.now();
      await core.listNamespacedPod({ namespace: 'default' });
      assert.ok(performance.now() - started >= 55, 'the request took at least the latency');
    } finally {
      server.setLatency(0);
    }
  });

  it('counts and logs requests by verb and resource', async () => {
    server.resetRequestLog();
    await core.listNamespacedPod({ namespace: 'default' });
    await core.listPodForAllNamespaces();
    await core.readNamespacedPod({ namespace: 'default', name: 'p' });
    await core.readNamespacedPod({ namespace: 'default', name: 'missing' }).catch(() => undefined);
    assert.deepEqual(server.requestCounts(), { 'list pods': 2, 'get pods': 2 });
    assert.equal(server.countRequests({ verb: 'get' }), 2);
    assert.equal(server.countRequests({ resource: 'pods' }), 4);
    const last = server.requestLog.at(-1)!;
    assert.equal(last.method, 'GET');
    assert.equal(last.path, '/api/v1/namespaces/default/pods/missing');
    assert.equal(last.status, 404);
    assert.equal(last.namespace, 'default');
    assert.equal(last.name, 'missing');
  });

  it('seeds 50,000 pods without HTTP and lists them quickly, filtered and paged', async () => {
    const pods = [];
    for (let index = 0; index < 50_000; index += 1) {
      pods.push(
        makeRunningPod({
          name: `pod-${index}`,
          namespace: `ns-${index % 50}`,
          labels: { app: `app-${index % 100}` },
          nodeName: `node-${index % 20}`,
        }),
      );
    }
    const seedStart = performance.now();
    server.seed(pods);
    const seedMs = performance.now() - seedStart;

    const listStart = performance.now();
    const all = await core.listPodForAllNamespaces();
    const listMs = performance.now() - listStart;
    assert.equal(all.items.length, 50_001);

    const filteredStart = performance.now();
    const filtered = await core.listPodForAllNamespaces({
      labelSelector: 'app=app-7',
      fieldSelector: 'spec.nodeName=node-7',
    });
    const filteredMs = performance.now() - filteredStart;
    assert.equal(filtered.items.length, 500);

    const inNamespace = await core.listNamespacedPod({ namespace: 'ns-3', limit: 400 });
    assert.equal(inNamespace.items.length, 400);
    assert.equal(inNamespace.metadata?.remainingItemCount, 600);

    console.log(
      `seed 50k: ${seedMs.toFixed(0)} ms, list 50k via client-node: ${listMs.toFixed(0)} ms, filtered list: ${filteredMs.toFixed(0)} ms`,
    );
    // Generous bounds: they catch accidental quadratic behaviour, not machine speed.
    assert.ok(seedMs < 5_000, `seed took ${seedMs} ms`);
    assert.ok(filteredMs < 2_000, `filtered list took ${filteredMs} ms`);
  });
});
