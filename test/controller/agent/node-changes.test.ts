// Who may change the node when: one change per target at a time in arrival order, different targets side by
// side up to the limit, the sweep alone; and the reconciler recovering different pods at once through it.
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { describe, test } from 'node:test';
import type { InjectionApi } from '../../../controller/agent/injection-api.ts';
import type { InjectionObject } from '../../../controller/agent/injection-object.ts';
import { createInjectionReconciler } from '../../../controller/agent/injection-reconciler.ts';
import { createNodeChanges, targetKeys } from '../../../controller/agent/node-changes.ts';
import { agentFinalizer } from '../../../controller/api/contract.ts';
import type { Fault } from '../../../controller/faults/fault.ts';
import { createFaultRegistry, type FaultRegistry } from '../../../controller/faults/registry.ts';
import { FakeClock } from '../../../controller/runtime/clock.ts';
import { silentLogger } from '../../../controller/runtime/logger.ts';

/** Work that runs until released, recording when it started and ended. */
function gates() {
  const events: string[] = [];
  const open = new Map<string, () => void>();
  const work = (name: string) => () =>
    new Promise<string>((resolve) => {
      events.push(`start ${name}`);
      open.set(name, () => {
        events.push(`end ${name}`);
        resolve(name);
      });
    });
  const release = (name: string) => {
    const done = open.get(name);
    assert.ok(done, `${name} is running`);
    open.delete(name);
    done();
  };
  return { events, work, release, running: () => [...open.keys()].sort() };
}

const settle = () => new Promise((resolve) => setImmediate(resolve));

