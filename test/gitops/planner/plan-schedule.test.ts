// The PR plan's "next runs" and the controller judge a fire time with the same functions
// (judgeScheduledRun, heldRunFate): what the plan says about each fire time is what the controller
// does at it, walked here with the controller's own pure lifecycle.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { ChaosScheduleSpec } from '../../../controller/api/types.generated.ts';
import { planScheduleSpec } from '../../../gitops/planner/plan-schedule.ts';
import { fireTimeOf, ScheduleWorld, template } from '../../controller/core/schedule/world.ts';

const policy = {
  name: 'release',
  spec: { blackoutWindows: [{ name: 'deploys', schedule: '0 10 * * *', duration: '20m' }] },
};

async function nextRuns(spec: ChaosScheduleSpec) {
  const plan = await planScheduleSpec({
    namespace: 'shop',
    name: 'nightly',
    spec,
    context: { policies: [policy], controllerNamespace: 'chaoscraft-system' },
    seed: 'head',
    now: new Date('2026-05-04T09:30:00Z'),
  });
  return plan.fireTimes;
}

for (const startingDeadlineSeconds of [undefined, 300, 1800]) {
  test(`next runs match what the controller does (startingDeadlineSeconds ${startingDeadlineSeconds ?? 'unset'})`, async () => {
    const spec: ChaosScheduleSpec = { schedule: '5 * * * *', startingDeadlineSeconds, template };
    const fires = await nextRuns(spec);
    assert.deepEqual(
      fires.map((f) => f.at.toISOString()),
      ['2026-05-04T10:05:00.000Z', '2026-05-04T11:05:00.000Z', '2026-05-04T12:05:00.000Z'],
    );
    const world = new ScheduleWorld({ spec, created: '2026-05-04T09:30:00Z' });
    world.policies = [policy];
    world.runUntil('2026-05-04T12:10:00Z', () => {
      for (const name of world.activeRuns()) world.finish(name);
    });
    const started = new Map(
      world.runs.map((r) => [fireTimeOf(r.metadata.name), r.metadata.creationTimestamp]),
    );
    for (const fire of fires) {
      const at = fire.at.toISOString();
      if (fire.blackout && !fire.delayedUntil) assert.equal(started.get(at), undefined, `${at} is skipped`);
      else assert.equal(started.get(at), (fire.delayedUntil ?? fire.at).toISOString(), `${at} starts then`);
    }
    assert.equal(Boolean(fires[0]?.delayedUntil), startingDeadlineSeconds === 1800);
    assert.ok(fires[0]?.blackout?.startsWith('inside blackout window deploys of ChaosPolicy release'));
  });
}
