import assert from 'node:assert/strict';
import { test } from 'node:test';
import { scheduleFinalizer } from '../../../../controller/api/contract.ts';
import { manifestValidators } from '../../../../controller/api/validator.ts';
import { planSchedule } from '../../../../controller/core/schedule/plan-schedule.ts';
import { fireTimeOf, ScheduleWorld, template } from './world.ts';

test('runs start at the cron time, not when the schedule is created', () => {
  const world = new ScheduleWorld({ spec: { schedule: '*/5 * * * *' }, created: '2026-05-04T10:01:30Z' });
  const first = world.reconcile();
  assert.deepEqual(first.actions, []);
  assert.equal(first.status.nextScheduleTime, '2026-05-04T10:05:00.000Z');
  assert.equal(first.requeueAfterMs, 210_000, 'the timer is set for the fire time: no polling');
  world.runUntil('2026-05-04T10:04:59.999Z');
  assert.deepEqual(world.created, []);
  world.runUntil('2026-05-04T10:05:00Z');
  assert.deepEqual(world.created.map(fireTimeOf), ['2026-05-04T10:05:00.000Z']);
  assert.equal(world.schedule.status?.lastScheduleTime, '2026-05-04T10:05:00.000Z');
  assert.deepEqual(
    world.schedule.status?.active,
    [{ name: 'nightly-1777889100', uid: undefined }].map(({ name }) => ({ name })),
  );
  assert.equal(world.condition('Ready')?.status, 'True');
});

test('an empty concurrencyPolicy is accepted by the schema and means Forbid', () => {
  const manifest = {
    apiVersion: 'chaoscraft.io/v1alpha1',
    kind: 'ChaosSchedule',
    metadata: { name: 'nightly', namespace: 'shop' },
    spec: { schedule: '* * * * *', concurrencyPolicy: '', template },
  };
  assert.deepEqual(manifestValidators().get('ChaosSchedule')?.validate(manifest), []);
  const world = new ScheduleWorld({ spec: { concurrencyPolicy: '' }, created: '2026-05-04T10:00:30Z' });
  world.runUntil('2026-05-04T10:03:30Z');
  assert.equal(world.created.length, 1, 'the first run is still going: Forbid creates no other');
  assert.equal(world.condition('RunWaiting')?.reason, 'ConcurrencyPolicy');
});

test('with the history limits left out, every fire time gets its run and the defaults (3 and 1) are kept', () => {
  const world = new ScheduleWorld({ spec: {}, created: '2026-05-04T10:00:30Z' });
  for (let minute = 1; minute <= 8; minute++) {
    world.runUntil(`2026-05-04T10:0${minute}:10Z`);
    world.finish(world.created.at(-1)!, minute % 4 !== 0);
  }
  world.runUntil('2026-05-04T10:08:20Z');
  assert.equal(world.created.length, 8, 'no fire time lost its run');
  const kept = world.runs.map((r) => fireTimeOf(r.metadata.name).slice(11, 16));
  // Succeeded: 1,2,3,5,6,7 → the newest three; failed: 4,8 → the newest one.
  assert.deepEqual(kept, ['10:05', '10:06', '10:07', '10:08']);
  assert.equal(world.schedule.status?.lastSuccessfulTime, '2026-05-04T10:07:10.000Z');
});

test('history cleanup never deletes a run that is not finished', () => {
  const world = new ScheduleWorld({
    spec: { concurrencyPolicy: 'Allow', successfulHistoryLimit: 0, failedHistoryLimit: 0 },
    created: '2026-05-04T10:00:30Z',
  });
  world.runUntil('2026-05-04T10:03:10Z');
  assert.equal(world.runs.length, 3);
  world.finish(world.created[1]!);
  world.reconcile();
  assert.deepEqual(
    world.runs.map((r) => r.metadata.name),
    [world.created[0], world.created[2]],
  );
  assert.ok(world.runs.every((r) => !r.metadata.deletionTimestamp));
});

