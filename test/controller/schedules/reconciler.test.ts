// The schedule reconciler against fakes of its edges: a cache that lags the writes, an API that
// answers AlreadyExists for a run created before a restart, runs that keep a finalizer while they
// recover. Proves the effects side performs the plan and never doubles a run.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { isDeepStrictEqual } from 'node:util';
import { scheduleFinalizer } from '../../../controller/api/contract.ts';
import type { ObservedRun, RunManifest, ScheduleObject } from '../../../controller/core/schedule/types.ts';
import { defineController } from '../../../controller/runtime/controller.ts';
import { FakeClock, silentLogger } from '../../../controller/runtime/index.ts';
import { createScheduleReconciler } from '../../../controller/schedules/reconciler.ts';
import { template } from '../core/schedule/world.ts';

function harness(options: { concurrencyPolicy?: 'Forbid' | 'Allow'; runFinalizer?: boolean } = {}) {
  let now = new Date('2026-05-04T10:00:30Z');
  let version = 1;
  const server = {
    schedule: {
      apiVersion: 'chaoscraft.io/v1alpha1',
      kind: 'ChaosSchedule',
      metadata: {
        name: 'nightly',
        namespace: 'shop',
        uid: 'sched',
        generation: 1,
        resourceVersion: '1',
        creationTimestamp: now.toISOString(),
      },
      spec: { schedule: '* * * * *', concurrencyPolicy: options.concurrencyPolicy ?? 'Forbid', template },
    } as ScheduleObject,
    runs: new Map<string, ObservedRun & { finalizer: boolean }>(),
    creates: [] as string[],
    deletes: [] as string[],
    events: [] as string[],
  };
  /** The cache: what the server had when it was last synced. */
  let cache = { schedule: structuredClone(server.schedule), runs: [] as ObservedRun[] };
  const sync = () => {
    cache = { schedule: structuredClone(server.schedule), runs: structuredClone([...server.runs.values()]) };
  };
  const reconcile = createScheduleReconciler({
    view: {
      runsOwnedBy: () => cache.runs,
      policies: () => [],
      namespaceLabels: () => ({ 'chaoscraft.io/allow': 'true' }),
    },
    writer: {
      async setFinalizers({ finalizers }) {
        server.schedule.metadata.finalizers = finalizers;
        server.schedule.metadata.resourceVersion = String(++version);
        return { resourceVersion: String(version) };
      },
      async writeStatus({ before, after }) {
        // As the real writer: no request when nothing changed.
        if (isDeepStrictEqual(before ?? {}, after)) return undefined;
        server.schedule.status = structuredClone(after);
        server.schedule.metadata.resourceVersion = String(++version);
        return { resourceVersion: String(version) };
      },
    },
    runs: {
      async create(run: RunManifest) {
        if (server.runs.has(run.metadata.name)) return { existed: true };
        server.creates.push(run.metadata.name);
        server.runs.set(run.metadata.name, {
          metadata: {
            name: run.metadata.name,
            uid: `uid-${run.metadata.name}`,
            generation: 1,
            annotations: run.metadata.annotations,
          },
          // Its controller adds the finalizer at its first reconcile: until then it has none.
          finalizer: options.runFinalizer ?? true,
        });
        return { uid: `uid-${run.metadata.name}`, existed: false };
      },
      async delete({ name }) {
        server.deletes.push(name);
        const run = server.runs.get(name);
        if (run?.finalizer) {
          run.metadata.deletionTimestamp = now.toISOString();
          return { gone: false };
        }
        server.runs.delete(name);
        return { gone: true };
      },
    },
    events: { record: async ({ reason }) => void server.events.push(reason) },
    controllerNamespace: 'chaoscraft-system',
    now: () => now,
  });
  // Run by the controller runtime, whose written-object overlay (context.get) covers the cache's lag.
  const controller = defineController<ScheduleObject>(
    {
      name: 'chaosschedule',
      for: { getByKey: () => cache.schedule, list: () => [cache.schedule], addHandlers: () => undefined },
      reconcile,
    },
    { clock: new FakeClock(), logger: silentLogger },
  );
  return {
    server,
    sync,
    /** The cache catches up with the schedule only (its runs' events not delivered yet). */
    syncSchedule: () => {
      cache = { ...cache, schedule: structuredClone(server.schedule) };
    },
    reconcile: () => controller.reconcile('shop/nightly'),
    at: (time: string) => {
      now = new Date(time);
    },
    /** The run's controller recovered it: its finalizer goes and, when deleted, so does the object. */
    recovered(name: string) {
      const run = server.runs.get(name)!;
      run.status = {
        observedGeneration: 1,
        conditions: [
          {
            type: 'Succeeded',
            status: 'True',
            reason: 'Completed',
            message: '',
            lastTransitionTime: now.toISOString(),
          },
        ],
      };
      if (run.metadata.deletionTimestamp) server.runs.delete(name);
    },
  };
}

test('finalizer and first status in one reconcile; the timer is the next fire time', async () => {
  const h = harness();
  const result = await h.reconcile();
  assert.deepEqual(h.server.schedule.metadata.finalizers, [scheduleFinalizer]);
  assert.equal(h.server.schedule.status?.nextScheduleTime, '2026-05-04T10:01:00.000Z');
  assert.deepEqual(result, { requeueAfter: 30_000 });
});

