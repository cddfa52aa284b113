import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import type { KubernetesObject } from '@kubernetes/client-node';
import { FakeClock } from '../../../../controller/runtime/clock.ts';
import { indexByLabel, objectKey } from '../../../../controller/runtime/informer/object-store.ts';
import { ResilientInformer } from '../../../../controller/runtime/informer/resilient-informer.ts';
import { FakeListWatch, type Fault } from './fake-list-watch.ts';

/** Builds the informer plus a "mirror" that is maintained only from handler calls. */
function setup(options: { api?: FakeListWatch } = {}) {
  const clock = new FakeClock();
  const api = options.api ?? new FakeListWatch();
  const informer = new ResilientInformer<KubernetesObject>({
    listWatch: api,
    clock,
    name: 'configmaps',
    indexers: { byApp: indexByLabel('app') },
    random: () => 0,
  });
  const mirror = new Map<string, string | undefined>();
  const log: string[] = [];
  informer.addHandlers({
    onAdd: (object) => {
      log.push(`add ${objectKey(object)}`);
      assert.equal(mirror.has(objectKey(object)), false, `add of ${objectKey(object)} which the mirror has`);
      mirror.set(objectKey(object), object.metadata?.resourceVersion);
    },
    onUpdate: (previous, current) => {
      log.push(`update ${objectKey(current)}`);
      assert.equal(mirror.get(objectKey(previous)), previous.metadata?.resourceVersion);
      mirror.set(objectKey(current), current.metadata?.resourceVersion);
    },
    onDelete: (object, info) => {
      log.push(`delete ${objectKey(object)}${info.finalStateUnknown ? ' (relist)' : ''}`);
      assert.equal(mirror.delete(objectKey(object)), true, `delete of unknown ${objectKey(object)}`);
    },
  });
  const controller = new AbortController();
  const running = informer.run({ signal: controller.signal });
  return { clock, api, informer, mirror, log, controller, running };
}

function truthVersions(api: FakeListWatch): Map<string, string | undefined> {
  return new Map([...api.truth].map(([key, object]) => [key, object.metadata?.resourceVersion]));
}

function cacheVersions(informer: ResilientInformer<KubernetesObject>): Map<string, string | undefined> {
  return new Map(informer.list().map((object) => [objectKey(object), object.metadata?.resourceVersion]));
}

async function stop(context: ReturnType<typeof setup>) {
  context.controller.abort();
  await context.clock.advance(0);
  await context.running;
}

