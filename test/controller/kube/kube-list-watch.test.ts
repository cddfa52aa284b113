import assert from 'node:assert/strict';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, before, describe, test } from 'node:test';
import { KubeConfig, type KubernetesObject } from '@kubernetes/client-node';
import { listWatchFromKube } from '../../../controller/kube/kube-list-watch.ts';
import type { WatchEvent } from '../../../controller/runtime/informer/list-watch.ts';

/** What the tiny server does with the next watch request, keyed by the resourceVersion asked for. */
type WatchScript = (request: IncomingMessage, response: ServerResponse) => void;

const PATH = '/api/v1/namespaces/ns/configmaps';
const scripts = new Map<string, WatchScript>();
const seenQueries: URLSearchParams[] = [];
let server: Server;
let kubeConfig: KubeConfig;

function configMap(name: string, resourceVersion: string): KubernetesObject {
  return { apiVersion: 'v1', kind: 'ConfigMap', metadata: { namespace: 'ns', name, resourceVersion } };
}

before(async () => {
  server = createServer((request, response) => {
    const url = new URL(request.url ?? '/', 'http://127.0.0.1');
    seenQueries.push(url.searchParams);
    const script =
      url.pathname === PATH ? scripts.get(url.searchParams.get('resourceVersion') ?? '') : undefined;
    if (!script) {
      response.writeHead(404).end();
      return;
    }
    script(request, response);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  kubeConfig = new KubeConfig();
  kubeConfig.loadFromOptions({
    clusters: [{ name: 'test', server: `http://127.0.0.1:${port}`, skipTLSVerify: true }],
    users: [{ name: 'test' }],
    contexts: [{ name: 'test', cluster: 'test', user: 'test' }],
    currentContext: 'test',
  });
});

after(async () => {
  server.closeAllConnections();
  await new Promise<void>((resolve) => server.close(() => resolve()));
});

function newListWatch() {
  return listWatchFromKube<KubernetesObject>({
    kubeConfig,
    path: PATH,
    labelSelector: 'app=web',
    list: async () => ({ items: [configMap('a', '5')], metadata: { resourceVersion: '7' } }),
  });
}

describe('listWatchFromKube (against a local HTTP server)', () => {
  test('list maps items and resourceVersion', async () => {
    const listed = await newListWatch().list({ signal: new AbortController().signal });
    assert.equal(listed.resourceVersion, '7');
    assert.deepEqual(
      listed.items.map((item) => item.metadata?.name),
      ['a'],
    );
  });

  test('streams events, sends selectors and bookmarks flag, resolves when the server closes', async () => {
    scripts.set('7', (_request, response) => {
      response.writeHead(200, { 'content-type': 'application/json' });
      response.write(`${JSON.stringify({ type: 'ADDED', object: configMap('b', '8') })}\n`);
      response.write(`${JSON.stringify({ type: 'DELETED', object: configMap('a', '9') })}\n`);
      response.end();
    });
    const events: WatchEvent<KubernetesObject>[] = [];
    await newListWatch().watch({
      resourceVersion: '7',
      signal: new AbortController().signal,
      onEvent: (event) => events.push(event),
    });
    assert.deepEqual(
      events.map(
        (event) =>
          `${event.type} ${event.object.kind === 'ConfigMap' ? (event.object as KubernetesObject).metadata?.name : ''}`,
      ),
      ['ADDED b', 'DELETED a'],
    );
    const query = seenQueries.at(-1)!;
    assert.equal(query.get('watch'), 'true');
    assert.equal(query.get('labelSelector'), 'app=web');
    assert.equal(query.get('allowWatchBookmarks'), 'true');
  });

  test('an HTTP 410 rejects with code Gone; another status with WatchFailed', async () => {
    scripts.set('1', (_request, response) => response.writeHead(410).end());
    scripts.set('2', (_request, response) => response.writeHead(500).end());
    const listWatch = newListWatch();
    const signal = new AbortController().signal;
    await assert.rejects(listWatch.watch({ resourceVersion: '1', signal, onEvent: () => {} }), {
      code: 'Gone',
    });
    await assert.rejects(listWatch.watch({ resourceVersion: '2', signal, onEvent: () => {} }), {
      code: 'WatchFailed',
    });
  });

  test('an ERROR event is passed through for the informer to judge', async () => {
    scripts.set('3', (_request, response) => {
      response.writeHead(200, { 'content-type': 'application/json' });
      response.end(
        `${JSON.stringify({ type: 'ERROR', object: { kind: 'Status', code: 410, reason: 'Expired' } })}\n`,
      );
    });
    const events: WatchEvent<KubernetesObject>[] = [];
    await newListWatch().watch({
      resourceVersion: '3',
      signal: new AbortController().signal,
      onEvent: (event) => events.push(event),
    });
    assert.equal(events[0]?.type, 'ERROR');
    assert.equal(events[0]?.type === 'ERROR' ? events[0].object.code : 0, 410);
  });

  test('aborting the signal ends an open stream and resolves', async () => {
    let received: () => void = () => {};
    const firstEvent = new Promise<void>((resolve) => {
      received = resolve;
    });
    scripts.set('4', (_request, response) => {
      response.writeHead(200, { 'content-type': 'application/json' });
      // Left open after this line: only the client's abort ends it.
      response.write(
        `${JSON.stringify({ type: 'BOOKMARK', object: { metadata: { resourceVersion: '10' } } })}\n`,
      );
    });
    const controller = new AbortController();
    const events: string[] = [];
    const watching = newListWatch().watch({
      resourceVersion: '4',
      signal: controller.signal,
      onEvent: (event) => {
        events.push(event.type);
        received();
      },
    });
    await firstEvent;
    controller.abort();
    await watching;
    assert.deepEqual(events, ['BOOKMARK']);
  });
});
