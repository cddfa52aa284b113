import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { FakeClock, flushMicrotasks } from '../../../controller/runtime/clock.ts';
import {
  type ControllerDefinition,
  type ControllerRuntimeMetrics,
  controllerOwnerName,
  defineController,
  owned,
  watchChanges,
} from '../../../controller/runtime/controller.ts';
import { TerminalError } from '../../../controller/runtime/errors.ts';
import { objectKey } from '../../../controller/runtime/informer/object-store.ts';
import type { InformerHandlers } from '../../../controller/runtime/informer/resilient-informer.ts';
import type { KubeObject } from '../../../controller/runtime/kube-object.ts';
import { silentLogger } from '../../../controller/runtime/logger.ts';

interface Thing extends KubeObject {
  metadata: {
    namespace?: string;
    name: string;
    resourceVersion: string;
    ownerReferences?: { kind: string; name: string; controller?: boolean }[];
  };
  spec?: { owner?: string; state?: string };
}

/** An informer's cache and handlers, driven by the test. */
class FakeSource<T extends KubeObject> {
  readonly #objects = new Map<string, T>();
  readonly #handlers: InformerHandlers<T>[] = [];
  addHandlers(handlers: InformerHandlers<T>) {
    this.#handlers.push(handlers);
  }
  getByKey(key: string) {
    return this.#objects.get(key);
  }
  list() {
    return [...this.#objects.values()];
  }
  put(object: T) {
    const before = this.#objects.get(objectKey(object));
    this.#objects.set(objectKey(object), object);
    for (const h of this.#handlers) before ? h.onUpdate?.(before, object) : h.onAdd?.(object);
  }
  remove(object: T) {
    this.#objects.delete(objectKey(object));
    for (const h of this.#handlers) h.onDelete?.(object, { finalStateUnknown: false });
  }
}

const thing = (name: string, resourceVersion = '1', extra: Partial<Thing> = {}): Thing => ({
  metadata: { namespace: 'ns', name, resourceVersion, ...extra.metadata },
  ...(extra.spec ? { spec: extra.spec } : {}),
});

function recordingMetrics() {
  const seen: string[] = [];
  const metrics: ControllerRuntimeMetrics = {
    reconcileTotal: { inc: (l) => seen.push(`total ${l.controller} ${l.result}`) },
    reconcileDuration: { startTimer: (l) => () => seen.push(`duration ${l.controller}`) },
    reconcileErrors: { inc: (l) => seen.push(`error ${l.controller} ${l.code}`) },
    queueDepth: { set: (l, value) => seen.push(`depth ${l.queue} ${value}`) },
  };
  return { metrics, seen };
}

function setup(
  definition:
    | Partial<ControllerDefinition<Thing>>
    | ((things: FakeSource<Thing>) => Partial<ControllerDefinition<Thing>>) = {},
) {
  const clock = new FakeClock();
  const things = new FakeSource<Thing>();
  const reconciled: string[] = [];
  const { metrics, seen } = recordingMetrics();
  const controller = defineController<Thing>(
    {
      name: 'thing',
      for: things,
      reconcile: async (key) => {
        reconciled.push(key);
      },
      ...(typeof definition === 'function' ? definition(things) : definition),
    },
    { clock, logger: silentLogger, metrics },
  );
  /** Takes what is queued, in order, without reconciling. */
  const drain = async () => {
    const keys: string[] = [];
    while (controller.queue.len() > 0) {
      const key = (await controller.queue.get())!;
      keys.push(key);
      controller.queue.done(key);
    }
    return keys;
  };
  return { clock, things, controller, reconciled, seen, drain };
}

describe('defineController', () => {
  test('every add, update and delete of a primary object queues its namespace/name key', async () => {
    const { things, drain } = setup();
    things.put(thing('a'));
    things.put(thing('b'));
    things.put(thing('a', '2'));
    things.remove(thing('b'));
    assert.deepEqual(await drain(), ['ns/a', 'ns/b']);
    things.remove(thing('a', '2'));
    assert.deepEqual(await drain(), ['ns/a']);
  });

  test("owns: a child's change queues its owner, in the child's namespace; a child without one is ignored", async () => {
    const children = new FakeSource<Thing>();
    const { drain } = setup({
      owns: [owned(children, (child) => child.spec?.owner), owned(children, controllerOwnerName('Thing'))],
    });
    children.put(thing('c1', '1', { spec: { owner: 'parent' } }));
    children.put(thing('c2'));
    children.put(
      thing('c3', '1', {
        metadata: {
          name: 'c3',
          resourceVersion: '1',
          ownerReferences: [
            { kind: 'Other', name: 'not-it', controller: true },
            { kind: 'Thing', name: 'by-reference', controller: true },
          ],
        },
      }),
    );
    assert.deepEqual(await drain(), ['ns/parent', 'ns/by-reference']);
  });

  test('owns with concerns: an update queues the owner only when it concerns it; adds and deletes always do; a child that changes owner wakes both', async () => {
    const children = new FakeSource<Thing>();
    const { drain } = setup({
      owns: [
        owned(children, (child) => child.spec?.owner, {
          concerns: (before, after) => before.spec?.state !== after.spec?.state,
        }),
      ],
    });
    children.put(thing('c', '1', { spec: { owner: 'p', state: 'running' } }));
    assert.deepEqual(await drain(), ['ns/p'], 'added');
    children.put(thing('c', '2', { spec: { owner: 'p', state: 'running' } }));
    assert.deepEqual(await drain(), [], 'an update that does not concern the owner');
    children.put(thing('c', '3', { spec: { owner: 'p', state: 'done' } }));
    assert.deepEqual(await drain(), ['ns/p'], 'one that does');
    children.put(thing('c', '4', { spec: { owner: 'q', state: 'done' } }));
    assert.deepEqual(await drain(), ['ns/p', 'ns/q'], 'the old owner lost it, the new one got it');
    children.remove(thing('c', '4', { spec: { owner: 'q', state: 'done' } }));
    assert.deepEqual(await drain(), ['ns/q'], 'deleted');
  });

  test('watches: a mapped change queues what the map returns, after the object itself; any subscription can enqueue', async () => {
    let signal: (() => void) | undefined;
    const { things, drain } = setup((things) => ({
      watches: [
        watchChanges(things, (change) =>
          change.type === 'update' &&
          change.before.spec?.state === 'running' &&
          change.object.spec?.state !== 'running'
            ? [thing('waiting-1'), 'ns/waiting-2']
            : [],
        ),
        (enqueue) => {
          signal = () => enqueue('ns/from-a-signal');
        },
      ],
    }));
    things.put(thing('r', '1', { spec: { state: 'running' } }));
    things.put(thing('r', '2', { spec: { state: 'done' } }));
    signal?.();
    assert.deepEqual(await drain(), ['ns/r', 'ns/waiting-1', 'ns/waiting-2', 'ns/from-a-signal']);
  });

  test('run queues every primary object once, works through them, and honours requeueAfter', async () => {
    const { things, controller, clock, reconciled } = setup({
      reconcile: async (key) => {
        reconciled.push(key);
        return key === 'ns/timed' && reconciled.length < 3 ? { requeueAfter: 1_000 } : undefined;
      },
    });
    things.put(thing('timed'));
    things.put(thing('other'));
    // The handlers' adds are taken away: run queues everything itself.
    for (const key of ['ns/timed', 'ns/other']) {
      await controller.queue.get();
      controller.queue.done(key);
    }
    const stop = new AbortController();
    const running = controller.run({ signal: stop.signal, workers: 2 });
    await flushMicrotasks();
    assert.deepEqual(reconciled.sort(), ['ns/other', 'ns/timed']);
    await clock.advance(999);
    assert.equal(reconciled.length, 2);
    await clock.advance(1);
    assert.deepEqual(reconciled.slice(2), ['ns/timed']);
    stop.abort();
    await running;
  });

  test('the overlay: get returns our own write until the cache shows it; the workers report through the metrics', async () => {
    const seenVersions: string[] = [];
    const { things, controller, seen } = setup({
      reconcile: async (key, context) => {
        const current = context.get(key);
        seenVersions.push(current?.metadata.resourceVersion ?? 'none');
        if (current?.metadata.resourceVersion === '1') context.written.remember(key, '1', thing('a', '2'));
      },
    });
    things.put(thing('a', '1'));
    await controller.reconcile('ns/a');
    await controller.reconcile('ns/a'); // the cache still shows 1: ours, 2
    things.put(thing('a', '2'));
    await controller.reconcile('ns/a');
    assert.deepEqual(seenVersions, ['1', '2', '2']);
    assert.deepEqual([...controller.written.keys()], []);
    assert.ok(seen.includes('depth thing 1'));
    assert.equal(seen.filter((s) => s === 'duration thing').length, 3);
  });

  test('errors are counted by code and outcomes by result, labelled with the controller', async () => {
    const { things, controller, seen } = setup({
      queue: 'things',
      reconcile: async () => {
        throw new TerminalError('no');
      },
    });
    const stop = new AbortController();
    const running = controller.run({ signal: stop.signal, workers: 1 });
    things.put(thing('a'));
    await flushMicrotasks();
    stop.abort();
    await running;
    assert.ok(seen.includes('error thing Terminal'), seen.join(', '));
    assert.ok(seen.includes('total thing terminal'), seen.join(', '));
    assert.ok(seen.includes('depth things 1'), 'the queue metric carries the queue name');
  });
});