describe('node changes', () => {
  test('changes to one key run one at a time, in arrival order', async () => {
    const changes = createNodeChanges({ limit: 8 });
    const { work, release, running } = gates();
    const results = [
      changes.run(['pod/a'], work('a1')),
      changes.run(['pod/a'], work('a2')),
      changes.run(['pod/a'], work('a3')),
    ];
    await settle();
    assert.deepEqual(running(), ['a1']);
    release('a1');
    await settle();
    assert.deepEqual(running(), ['a2']);
    release('a2');
    await settle();
    release('a3');
    assert.deepEqual(await Promise.all(results), ['a1', 'a2', 'a3']);
  });

  test('different keys run side by side, at most the limit at once', async () => {
    const changes = createNodeChanges({ limit: 3 });
    const { work, release, running } = gates();
    const results = ['a', 'b', 'c', 'd', 'e'].map((name) => changes.run([`pod/${name}`], work(name)));
    await settle();
    assert.deepEqual(running(), ['a', 'b', 'c']);
    assert.equal(changes.running(), 3);
    release('b');
    await settle();
    assert.deepEqual(running(), ['a', 'c', 'd']);
    for (const name of ['a', 'c', 'd']) release(name);
    await settle();
    release('e');
    assert.deepEqual(await Promise.all(results), ['a', 'b', 'c', 'd', 'e']);
    assert.equal(changes.running(), 0);
  });

  test('a change waits behind an earlier one for the same key while later keys pass it', async () => {
    const changes = createNodeChanges({ limit: 8 });
    const { work, release, running } = gates();
    const results = [
      changes.run(['pod/a', 'netns/1'], work('a')),
      // Shares the namespace with a (host network): waits.
      changes.run(['pod/b', 'netns/1'], work('b')),
      // Shares the pod with b only: must not overtake b.
      changes.run(['pod/b'], work('b2')),
      changes.run(['pod/c', 'netns/2'], work('c')),
    ];
    await settle();
    assert.deepEqual(running(), ['a', 'c']);
    release('a');
    await settle();
    assert.deepEqual(running(), ['b', 'c']);
    release('b');
    await settle();
    assert.deepEqual(running(), ['b2', 'c']);
    release('b2');
    release('c');
    assert.deepEqual(await Promise.all(results), ['a', 'b', 'b2', 'c']);
  });

  test('the exclusive change waits for everything before it and holds back everything after it', async () => {
    const changes = createNodeChanges({ limit: 8 });
    const { work, release, running } = gates();
    const before = changes.run(['pod/a'], work('a'));
    const sweep = changes.exclusive(work('sweep'));
    const after = changes.run(['pod/b'], work('b'));
    await settle();
    assert.deepEqual(running(), ['a']);
    release('a');
    await settle();
    assert.deepEqual(running(), ['sweep']);
    release('sweep');
    await settle();
    assert.deepEqual(running(), ['b']);
    release('b');
    assert.deepEqual(await Promise.all([before, sweep, after]), ['a', 'sweep', 'b']);
  });

  test('a removal does not wait for the sweep, whether it waits or runs; an addition does', async () => {
    const changes = createNodeChanges({ limit: 8 });
    const { work, release, running } = gates();
    const before = changes.run(['pod/a'], work('a'));
    const sweep = changes.exclusive(work('sweep'));
    const addition = changes.run(['pod/b'], work('b'));
    const removal = changes.run(['pod/c'], work('c'), { removal: true });
    await settle();
    assert.deepEqual(running(), ['a', 'c'], 'the removal passed the waiting sweep');
    release('a');
    release('c');
    await settle();
    assert.deepEqual(running(), ['sweep']);
    const during = changes.run(['pod/d'], work('d'), { removal: true });
    await settle();
    assert.deepEqual(running(), ['d', 'sweep'], 'a removal runs beside the sweep; the addition waits');
    release('d');
    release('sweep');
    await settle();
    assert.deepEqual(running(), ['b']);
    release('b');
    assert.deepEqual(await Promise.all([before, sweep, addition, removal, during]), [
      'a',
      'sweep',
      'b',
      'c',
      'd',
    ]);
  });

  test('a removal still waits for an earlier change to its own target, sweep or not', async () => {
    const changes = createNodeChanges({ limit: 8 });
    const { work, release, running } = gates();
    const sweep = changes.exclusive(work('sweep'));
    await settle();
    const addition = changes.run(['pod/a'], work('add a'));
    const removal = changes.run(['pod/a', 'netns/1'], work('remove a'), { removal: true });
    await settle();
    assert.deepEqual(running(), ['sweep'], 'behind the addition it follows');
    release('sweep');
    await settle();
    assert.deepEqual(running(), ['add a']);
    release('add a');
    await settle();
    assert.deepEqual(running(), ['remove a']);
    release('remove a');
    assert.deepEqual(await Promise.all([sweep, addition, removal]), ['sweep', 'add a', 'remove a']);
  });

  test('a failing or throwing change rejects its caller and frees its key', async () => {
    const changes = createNodeChanges({ limit: 1 });
    await assert.rejects(
      changes.run(['pod/a'], async () => {
        throw new Error('nft failed');
      }),
      /nft failed/,
    );
    await assert.rejects(
      changes.run(['pod/a'], () => {
        throw new Error('sync throw');
      }),
      /sync throw/,
    );
    assert.equal(await changes.run(['pod/a'], async () => 'next'), 'next');
    assert.equal(changes.running(), 0);
  });

  test('changes that name no key are serialised with one another', async () => {
    const changes = createNodeChanges({ limit: 8 });
    const { work, release, running } = gates();
    const results = [changes.run([], work('x')), changes.run([], work('y'))];
    await settle();
    assert.deepEqual(running(), ['x']);
    release('x');
    await settle();
    release('y');
    assert.deepEqual(await Promise.all(results), ['x', 'y']);
  });

  test('settled resolves once no change runs or waits, at once when none does', async () => {
    const changes = createNodeChanges({ limit: 1 });
    const { work, release } = gates();
    await changes.settled();
    const results = [changes.run(['pod/a'], work('a')), changes.run(['pod/b'], work('b'))];
    let settled = false;
    void changes.settled().then(() => {
      settled = true;
    });
    await settle();
    release('a');
    await settle();
    assert.equal(settled, false, 'b still waited for its slot and then ran');
    release('b');
    await Promise.all(results);
    await settle();
    assert.equal(settled, true);
  });

  test('the limit must be a positive integer', () => {
    assert.throws(() => createNodeChanges({ limit: 0 }), RangeError);
    assert.throws(() => createNodeChanges({ limit: 1.5 }), RangeError);
  });

  test('target keys: the pod, and the network namespace by identity, not by path', async () => {
    const byPath = await targetKeys({ podUid: 'u1', netnsPath: '/proc/self/ns/net' });
    const byOtherPath = await targetKeys({ podUid: 'u2', netnsPath: `/proc/${process.pid}/ns/net` });
    assert.equal(byPath[0], 'pod/u1');
    assert.match(byPath[1] ?? '', /^netns\/\d+:\d+$/);
    assert.equal(byPath[1], byOtherPath[1], 'two paths to one namespace give one key');
    assert.deepEqual(await targetKeys({ podUid: 'u3', netnsPath: '/run/netns/ccfgone0000' }), ['pod/u3']);
    assert.deepEqual(await targetKeys({ targetId: 'netns/x' }), ['target/netns/x']);
  });
});

