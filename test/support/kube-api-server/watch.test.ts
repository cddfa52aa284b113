// Watches through client-node's Watch and makeInformer: resume, bookmarks, timeouts, selectors, 410.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import {
  CoreV1Api,
  type KubeConfig,
  makeInformer,
  PatchStrategy,
  setHeaderOptions,
  type V1Pod,
  Watch,
} from '@kubernetes/client-node';
import { type KubeApiServer, kubeConfigFor, startKubeApiServer } from './index.ts';
import { createNamespaces, EventRecorder, waitFor } from './test-support.ts';

interface SeenEvent {
  type: string;
  name?: string;
  resourceVersion?: string;
  code?: number;
  reason?: string;
}

function podBody(name: string, labels: Record<string, string> = {}): V1Pod {
  return { metadata: { name, labels }, spec: { nodeName: 'n1', containers: [{ name: 'c', image: 'i' }] } };
}

async function openWatch(options: {
  config: KubeConfig;
  path: string;
  query: Record<string, string | number | boolean | undefined>;
}) {
  const events = new EventRecorder<SeenEvent>();
  let doneError: unknown = 'not done';
  const controller = await new Watch(options.config).watch(
    options.path,
    options.query,
    (
      type,
      object: { metadata?: { name?: string; resourceVersion?: string }; code?: number; reason?: string },
    ) => {
      events.push({
        type,
        name: object.metadata?.name,
        resourceVersion: object.metadata?.resourceVersion,
        code: object.code,
        reason: object.reason,
      });
    },
    (error) => {
      doneError = error;
    },
  );
  return {
    events,
    controller,
    done: () => doneError !== 'not done',
    doneError: () => doneError,
  };
}