test('Forbid with startingDeadlineSeconds still creates runs, and a run held past its deadline is skipped', () => {
  const world = new ScheduleWorld({
    spec: { concurrencyPolicy: 'Forbid', startingDeadlineSeconds: 30 },
    created: '2026-05-04T10:00:30Z',
  });
  // Runs that take 20 s: every fire time gets one.
  for (let minute = 1; minute <= 3; minute++) {
    world.runUntil(`2026-05-04T10:0${minute}:20Z`);
    world.finish(world.created.at(-1)!);
  }
  assert.equal(world.created.length, 3);
  // A run that takes 50 s: the next one can start 10 s late (within 30 s)...
  world.runUntil('2026-05-04T10:04:50Z');
  world.finish(world.created.at(-1)!);
  world.runUntil('2026-05-04T10:05:10Z');
  assert.deepEqual(world.created.slice(3).map(fireTimeOf), [
    '2026-05-04T10:04:00.000Z',
    '2026-05-04T10:05:00.000Z',
  ]);
  // ...one that takes 100 s makes the next one miss its deadline: skipped, and the one after runs.
  world.runUntil('2026-05-04T10:06:40Z');
  world.finish(world.created.at(-1)!);
  world.runUntil('2026-05-04T10:07:05Z');
  assert.deepEqual(world.created.slice(5).map(fireTimeOf), ['2026-05-04T10:07:00.000Z']);
  assert.ok(world.events().some((e) => e.startsWith('RunSkipped: the run due at 2026-05-04T10:06:00.000Z')));
});

test('a Forbid schedule never has more than one active run', () => {
  const world = new ScheduleWorld({ spec: { concurrencyPolicy: 'Forbid' }, created: '2026-05-04T10:00:30Z' });
  let most = 0;
  // Every run takes 150 s; the schedule fires every minute for an hour.
  const started = new Map<string, number>();
  for (let t = Date.parse('2026-05-04T10:00:30Z'); t < Date.parse('2026-05-04T11:00:00Z'); t += 10_000) {
    world.runUntil(new Date(t).toISOString(), () => {
      most = Math.max(most, world.activeRuns().length);
    });
    for (const name of world.activeRuns()) {
      if (!started.has(name)) started.set(name, t);
      if (t - started.get(name)! >= 150_000) world.finish(name);
    }
  }
  assert.equal(most, 1);
  assert.ok(world.created.length >= 20, `${world.created.length} runs`);
});

test('Allow lets runs overlap; Replace recovers the running one first, then starts the new one', () => {
  const allow = new ScheduleWorld({ spec: { concurrencyPolicy: 'Allow' }, created: '2026-05-04T10:00:30Z' });
  allow.runUntil('2026-05-04T10:03:10Z');
  assert.equal(allow.activeRuns().length, 3);

  const replace = new ScheduleWorld({
    spec: { concurrencyPolicy: 'Replace' },
    created: '2026-05-04T10:00:30Z',
  });
  replace.runUntil('2026-05-04T10:01:10Z');
  const [first] = replace.created;
  replace.now = new Date('2026-05-04T10:02:00Z');
  const plan = replace.reconcile();
  assert.deepEqual(plan.actions, [{ type: 'deleteRun', name: first, uid: 'run-1', why: 'replaced' }]);
  assert.ok(replace.run(first!).metadata.deletionTimestamp, 'the old run is recovering, not gone');
  assert.equal(replace.reconcile().actions.length, 0, 'nothing new while the old run still holds faults');
  assert.equal(replace.condition('RunWaiting')?.reason, 'ReplacingRun');
  replace.now = new Date('2026-05-04T10:02:05Z');
  replace.finish(first!); // recovered: the object goes
  replace.reconcile();
  assert.deepEqual(replace.created.map(fireTimeOf), ['2026-05-04T10:01:00.000Z', '2026-05-04T10:02:00.000Z']);
  assert.equal(replace.condition('RunWaiting')?.status, 'False');
});

test('"too many missed start times": a Warning event, and the latest still starts', () => {
  const world = new ScheduleWorld({ spec: {}, created: '2026-05-01T00:00:00Z' });
  world.now = new Date('2026-05-04T10:00:30Z'); // three days without a controller
  const plan = world.reconcile();
  assert.deepEqual(world.created.map(fireTimeOf), ['2026-05-04T10:00:00.000Z']);
  assert.deepEqual(
    plan.events.map((e) => `${e.type} ${e.reason}`),
    ['Normal RunCreated', 'Warning TooManyMissedTimes'],
  );
  assert.match(plan.events[0]!.message, /more than 100 fire times were missed; only the latest runs/);
});

