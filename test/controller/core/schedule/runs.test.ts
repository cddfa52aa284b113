// Which changes of a run concern its schedule (runChangeConcernsSchedule): the schedule controller
// is woken only by those, so a change it ignores must never change what planSchedule decides.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { planSchedule } from '../../../../controller/core/schedule/plan-schedule.ts';
import { runChangeConcernsSchedule, runOutcome } from '../../../../controller/core/schedule/runs.ts';
import type { ObservedRun } from '../../../../controller/core/schedule/types.ts';
import { ScheduleWorld } from './world.ts';

const at = '2026-05-04T10:01:00.000Z';

function run(reason: string | undefined, extra: Partial<ObservedRun['metadata']> = {}): ObservedRun {
  const conditions = reason
    ? [
        {
          type: 'Succeeded',
          status: reason === 'Completed' ? ('True' as const) : ('Unknown' as const),
          reason,
          message: '',
          lastTransitionTime: at,
        },
      ]
    : [];
  return {
    metadata: {
      name: 'nightly-1777888860',
      uid: 'run-uid',
      generation: 1,
      annotations: { 'chaoscraft.io/scheduled-time': at },
      ...extra,
    },
    ...(reason
      ? {
          status: {
            observedGeneration: 1,
            conditions,
            ...(reason === 'Completed' ? { completionTime: '2026-05-04T10:01:31Z' } : {}),
          },
        }
      : {}),
  };
}

/** The plan of a Forbid schedule at 10:02 owning `owned`. */
function planWith(owned: ObservedRun) {
  const world = new ScheduleWorld({ spec: {}, created: '2026-05-04T10:00:30Z' });
  world.schedule.status = { lastScheduleTime: at };
  world.now = new Date('2026-05-04T10:02:00.500Z');
  world.runs = [owned];
  return planSchedule(world.observe());
}

test("a run's steps under way, its records and its finalizer do not concern the schedule, nor change its plan", () => {
  const changes: [ObservedRun, ObservedRun][] = [
    [run(undefined), run('Injecting')],
    [run('Injecting'), run('Running')],
    [run('Running'), run('Recovering')],
    [run('Running'), { ...run('Running'), status: { ...run('Running').status, revision: 'abc' } }],
  ];
  for (const [before, after] of changes) {
    assert.equal(runChangeConcernsSchedule(before, after), false, JSON.stringify(after.status));
    assert.deepEqual(planWith(after), planWith(before));
  }
});

test('a run that finishes, is being deleted, or shows another UID or fire time concerns the schedule', () => {
  const changes: [ObservedRun, ObservedRun][] = [
    [run('Recovering'), run('Completed')],
    [run('Running'), run('Running', { deletionTimestamp: '2026-05-04T10:01:40Z' })],
    [run('Running'), run('Running', { uid: 'another' })],
    [
      run('Running'),
      run('Running', { annotations: { 'chaoscraft.io/scheduled-time': '2026-05-04T10:00:00Z' } }),
    ],
  ];
  for (const [before, after] of changes) assert.equal(runChangeConcernsSchedule(before, after), true);
  // The first of them changes the plan: the Forbid schedule starts the run it held back.
  assert.notDeepEqual(planWith(run('Completed')), planWith(run('Recovering')));
});

test('a finished run being deleted stays finished, though the deletion bumped its generation: not active, and no hold on a Forbid schedule', () => {
  // The API server bumps the generation when it marks an object with finalizers for deletion.
  const deleted = run('Completed', { generation: 2, deletionTimestamp: '2026-05-04T10:01:40Z' });
  assert.equal(runOutcome(deleted), 'succeeded');
  assert.equal(
    runOutcome({ ...deleted, metadata: { ...deleted.metadata, deletionTimestamp: undefined } }),
    'active',
    'not being deleted: a new spec to run',
  );
  assert.equal(
    runOutcome(run('Recovering', { generation: 2, deletionTimestamp: '2026-05-04T10:01:40Z' })),
    'active',
    'still recovering',
  );
  const plan = planWith(deleted);
  assert.deepEqual(plan.status.active, [{ name: 'nightly-1777888920' }], 'the new run only');
  assert.deepEqual(
    plan.actions.map((a) => a.type),
    ['createRun'],
  );
});
