// A schedule's runs pass the experiments' own admission (admitRun): a temporary guardrail (a
// blackout window, a suspended policy) holds a due run until it lifts, within startingDeadlineSeconds,
// and a later fire time supersedes it; a permanent denial refuses runs (Ready=False). Each with an Event.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { heldRunFate, judgeScheduledRun } from '../../../../controller/core/schedule/run-verdict.ts';
import { fireTimeOf, ScheduleWorld, template } from './world.ts';

const blackout = {
  name: 'release',
  spec: { blackoutWindows: [{ name: 'deploys', schedule: '0 10 * * *', duration: '20m' }] },
};

test('a run due inside a blackout window starts when it ends, when that is within startingDeadlineSeconds', () => {
  const world = new ScheduleWorld({
    spec: { schedule: '5 * * * *', startingDeadlineSeconds: 1800 },
    created: '2026-05-04T09:30:00Z',
  });
  world.policies = [blackout];
  world.runUntil('2026-05-04T10:05:00Z');
  assert.deepEqual(world.created, []);
  assert.equal(world.condition('RunWaiting')?.reason, 'BlackoutWindow');
  assert.equal(world.plans.at(-1)?.requeueAfterMs, 15 * 60_000, 'looked at again when the window ends');
  world.runUntil('2026-05-04T10:20:00Z');
  assert.deepEqual(world.created.map(fireTimeOf), ['2026-05-04T10:05:00.000Z']);
  assert.deepEqual(
    world.events().map((e) => e.split(':')[0]),
    ['RunWaiting', 'RunCreated'],
  );
});

test('a run the window holds past startingDeadlineSeconds is skipped with a Warning event; the next one runs', () => {
  const world = new ScheduleWorld({
    spec: { schedule: '5 * * * *', startingDeadlineSeconds: 300 },
    created: '2026-05-04T09:30:00Z',
  });
  world.policies = [blackout];
  world.runUntil('2026-05-04T11:05:00Z');
  assert.deepEqual(world.created.map(fireTimeOf), ['2026-05-04T11:05:00.000Z']);
  const skipped = world.plans.flatMap((p) => p.events).find((e) => e.reason === 'RunSkipped');
  assert.equal(skipped?.type, 'Warning');
  assert.match(skipped!.message, /the run due at 2026-05-04T10:05:00.000Z was skipped/);
  assert.equal(world.condition('RunWaiting')?.status, 'False');
});

test('a suspended policy holds runs until it is lifted; a permanent denial refuses them with Ready=False', () => {
  const world = new ScheduleWorld({ spec: { schedule: '*/10 * * * *' }, created: '2026-05-04T09:55:00Z' });
  world.policies = [{ name: 'kill-switch', spec: { suspend: true } }];
  world.runUntil('2026-05-04T10:25:00Z');
  assert.deepEqual(world.created, []);
  assert.equal(world.condition('RunWaiting')?.reason, 'Suspended');
  assert.equal(world.condition('Ready')?.status, 'True', 'a hold is not a fault of the schedule');
  world.policies = [];
  world.reconcile();
  assert.deepEqual(
    world.created.map(fireTimeOf),
    ['2026-05-04T10:20:00.000Z'],
    'only the latest held run starts',
  );
  assert.ok(world.events().some((e) => e.startsWith('RunSkipped: the run due at 2026-05-04T10:00:00.000Z')));

  world.policies = [{ name: 'no-pod-kill', spec: { deniedFaults: ['podKill'] } }];
  world.runUntil('2026-05-04T10:45:00Z');
  assert.equal(world.created.length, 1);
  const ready = world.condition('Ready');
  assert.equal(ready?.status, 'False');
  assert.equal(ready?.reason, 'PolicyDenied');
  assert.match(ready!.message, /ChaosPolicy no-pod-kill denies podKill/);
});

test('judgeScheduledRun is admitRun for the template: the same decisions, without targets', () => {
  const policy = {
    policies: [blackout],
    namespaceLabels: undefined,
    controllerNamespace: 'chaoscraft-system',
  };
  const judge = (at: string, spec = template.spec) =>
    judgeScheduledRun({
      namespace: 'shop',
      scheduleName: 'nightly',
      template: spec,
      policy,
      at: new Date(at),
    });
  assert.deepEqual(judge('2026-05-04T09:00:00Z'), { verdict: 'start' });
  const held = judge('2026-05-04T10:05:00Z');
  assert.equal(held.verdict, 'wait');
  assert.equal(held.verdict === 'wait' && held.retryAt?.toISOString(), '2026-05-04T10:20:00.000Z');
  const invalid = judge('2026-05-04T09:00:00Z', {
    ...template.spec,
    selector: { processes: { command: 'x' } } as never,
  });
  assert.equal(invalid.verdict === 'refuse' && invalid.reason, 'InvalidSpec');
});

test('heldRunFate: delayed until the window ends within startingDeadlineSeconds and before the next fire time; else skipped', () => {
  const at = new Date('2026-05-04T10:05:00Z');
  const liftsAt = new Date('2026-05-04T10:20:00Z');
  const next = new Date('2026-05-04T11:05:00Z');
  assert.deepEqual(heldRunFate({ at, next, liftsAt, startingDeadlineSeconds: 900 }), {
    fate: 'delayed',
    until: liftsAt,
  });
  assert.equal(heldRunFate({ at, next, liftsAt }).fate, 'skipped', 'no deadline: never late');
  assert.equal(heldRunFate({ at, next, liftsAt, startingDeadlineSeconds: 899 }).fate, 'skipped');
  const early = new Date('2026-05-04T10:15:00Z');
  assert.equal(heldRunFate({ at, next: early, liftsAt, startingDeadlineSeconds: 3600 }).fate, 'skipped');
  assert.equal(heldRunFate({ at, next, liftsAt: undefined, startingDeadlineSeconds: 3600 }).fate, 'skipped');
});

test('without startingDeadlineSeconds a run due inside a blackout window is skipped, as the PR plan shows it', () => {
  const world = new ScheduleWorld({ spec: { schedule: '5 * * * *' }, created: '2026-05-04T09:30:00Z' });
  world.policies = [blackout];
  world.runUntil('2026-05-04T11:05:00Z');
  assert.deepEqual(world.created.map(fireTimeOf), ['2026-05-04T11:05:00.000Z']);
  const skipped = world.plans.flatMap((p) => p.events).filter((e) => e.reason === 'RunSkipped');
  assert.equal(skipped.length, 1, 'said once');
  assert.match(
    skipped[0]!.message,
    /10:05:00.000Z was skipped: guardrail blackout: inside blackout window deploys/,
  );
});