test('the controller down across three fire times: only the latest runs, and only within the deadline', () => {
  const run = (startingDeadlineSeconds?: number) => {
    const world = new ScheduleWorld({ spec: { startingDeadlineSeconds }, created: '2026-05-04T09:59:30Z' });
    world.runUntil('2026-05-04T10:00:10Z');
    world.finish(world.created[0]!);
    world.now = new Date('2026-05-04T10:03:40Z'); // down from 10:00:10; 10:01, 10:02, 10:03 missed
    world.reconcile();
    return world;
  };
  const unlimited = run(undefined);
  assert.deepEqual(unlimited.created.map(fireTimeOf), [
    '2026-05-04T10:00:00.000Z',
    '2026-05-04T10:03:00.000Z',
  ]);
  assert.match(unlimited.events().at(-1)!, /3 fire times were missed; only the latest runs/);
  assert.equal(run(60).created.length, 2, '10:03 is 40 s late, within 60 s');
  const strict = run(30);
  assert.equal(strict.created.length, 1, '10:03 is 40 s late: past 30 s, skipped');
  strict.runUntil('2026-05-04T10:04:00Z');
  assert.deepEqual(
    strict.created.map(fireTimeOf).at(-1),
    '2026-05-04T10:04:00.000Z',
    'the next fire time runs',
  );
});

test('a restart between creating a run and writing the status never creates it twice', () => {
  const world = new ScheduleWorld({ spec: {}, created: '2026-05-04T10:00:30Z' });
  world.runUntil('2026-05-04T10:01:00Z');
  const status = structuredClone(world.schedule.status);
  // The status write was lost: the schedule still says no run was created.
  world.schedule = {
    ...world.schedule,
    status: { ...status, lastScheduleTime: undefined, active: undefined },
  };
  const plan = world.reconcile();
  assert.equal(plan.actions.length, 0);
  assert.equal(plan.status.lastScheduleTime, '2026-05-04T10:01:00.000Z');
  assert.equal(world.created.length, 1);
});

test('a schedule edited between fires: the new schedule and template apply from the next fire, with no run for times before the edit', () => {
  const world = new ScheduleWorld({ spec: { schedule: '0 * * * *' }, created: '2026-05-04T09:59:00Z' });
  world.runUntil('2026-05-04T10:00:05Z');
  world.finish(world.created[0]!);
  world.runUntil('2026-05-04T10:32:00Z');
  world.edit({ schedule: '*/15 * * * *', template: { spec: { ...template.spec, duration: '45s' } } });
  world.runUntil('2026-05-04T10:44:59Z');
  assert.equal(world.created.length, 1, 'no run for 10:15 or 10:30, which were before the edit');
  assert.equal(world.schedule.status?.nextScheduleTime, '2026-05-04T10:45:00.000Z');
  const plan = planSchedule({ ...world.observe(), now: new Date('2026-05-04T10:45:00Z') });
  const created = plan.actions.find((a) => a.type === 'createRun');
  assert.equal(created?.type === 'createRun' && created.run.spec.duration, '45s');
});

test('a schedule deleted while a run is going: the run is deleted, and the finalizer goes only after it is gone', () => {
  const world = new ScheduleWorld({ spec: {}, created: '2026-05-04T10:00:30Z' });
  world.runUntil('2026-05-04T10:01:10Z');
  const [running] = world.created;
  world.schedule.metadata.deletionTimestamp = '2026-05-04T10:01:10Z';
  const plan = world.reconcile();
  assert.deepEqual(plan.actions, [
    { type: 'deleteRun', name: running, uid: 'run-1', why: 'scheduleDeleted' },
  ]);
  assert.deepEqual(world.schedule.metadata.finalizers, [scheduleFinalizer]);
  world.now = new Date('2026-05-04T10:01:20Z');
  assert.deepEqual(world.reconcile().actions, [], 'waiting for the run to recover its faults');
  world.finish(running!);
  assert.deepEqual(world.reconcile().actions, [{ type: 'removeFinalizer' }]);
  assert.equal(world.created.length, 1, 'nothing was created while being deleted, although 10:02 passed');
});