describe('watch', () => {
  let server: KubeApiServer;
  let config: KubeConfig;
  let core: CoreV1Api;

  before(async () => {
    server = await startKubeApiServer({ historySize: 50, bookmarkIntervalMs: 50 });
    createNamespaces(server, 'w1', 'w2', 'w3', 'w4', 'w5', 'w6', 'w7', 'other');
    config = kubeConfigFor(server);
    core = config.makeApiClient(CoreV1Api);
  });
  after(async () => {
    await server.close();
  });

  it('starts with synthetic ADDED events when no resourceVersion is given, then streams changes', async () => {
    await core.createNamespacedPod({ namespace: 'w1', body: podBody('existing') });
    await core.createNamespacedPod({ namespace: 'other', body: podBody('elsewhere') });
    const watch = await openWatch({ config, path: '/api/v1/namespaces/w1/pods', query: {} });
    await watch.events.waitForCount(1, 'initial ADDED');
    await core.createNamespacedPod({ namespace: 'w1', body: podBody('fresh') });
    await core.patchNamespacedPod(
      { namespace: 'w1', name: 'fresh', body: { metadata: { labels: { x: 'y' } } } },
      setHeaderOptions('Content-Type', PatchStrategy.MergePatch),
    );
    await core.deleteNamespacedPod({ namespace: 'w1', name: 'fresh', gracePeriodSeconds: 0 });
    const events = await watch.events.waitForCount(4, 'live events');
    assert.deepEqual(
      events.map((event) => `${event.type} ${event.name}`),
      ['ADDED existing', 'ADDED fresh', 'MODIFIED fresh', 'DELETED fresh'],
    );
    const versions = events.slice(1).map((event) => Number(event.resourceVersion));
    assert.ok(versions[0]! < versions[1]! && versions[1]! < versions[2]!, 'resourceVersions increase');
    watch.controller.abort();
  });

  it('resumes from a resourceVersion, replaying only newer events', async () => {
    const list = await core.listNamespacedPod({ namespace: 'w2' });
    await core.createNamespacedPod({ namespace: 'w2', body: podBody('a') });
    await core.createNamespacedPod({ namespace: 'w2', body: podBody('b') });
    const watch = await openWatch({
      config,
      path: '/api/v1/namespaces/w2/pods',
      query: { resourceVersion: list.metadata?.resourceVersion },
    });
    const events = await watch.events.waitForCount(2, 'replayed events');
    assert.deepEqual(
      events.map((event) => `${event.type} ${event.name}`),
      ['ADDED a', 'ADDED b'],
    );
    watch.controller.abort();
  });

  it('turns selector transitions into ADDED and DELETED, and filters by field selector', async () => {
    const start = await core.listNamespacedPod({ namespace: 'w3' });
    const labelled = await openWatch({
      config,
      path: '/api/v1/namespaces/w3/pods',
      query: { resourceVersion: start.metadata?.resourceVersion, labelSelector: 'chaos=on' },
    });
    const byName = await openWatch({
      config,
      path: '/api/v1/pods',
      query: { resourceVersion: start.metadata?.resourceVersion, fieldSelector: 'metadata.name=target' },
    });
    await core.createNamespacedPod({ namespace: 'w3', body: podBody('target') });
    await core.createNamespacedPod({ namespace: 'w3', body: podBody('bystander', { chaos: 'on' }) });
    const label = (value: string | null) =>
      core.patchNamespacedPod(
        { namespace: 'w3', name: 'target', body: { metadata: { labels: { chaos: value } } } },
        setHeaderOptions('Content-Type', PatchStrategy.MergePatch),
      );
    await label('on');
    await label(null);
    const events = await labelled.events.waitForCount(3, 'selector events');
    assert.deepEqual(
      events.map((event) => `${event.type} ${event.name}`),
      ['ADDED bystander', 'ADDED target', 'DELETED target'],
    );
    const named = await byName.events.waitForCount(3, 'field selector events');
    assert.deepEqual(
      named.map((event) => `${event.type} ${event.name}`),
      ['ADDED target', 'MODIFIED target', 'MODIFIED target'],
    );
    labelled.controller.abort();
    byName.controller.abort();
  });

  it('sends BOOKMARK events with the current resourceVersion when asked', async () => {
    const watch = await openWatch({
      config,
      path: '/api/v1/namespaces/w4/pods',
      query: { resourceVersion: server.resourceVersion, allowWatchBookmarks: true },
    });
    await core.createNamespacedConfigMap({ namespace: 'w4', body: { metadata: { name: 'unrelated' } } });
    const expected = server.resourceVersion;
    await waitFor({
      condition: () =>
        watch.events.events.some((event) => event.type === 'BOOKMARK' && event.resourceVersion === expected),
      what: 'a bookmark at the latest version',
    });
    watch.controller.abort();
  });

  it('ends the stream after timeoutSeconds', async () => {
    const started = Date.now();
    const watch = await openWatch({
      config,
      path: '/api/v1/namespaces/w5/pods',
      query: { timeoutSeconds: 1 },
    });
    await waitFor({ condition: watch.done, what: 'the watch to end', timeoutMs: 3000 });
    assert.equal(watch.doneError(), null);
    assert.ok(Date.now() - started >= 900);
  });

  it('answers a resume from a compacted version with HTTP 200 and an ERROR 410 Expired event', async () => {
    const old = server.resourceVersion;
    await core.createNamespacedPod({ namespace: 'w6', body: podBody('after-old') });
    server.compactHistory();
    const watch = await openWatch({
      config,
      path: '/api/v1/namespaces/w6/pods',
      query: { resourceVersion: old },
    });
    await waitFor({ condition: watch.done, what: 'the expired watch to end' });
    assert.deepEqual(watch.events.events, [
      { type: 'ERROR', name: undefined, resourceVersion: undefined, code: 410, reason: 'Expired' },
    ]);
    assert.equal(watch.doneError(), null);
  });

  it('expires versions that fell out of the history window', async () => {
    const old = server.resourceVersion;
    for (let index = 0; index < 60; index += 1) {
      await core.createNamespacedConfigMap({ namespace: 'w7', body: { metadata: { name: `cm-${index}` } } });
    }
    const watch = await openWatch({
      config,
      path: '/api/v1/namespaces/w7/configmaps',
      query: { resourceVersion: old },
    });
    await waitFor({ condition: watch.done, what: 'the expired watch to end' });
    assert.equal(watch.events.events[0]?.code, 410);
  });
});