describe('the reconciler through node changes', () => {
  const NODE = 'node-a';

  function deletedInjection(podUid: string, name: string): InjectionObject {
    return {
      apiVersion: 'chaoscraft.io/v1alpha1',
      kind: 'ChaosInjection',
      metadata: {
        name,
        namespace: 'shop',
        uid: randomUUID(),
        resourceVersion: '1',
        finalizers: [agentFinalizer],
        deletionTimestamp: new Date().toISOString(),
      },
      spec: {
        experiment: { name: 'exp', uid: 'u' },
        node: NODE,
        fault: { networkLoss: { percent: 30 } } as never,
        target: { pod: { namespace: 'shop', name: 'web-0', uid: podUid } },
        deadline: new Date(Date.now() + 60_000).toISOString(),
        tag: `cc${name.padStart(12, '0')}`,
      },
    };
  }

  const api: InjectionApi = {
    get: async () => undefined,
    addFinalizer: async ({ injection }) => injection,
    removeFinalizer: async ({ injection }) => ({
      ...injection,
      metadata: { ...injection.metadata, finalizers: [] },
    }),
    writeStatus: async ({ injection }) => injection,
  };

  test("a recovered injection's writes wait for the changes under way, at most paperworkWaitMs", async () => {
    const writes: string[] = [];
    const logged: InjectionApi = {
      ...api,
      writeStatus: async ({ injection }) => {
        writes.push(`status ${injection.metadata.name}`);
        return injection;
      },
    };
    const real = createFaultRegistry();
    const networkLoss: Fault<unknown> = { ...(real.networkLoss as Fault<unknown>), recover: async () => {} };
    const clock = new FakeClock();
    const changes = createNodeChanges({ limit: 8 });
    const reconciler = createInjectionReconciler({
      nodeName: NODE,
      api: logged,
      faults: { ...real, networkLoss } as FaultRegistry,
      resolver: { resolve: async ({ podUid }) => ({ id: `pod/${podUid}` }), listScopes: async () => [] },
      clock,
      logger: silentLogger,
      controllerLost: () => false,
      deadlines: { schedule: () => {}, cancel: () => true },
      nodeChanges: changes,
      paperworkWaitMs: 1_000,
    });
    const { work, release } = gates();
    // Another recovery under way on another pod.
    const other = changes.run(['pod/other'], work('other'));
    const first = reconciler.reconcile({ injection: deletedInjection(randomUUID(), '1') });
    const until = async (check: () => boolean) => {
      const deadline = Date.now() + 10_000;
      while (!check() && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 2));
    };
    await until(() => changes.running() === 1);
    await settle();
    assert.deepEqual(writes, [], 'no write while the other change runs');
    release('other');
    await other;
    await first;
    assert.deepEqual(writes, ['status 1'], 'written once the changes settled');

    // A change that never ends holds the writes back no longer than the bound.
    const stuck = changes.run(['pod/stuck'], work('stuck'));
    const second = reconciler.reconcile({ injection: deletedInjection(randomUUID(), '2') });
    await until(() => changes.running() === 1);
    await settle();
    await clock.advance(999);
    await settle();
    assert.deepEqual(writes, ['status 1']);
    await clock.advance(1);
    await second;
    assert.deepEqual(writes, ['status 1', 'status 2']);
    release('stuck');
    await stuck;
  });

  test('recoveries of different pods run at once; of one pod, one after the other', async () => {
    const started: string[] = [];
    // Recovery blocks until the test releases it, by tag.
    const pending = new Map<string, () => void>();
    const real = createFaultRegistry();
    const networkLoss: Fault<unknown> = {
      ...(real.networkLoss as Fault<unknown>),
      recover: ({ tag }) =>
        new Promise<void>((resolve) => {
          started.push(tag);
          pending.set(tag, resolve);
        }),
    };
    const reconciler = createInjectionReconciler({
      nodeName: NODE,
      api,
      faults: { ...real, networkLoss } as FaultRegistry,
      resolver: {
        resolve: async ({ podUid }) => ({ id: `pod/${podUid}`, netnsPath: `/run/netns/ccf-${podUid}` }),
        listScopes: async () => [],
      },
      clock: new FakeClock(),
      logger: silentLogger,
      controllerLost: () => false,
      deadlines: { schedule: () => {}, cancel: () => true },
      nodeChanges: createNodeChanges({ limit: 8 }),
    });
    const finish = (tag: string) => {
      pending.get(tag)?.();
      pending.delete(tag);
    };
    // Bounded by time, not by turns of the event loop: the namespace stats run on the thread pool, which
    // a loaded machine answers late.
    const until = async (check: () => boolean) => {
      const deadline = Date.now() + 10_000;
      while (!check() && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 2));
    };
    const [podA, podB] = [randomUUID(), randomUUID()];
    const passes = [
      reconciler.reconcile({ injection: deletedInjection(podA, '1') }),
      reconciler.reconcile({ injection: deletedInjection(podB, '2') }),
      reconciler.reconcile({ injection: deletedInjection(podA, '3') }),
    ];
    await until(() => pending.size === 2);
    // Which of pod a's two changes goes first depends on which stat of its namespace path returns first;
    // what is promised is that they never overlap, while pod b's runs beside either.
    const podAChanges = ['cc000000000001', 'cc000000000003'];
    const firstA = [...pending.keys()].find((tag) => podAChanges.includes(tag));
    assert.ok(firstA, 'one change to pod a started');
    assert.ok(pending.has('cc000000000002'), 'pods a and b at once');
    const secondA = podAChanges.find((tag) => tag !== firstA)!;
    await settle();
    assert.ok(!pending.has(secondA), 'the second change to pod a waits for the first');
    assert.ok(!started.includes(secondA), 'the second change to pod a has not begun');
    finish(firstA);
    await until(() => pending.has(secondA));
    assert.deepEqual([...pending.keys()].sort(), ['cc000000000002', secondA].sort());
    finish('cc000000000002');
    finish(secondA);
    await Promise.all(passes);
    assert.deepEqual(started.sort(), ['cc000000000001', 'cc000000000002', 'cc000000000003']);
  });
});