test('the finalizer is added before any run is created', () => {
  const world = new ScheduleWorld({ spec: {}, created: '2026-05-04T10:00:30Z', finalizer: false });
  world.now = new Date('2026-05-04T10:01:00Z');
  assert.deepEqual(world.reconcile().actions, [{ type: 'addFinalizer' }]);
  assert.equal(world.reconcile().actions[0]?.type, 'createRun');
});

test('an impossible cron or an unknown time zone: Ready=False with the reason, no runs', () => {
  for (const [spec, reason] of [
    [{ schedule: '0 0 30 2 *' }, 'InvalidSchedule'],
    [{ schedule: '61 * * * *' }, 'InvalidSchedule'],
    [{ timeZone: 'Europe/Atlantis' }, 'UnknownTimeZone'],
  ] as const) {
    const world = new ScheduleWorld({ spec, created: '2026-05-04T10:00:30Z' });
    world.runUntil('2026-05-06T10:00:00Z');
    assert.equal(world.created.length, 0, JSON.stringify(spec));
    const ready = world.condition('Ready');
    assert.equal(ready?.status, 'False');
    assert.equal(ready?.reason, reason);
    assert.equal(world.schedule.status?.nextScheduleTime, undefined);
    assert.equal(world.plans[0]?.events[0]?.type, 'Warning');
  }
});

test('suspend: no runs and no next time; resuming does not start the runs missed meanwhile', () => {
  const world = new ScheduleWorld({ spec: { suspend: true }, created: '2026-05-04T10:00:30Z' });
  world.runUntil('2026-05-04T10:10:30Z');
  assert.equal(world.created.length, 0);
  assert.equal(world.condition('Ready')?.reason, 'Suspended');
  assert.equal(world.plans.at(-1)?.requeueAfterMs, undefined, 'no timer while suspended');
  world.edit({ suspend: false });
  world.reconcile();
  assert.equal(world.created.length, 0);
  world.runUntil('2026-05-04T10:11:00Z');
  assert.deepEqual(world.created.map(fireTimeOf), ['2026-05-04T10:11:00.000Z']);
});

test('runs are owned by the schedule, labelled, named by their fire time and carry its revision', () => {
  const world = new ScheduleWorld({ spec: {}, created: '2026-05-04T10:00:30Z' });
  world.revision = 'a'.repeat(40);
  world.now = new Date('2026-05-04T10:01:00Z');
  const action = world.reconcile().actions[0];
  assert.equal(action?.type, 'createRun');
  if (action?.type !== 'createRun') return;
  const { metadata } = action.run;
  assert.equal(metadata.name, 'nightly-1777888860');
  assert.equal(metadata.namespace, 'shop');
  assert.deepEqual(metadata.ownerReferences, [
    {
      apiVersion: 'chaoscraft.io/v1alpha1',
      kind: 'ChaosSchedule',
      name: 'nightly',
      uid: 'schedule-uid',
      controller: true,
      blockOwnerDeletion: true,
    },
  ]);
  assert.deepEqual(metadata.labels, { team: 'shop', 'chaoscraft.io/schedule': 'nightly' });
  assert.equal(metadata.annotations?.['chaoscraft.io/revision'], 'a'.repeat(40));
  assert.equal(metadata.annotations?.['chaoscraft.io/scheduled-time'], '2026-05-04T10:01:00.000Z');
  assert.deepEqual(action.run.spec, template.spec);
});

test('run names stay DNS labels for the longest schedule names, and differ between schedules', () => {
  const names = ['a'.repeat(253), `${'a'.repeat(252)}b`, 'shop.checkout.nightly', `x${'-y'.repeat(30)}`];
  const runNames = names.map((name) => {
    const world = new ScheduleWorld({ spec: {}, created: '2026-05-04T10:00:30Z', name });
    world.now = new Date('2026-05-04T10:01:00Z');
    return world.reconcile().actions[0]?.type === 'createRun' ? world.created[0]! : '';
  });
  for (const name of runNames) {
    assert.match(name, /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/);
    assert.ok(name.length <= 63, name);
    assert.ok(name.endsWith('-1777888860'), name);
  }
  assert.equal(new Set(runNames).size, runNames.length);
});