describe('informers against the test server', () => {
  let server: KubeApiServer;
  let config: KubeConfig;
  let core: CoreV1Api;

  before(async () => {
    server = await startKubeApiServer();
    createNamespaces(server, 'inf');
    config = kubeConfigFor(server);
    core = config.makeApiClient(CoreV1Api);
  });
  after(async () => {
    await server.close();
  });

  function podInformer() {
    const informer = makeInformer(config, '/api/v1/namespaces/inf/pods', () =>
      core.listNamespacedPod({ namespace: 'inf' }),
    );
    const added = new EventRecorder<string>();
    const deleted = new EventRecorder<string>();
    const connects = new EventRecorder<number>();
    const errors = new EventRecorder<unknown>();
    informer.on('add', (pod) => added.push(pod.metadata?.name ?? ''));
    informer.on('delete', (pod) => deleted.push(pod.metadata?.name ?? ''));
    informer.on('connect', () => connects.push(Date.now()));
    informer.on('error', (error) => errors.push(error));
    return { informer, added, deleted, connects, errors };
  }

  it('lists, watches, and reconnects by itself after a graceful server-side close', async () => {
    await core.createNamespacedPod({ namespace: 'inf', body: podBody('p1') });
    const { informer, added, connects } = podInformer();
    await informer.start();
    await added.waitForCount(1, 'initial list');
    await waitFor({ condition: () => server.openWatchCount === 1, what: 'the watch to open' });
    assert.equal(server.dropWatches({ graceful: true }), 1);
    await connects.waitForCount(2, 'a reconnect');
    await core.createNamespacedPod({ namespace: 'inf', body: podBody('p2') });
    assert.deepEqual(await added.waitForCount(2, 'an event after reconnecting'), ['p1', 'p2']);
    assert.equal(server.countRequests({ verb: 'list', resource: 'pods' }), 1, 'resumed without relisting');
    await informer.stop();
  });

  it('survives an abrupt drop when restarted on error, as a controller does', async () => {
    const { informer, added, errors } = podInformer();
    let stopped = false;
    informer.on('error', () => {
      setTimeout(() => {
        if (!stopped) void informer.start();
      }, 10);
    });
    await informer.start();
    await added.waitForCount(2, 'initial list');
    await waitFor({ condition: () => server.openWatchCount === 1, what: 'the watch to open' });
    server.dropWatches();
    await errors.waitForCount(1, 'the drop to surface as an error');
    await waitFor({ condition: () => server.openWatchCount === 1, what: 'the watch to reopen' });
    await core.createNamespacedPod({ namespace: 'inf', body: podBody('p3') });
    await added.waitForCount(3, 'an event after the restart');
    assert.equal(informer.list().length, 3);
    stopped = true;
    await informer.stop();
  });

  it('relists after 410 Expired and catches up with what it missed', async () => {
    const { informer, added, deleted } = podInformer();
    await informer.start();
    await added.waitForCount(3, 'initial list');
    await waitFor({ condition: () => server.openWatchCount === 1, what: 'the watch to open' });
    await informer.stop();
    server.resetRequestLog();
    await core.createNamespacedPod({ namespace: 'inf', body: podBody('missed') });
    await core.deleteNamespacedPod({ namespace: 'inf', name: 'p1', gracePeriodSeconds: 0 });
    server.compactHistory();
    await informer.start();
    await added.waitForCount(4, 'the missed pod after relisting');
    await deleted.waitForCount(1, 'the deletion noticed by the relist');
    assert.deepEqual(deleted.events, ['p1']);
    assert.equal(server.countRequests({ verb: 'list', resource: 'pods' }), 1, 'one relist after the 410');
    // The fresh watch opens after the relist; under load it may still be on its way.
    await waitFor({
      condition: () => server.countRequests({ verb: 'watch', resource: 'pods' }) >= 2,
      what: 'the expired watch, then a fresh one',
    });
    await informer.stop();
  });
});