test('a cache that lags our writes never gets a Forbid schedule a second active run', async () => {
  const h = harness();
  await h.reconcile();
  h.sync();
  h.at('2026-05-04T10:01:00Z');
  await h.reconcile();
  assert.equal(h.server.creates.length, 1);
  // The cache still shows neither the run nor the status that records it.
  h.at('2026-05-04T10:02:00Z');
  await h.reconcile();
  h.at('2026-05-04T10:03:00Z');
  await h.reconcile();
  assert.deepEqual(h.server.creates, ['nightly-1777888860']);
  h.sync();
  await h.reconcile();
  assert.deepEqual(h.server.creates, ['nightly-1777888860']);
  assert.deepEqual(h.server.schedule.status?.active, [
    { name: 'nightly-1777888860', uid: 'uid-nightly-1777888860' },
  ]);
});

test('a restarted controller whose status write was lost finds the run it created (AlreadyExists) and records it', async () => {
  const h = harness({ concurrencyPolicy: 'Allow' });
  h.server.schedule.metadata.finalizers = [scheduleFinalizer];
  // Created at 10:01 by the controller before it crashed; neither its status nor this cache shows it.
  h.sync();
  h.server.runs.set('nightly-1777888860', {
    metadata: { name: 'nightly-1777888860', uid: 'x', generation: 1 },
    finalizer: true,
  });
  h.at('2026-05-04T10:01:05Z');
  assert.deepEqual(await h.reconcile(), { requeueAfter: 1 }, 'the status comes with the next reconcile');
  await h.reconcile();
  assert.deepEqual(h.server.creates, [], 'created once, before the crash');
  assert.equal(h.server.schedule.status?.lastScheduleTime, '2026-05-04T10:01:00.000Z');
});

test("a fire creates the run and leaves the status to the next reconcile (queued behind the other due schedules), which writes it once, with the run's UID", async () => {
  const h = harness();
  await h.reconcile();
  h.sync();
  const writes = () => Number(h.server.schedule.metadata.resourceVersion);
  const before = writes();
  h.at('2026-05-04T10:01:00.010Z');
  assert.deepEqual(await h.reconcile(), { requeueAfter: 1 });
  assert.deepEqual(h.server.creates, ['nightly-1777888860']);
  assert.equal(writes(), before, 'no status write with the creation');
  assert.ok(h.server.events.includes('RunCreated'), 'the event is not held back');
  // The cache has not seen the run yet: the overlay has it, with the UID the create answered.
  assert.deepEqual(await h.reconcile(), { requeueAfter: 59_990 });
  assert.equal(writes(), before + 1, 'one status write for the fire');
  assert.equal(h.server.schedule.status?.lastScheduleTime, '2026-05-04T10:01:00.000Z');
  assert.deepEqual(h.server.schedule.status?.active, [
    { name: 'nightly-1777888860', uid: 'uid-nightly-1777888860' },
  ]);
  h.sync();
  await h.reconcile();
  assert.equal(writes(), before + 1, 'nothing more to write once the cache shows it');
  assert.deepEqual(h.server.creates, ['nightly-1777888860']);
  assert.equal(h.server.events.filter((e) => e === 'RunCreated').length, 1);
});

test('a deleted schedule deletes its running run and releases its finalizer only once the run is gone', async () => {
  const h = harness();
  await h.reconcile();
  h.at('2026-05-04T10:01:00Z');
  await h.reconcile();
  h.server.schedule.metadata.deletionTimestamp = '2026-05-04T10:01:10Z';
  h.sync();
  h.at('2026-05-04T10:01:10Z');
  await h.reconcile();
  assert.deepEqual(h.server.deletes, ['nightly-1777888860']);
  assert.deepEqual(h.server.schedule.metadata.finalizers, [scheduleFinalizer]);
  h.sync();
  await h.reconcile();
  assert.deepEqual(h.server.deletes, ['nightly-1777888860'], 'asked once');
  h.recovered('nightly-1777888860');
  h.sync();
  await h.reconcile();
  assert.deepEqual(h.server.schedule.metadata.finalizers, []);
  assert.ok(h.server.events.includes('RemovingRuns'));
});

test('a run created and deleted before the cache ever showed it does not hold the schedule for good', async () => {
  // Deleted right after a fire: the new run has no finalizer yet and goes at once. The cache never
  // shows it (its add and delete arrive together); the schedule must still go.
  const h = harness({ runFinalizer: false });
  await h.reconcile();
  h.sync();
  h.at('2026-05-04T10:01:00Z');
  await h.reconcile();
  assert.deepEqual(h.server.creates, ['nightly-1777888860']);
  h.server.schedule.metadata.deletionTimestamp = '2026-05-04T10:01:01Z';
  h.syncSchedule();
  h.at('2026-05-04T10:01:01Z');
  await h.reconcile();
  assert.deepEqual(h.server.deletes, ['nightly-1777888860'], 'the run the overlay holds is deleted');
  assert.equal(h.server.runs.size, 0, 'and went at once');
  h.sync();
  await h.reconcile();
  assert.deepEqual(h.server.schedule.metadata.finalizers, [], 'the schedule lets go');
  assert.deepEqual(h.server.deletes, ['nightly-1777888860'], 'deleted once');
});