describe('ResilientInformer', () => {
  test('lists, syncs, then follows the watch; cache supports get, namespace list and index', async () => {
    const api = new FakeListWatch();
    api.upsert({ namespace: 'team-a', name: 'one', labels: { app: 'web' } });
    api.upsert({ namespace: 'team-b', name: 'two', labels: { app: 'db' } });
    const context = setup({ api });
    const { clock, informer, log } = context;
    assert.equal(informer.hasSynced(), false);
    assert.equal(await informer.waitForSync(), true);
    await clock.advance(0);
    assert.deepEqual(log, ['add team-a/one', 'add team-b/two']);
    api.upsert({ namespace: 'team-a', name: 'one', labels: { app: 'db' }, data: 'changed' });
    api.upsert({ namespace: '', name: 'cluster-wide' });
    api.remove('team-b/two');
    assert.deepEqual(log.slice(2), ['update team-a/one', 'add cluster-wide', 'delete team-b/two']);
    assert.equal(informer.get({ namespace: 'team-a', name: 'one' })?.metadata?.labels?.app, 'db');
    assert.equal(informer.getByKey('cluster-wide')?.metadata?.name, 'cluster-wide');
    assert.deepEqual(
      informer.list({ namespace: 'team-a' }).map((object) => object.metadata?.name),
      ['one'],
    );
    assert.deepEqual(informer.byIndex('byApp', 'db').map(objectKey), ['team-a/one']);
    assert.deepEqual(informer.byIndex('byApp', 'web'), []);
    assert.equal(api.calls.list, 1);
    await stop(context);
  });

  test('the listed objects are not kept once newer versions replace them in the cache', async () => {
    setFlagsFromString('--expose-gc');
    const gc = runInNewContext('gc') as () => void;
    const api = new FakeListWatch();
    for (let i = 0; i < 20; i++) api.upsert({ namespace: 'ns', name: `o-${i}` });
    const context = setup({ api });
    const { clock, informer } = context;
    await informer.waitForSync();
    await clock.advance(0);
    const listed = informer.list().map((object) => new WeakRef(object));
    for (let i = 0; i < 20; i++) api.upsert({ namespace: 'ns', name: `o-${i}`, data: 'newer' });
    // A WeakRef keeps its target for the rest of the task that made it.
    await new Promise((resolve) => setImmediate(resolve));
    gc();
    assert.equal(api.activeWatches(), 1, 'the watch that follows the list is still running');
    assert.equal(listed.filter((ref) => ref.deref() !== undefined).length, 0);
    await stop(context);
  });

  test('list failures are retried with exponential back-off until the first sync', async () => {
    const api = new FakeListWatch();
    api.upsert({ namespace: 'ns', name: 'a' });
    api.inject('listError', 'listError', 'listError');
    const context = setup({ api });
    const { clock, informer } = context;
    await clock.advance(0);
    assert.equal(api.calls.list, 1);
    await clock.advance(799);
    assert.equal(api.calls.list, 1);
    await clock.advance(1);
    assert.equal(api.calls.list, 2, 'first retry after 800 ms');
    await clock.advance(1600);
    assert.equal(api.calls.list, 3, 'second retry after 1600 ms');
    assert.equal(informer.hasSynced(), false);
    await clock.advance(3200);
    assert.equal(api.calls.list, 4);
    assert.equal(informer.hasSynced(), true);
    assert.deepEqual(cacheVersions(informer), truthVersions(api));
    await stop(context);
  });

  test('a failed watch request resumes from the last resourceVersion without relisting', async () => {
    const context = setup();
    const { clock, api, informer, mirror } = context;
    await clock.advance(0);
    api.upsert({ namespace: 'ns', name: 'a' });
    const seenVersion = informer.lastSyncResourceVersion();
    api.inject('watchRequestError');
    api.dropWatches();
    await clock.advance(0);
    // The rewatch failed; while we back off, the world changes.
    api.upsert({ namespace: 'ns', name: 'b' });
    await clock.advance(800);
    assert.equal(api.calls.list, 1, 'no relist for an ordinary error');
    assert.equal(api.calls.watchFrom.at(-1), seenVersion);
    assert.deepEqual(cacheVersions(informer), truthVersions(api));
    assert.deepEqual(mirror, truthVersions(api));
    await stop(context);
  });

  test('410 Gone as an HTTP status relists; deletes missed meanwhile are reported', async () => {
    const api = new FakeListWatch();
    api.upsert({ namespace: 'ns', name: 'keep' });
    api.upsert({ namespace: 'ns', name: 'gone' });
    const context = setup({ api });
    const { clock, informer, mirror, log } = context;
    // A watch that lived a while is healthy, so the 410 below is the first failure in a row.
    await clock.advance(5_000);
    api.dropWatches();
    api.inject('watchGoneStatus');
    api.remove('ns/gone');
    api.upsert({ namespace: 'ns', name: 'keep', data: 'v2' });
    api.upsert({ namespace: 'ns', name: 'new' });
    await clock.advance(0);
    assert.equal(api.calls.list, 2, 'relisted at once after 410');
    assert.deepEqual(cacheVersions(informer), truthVersions(api));
    assert.deepEqual(mirror, truthVersions(api));
    assert.ok(log.includes('delete ns/gone (relist)'), log.join(', '));
    await stop(context);
  });

  test('410 Gone as a watch ERROR event relists too', async () => {
    const api = new FakeListWatch();
    api.upsert({ namespace: 'ns', name: 'a' });
    const context = setup({ api });
    const { clock, informer, mirror } = context;
    await clock.advance(5_000);
    api.dropWatches();
    api.inject('watchGoneEvent');
    api.upsert({ namespace: 'ns', name: 'b' });
    await clock.advance(0);
    assert.equal(api.calls.list, 2);
    assert.deepEqual(cacheVersions(informer), truthVersions(api));
    assert.deepEqual(mirror, truthVersions(api));
    await stop(context);
  });

  test('a dropped stream resumes and replays what happened while it was down', async () => {
    const context = setup();
    const { clock, api, informer, mirror } = context;
    await clock.advance(0);
    api.upsert({ namespace: 'ns', name: 'a' });
    api.dropWatches();
    api.upsert({ namespace: 'ns', name: 'b' });
    api.remove('ns/a');
    await clock.advance(0);
    assert.equal(api.calls.list, 1);
    assert.equal(api.activeWatches(), 1);
    assert.deepEqual(cacheVersions(informer), truthVersions(api));
    assert.deepEqual(mirror, truthVersions(api));
    await stop(context);
  });

  test('a watch that closes at once with nothing is backed off, not hammered', async () => {
    const context = setup();
    const { clock, api } = context;
    await clock.advance(0);
    api.inject('watchClosesEmpty', 'watchClosesEmpty', 'watchClosesEmpty');
    api.dropWatches();
    await clock.advance(0);
    const watchesAfterDrop = api.calls.watch;
    await clock.advance(700);
    assert.equal(api.calls.watch, watchesAfterDrop, 'rewatched an empty stream without waiting');
    await clock.advance(30_000);
    assert.equal(api.activeWatches(), 1);
    await stop(context);
  });

  test('a throwing handler neither stops the informer nor starves other handlers', async () => {
    const context = setup();
    const { clock, api, informer, mirror } = context;
    informer.addHandlers({
      onAdd: () => {
        throw new Error('handler bug');
      },
    });
    await clock.advance(0);
    api.upsert({ namespace: 'ns', name: 'a' });
    api.upsert({ namespace: 'ns', name: 'b' });
    assert.deepEqual(mirror, truthVersions(api));
    await stop(context);
  });

  test('a late handler first receives the cached objects as adds', async () => {
    const api = new FakeListWatch();
    api.upsert({ namespace: 'ns', name: 'a' });
    const context = setup({ api });
    await context.clock.advance(0);
    const late: string[] = [];
    const remove = context.informer.addHandlers({ onAdd: (object) => late.push(objectKey(object)) });
    assert.deepEqual(late, ['ns/a']);
    remove();
    api.upsert({ namespace: 'ns', name: 'b' });
    assert.deepEqual(late, ['ns/a'], 'removed handlers are not called');
    await stop(context);
  });

  test('abort stops the loop and closes the watch', async () => {
    const context = setup();
    await context.clock.advance(0);
    assert.equal(context.api.activeWatches(), 1);
    await stop(context);
    assert.equal(context.api.activeWatches(), 0);
    assert.equal(await context.informer.waitForSync(), true);
  });

  test('under random changes and faults the cache and the handlers converge to the truth', async () => {
    // A small deterministic PRNG (mulberry32) so failures are reproducible.
    let seed = 0x5eed;
    const random = () => {
      seed = (seed + 0x6d2b79f5) | 0;
      let t = Math.imul(seed ^ (seed >>> 15), 1 | seed);
      t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
      return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
    };
    const context = setup();
    const { clock, api, informer, mirror } = context;
    const faults: Fault[] = [
      'listError',
      'watchRequestError',
      'watchGoneStatus',
      'watchGoneEvent',
      'watchErrorEvent',
    ];
    for (let step = 0; step < 400; step++) {
      const dice = random();
      const name = `obj-${Math.floor(random() * 12)}`;
      if (dice < 0.45) api.upsert({ namespace: `ns-${Math.floor(random() * 3)}`, name, data: String(step) });
      else if (dice < 0.7) api.remove(`ns-${Math.floor(random() * 3)}/${name}`);
      else if (dice < 0.78) api.dropWatches();
      else if (dice < 0.84) api.compact();
      else if (dice < 0.9) api.bookmark();
      else api.inject(faults[Math.floor(random() * faults.length)]!);
      await clock.advance(Math.floor(random() * 500));
    }
    // Faults injected faster than the informer retries would keep it failing; stop injecting, drop the
    // stream once more, and give the back-off (capped at 30 s) time to run out.
    api.clearFaults();
    api.dropWatches();
    await clock.advance(60_000);
    assert.equal(api.activeWatches(), 1);
    assert.ok(api.calls.list > 1, 'the scenario should have forced relists');
    assert.deepEqual(cacheVersions(informer), truthVersions(api));
    assert.deepEqual(mirror, truthVersions(api));
    await stop(context);
  });
});
