// Cache lag: watch events arrive late by a configurable delay and jitter, and never out of order.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { CoreV1Api, type KubeConfig, type V1Pod, Watch } from '@kubernetes/client-node';
import { type KubeApiServer, kubeConfigFor, startKubeApiServer } from './index.ts';
import { EventRecorder, waitFor } from './test-support.ts';
import { OrderedDelivery } from './watch-delay.ts';

interface Arrival {
  type: string;
  name?: string;
  resourceVersion: number;
  at: number;
}

function podBody(name: string): V1Pod {
  return { metadata: { name }, spec: { nodeName: 'n1', containers: [{ name: 'c', image: 'i' }] } };
}

async function watchPods(config: KubeConfig, namespace: string, resourceVersion: string) {
  const arrivals = new EventRecorder<Arrival>();
  const controller = await new Watch(config).watch(
    `/api/v1/namespaces/${namespace}/pods`,
    { resourceVersion, allowWatchBookmarks: true },
    (type, object: { metadata?: { name?: string; resourceVersion?: string } }) => {
      arrivals.push({
        type,
        name: object.metadata?.name,
        resourceVersion: Number(object.metadata?.resourceVersion),
        at: performance.now(),
      });
    },
    () => {},
  );
  return { arrivals, stop: () => controller.abort() };
}

describe('OrderedDelivery', () => {
  it('delivers in queue order even when a later action draws a shorter delay', async () => {
    const delays = [40, 25, 10, 0];
    const delivery = new OrderedDelivery({ delayMs: () => delays.shift() ?? 0 });
    const seen: number[] = [];
    const startedAt = performance.now();
    for (const index of [0, 1, 2, 3]) delivery.push(() => seen.push(index));
    assert.deepEqual(seen, [], 'the zero-delay action waits behind the pending ones');
    await new Promise((resolve) => setTimeout(resolve, 80));
    assert.deepEqual(seen, [0, 1, 2, 3]);
    assert.ok(performance.now() - startedAt >= 40);
  });

  it('runs at once when there is no delay and nothing pending', () => {
    const delivery = new OrderedDelivery({ delayMs: () => 0 });
    const seen: number[] = [];
    delivery.push(() => seen.push(1));
    assert.deepEqual(seen, [1]);
  });

  it('drops what is pending when cleared', async () => {
    const delivery = new OrderedDelivery({ delayMs: () => 10 });
    const seen: number[] = [];
    delivery.push(() => seen.push(1));
    delivery.clear();
    await new Promise((resolve) => setTimeout(resolve, 30));
    assert.deepEqual(seen, []);
    assert.equal(delivery.pendingCount, 0);
  });
});

describe('watch delay (cache lag)', () => {
  let server: KubeApiServer;
  let config: KubeConfig;
  let core: CoreV1Api;

  before(async () => {
    server = await startKubeApiServer({ watchDelay: { baseMs: 150, jitterMs: 0 }, bookmarkIntervalMs: 20 });
    config = kubeConfigFor(server);
    core = config.makeApiClient(CoreV1Api);
    server.create({ apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'jitter' } });
  });
  after(async () => {
    await server.close();
  });

  it('holds each event back by the configured delay while reads are already current', async () => {
    const list = await core.listNamespacedPod({ namespace: 'default' });
    const watch = await watchPods(config, 'default', list.metadata!.resourceVersion!);
    const writtenAt = performance.now();
    await core.createNamespacedPod({ namespace: 'default', body: podBody('late') });
    // A GET is served from storage at once; the watch (the "cache") has not seen the pod yet.
    assert.equal(
      (await core.readNamespacedPod({ namespace: 'default', name: 'late' })).metadata?.name,
      'late',
    );
    assert.equal(watch.arrivals.events.filter((event) => event.type === 'ADDED').length, 0);
    // Bookmarks share the lane, so wait for the ADDED itself rather than for any first event.
    const added = await waitFor({
      condition: () => watch.arrivals.events.find((event) => event.type === 'ADDED'),
      what: 'the delayed ADDED',
    });
    assert.ok(added, 'the ADDED event arrives in the end');
    assert.ok(added.at - writtenAt >= 140, `arrived after ${added.at - writtenAt} ms`);
    watch.stop();
  });

  it('changes at runtime through setWatchDelay', async () => {
    server.setWatchDelay({ baseMs: 0, jitterMs: 0 });
    assert.deepEqual(server.watchDelay, { baseMs: 0, jitterMs: 0 });
    const list = await core.listNamespacedPod({ namespace: 'default' });
    const watch = await watchPods(config, 'default', list.metadata!.resourceVersion!);
    const writtenAt = performance.now();
    await core.createNamespacedPod({ namespace: 'default', body: podBody('prompt') });
    const event = await waitFor({
      condition: () => watch.arrivals.events.find((arrival) => arrival.type === 'ADDED'),
      what: 'the prompt ADDED',
    });
    assert.ok(event.at - writtenAt < 140, `arrived after ${event.at - writtenAt} ms`);
    watch.stop();
    assert.throws(() => server.setWatchDelay({ baseMs: -1, jitterMs: 0 }), RangeError);
  });

  it('keeps the order of one stream under jitter, bookmarks included', async () => {
    server.setWatchDelay({ baseMs: 0, jitterMs: 60 });
    const list = await core.listNamespacedPod({ namespace: 'jitter' });
    const watch = await watchPods(config, 'jitter', list.metadata!.resourceVersion!);
    const names = Array.from({ length: 30 }, (_, index) => `pod-${index}`);
    await Promise.all(
      names.map((name) => core.createNamespacedPod({ namespace: 'jitter', body: podBody(name) })),
    );
    await Promise.all(
      names.map((name) => core.deleteNamespacedPod({ namespace: 'jitter', name, gracePeriodSeconds: 0 })),
    );
    await watch.arrivals.waitForCount(60, 'every ADDED and DELETED', 10_000);
    await new Promise((resolve) => setTimeout(resolve, 100));
    const versions = watch.arrivals.events.map((event) => event.resourceVersion);
    for (let index = 1; index < versions.length; index += 1) {
      assert.ok(versions[index]! >= versions[index - 1]!, `out of order at ${index}: ${versions.join(',')}`);
    }
    const changes = watch.arrivals.events.filter((event) => event.type !== 'BOOKMARK');
    assert.equal(changes.length, 60);
    watch.stop();
    server.setWatchDelay({ baseMs: 0, jitterMs: 0 });
  });
});
