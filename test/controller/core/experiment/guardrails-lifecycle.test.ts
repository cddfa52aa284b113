// The guardrails over a whole run: what the selector can mean in a cluster, re-checks on every
// step of a run, and the temporary guardrails that hold a run back instead of refusing it.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { ChaosPolicySpec } from '../../../../controller/api/types.generated.ts';
import { pods, World } from './world.ts';

const optedIn = { 'chaoscraft.io/allow': 'true' };
const policy = (spec: ChaosPolicySpec) => [{ name: 'default', spec }];

/** Steps until the run is in place (Running), bounded. */
function untilRunning(world: World): void {
  for (let i = 0; i < 20 && world.condition('Succeeded')?.reason !== 'Running'; i++) world.step();
  assert.equal(world.condition('Succeeded')?.reason, 'Running');
}

test('a selector of host processes or network namespaces is refused in a cluster, whatever the namespace', () => {
  for (const selector of [{ processes: { names: ['sshd'] } }, { netns: { names: ['ccfx'] } }]) {
    const world = new World({
      spec: { selector, faults: [{ processKill: {} }] } as never,
      // Even an opted-in namespace with a matching pod: the controller would signal every process in it.
      namespaceLabels: { shop: optedIn },
    });
    world.runToEnd();
    assert.equal(world.condition('Succeeded')?.reason, 'InvalidSpec', JSON.stringify(selector));
    assert.match(
      world.condition('Succeeded')!.message,
      /only standalone mode runs; in a cluster, select pods/,
    );
    assert.equal(world.actions('inject').length, 0);
  }
});

test('a processes selector cannot slip past the namespace guardrails: kube-system is still judged', () => {
  const world = new World({
    spec: {
      selector: { processes: { names: ['kubelet'] }, labelSelector: { matchLabels: { app: 'web' } } },
    } as never,
    candidates: pods(1, 'kube-system'),
    namespaceLabels: { 'kube-system': optedIn, shop: optedIn },
  });
  world.experiment.metadata.namespace = 'kube-system';
  world.runToEnd();
  assert.notEqual(world.condition('Succeeded')?.reason, 'Completed');
  assert.equal(world.actions('inject').length, 0);
});

test('podFailure (not implemented yet) is refused before anything is recorded', () => {
  const world = new World({ spec: { faults: [{ podFailure: {} }] } });
  world.runToEnd();
  assert.equal(world.condition('Succeeded')?.reason, 'InvalidSpec');
  assert.match(world.condition('Succeeded')!.message, /podFailure is not implemented yet/);
  assert.equal(world.experiment.status?.targets, undefined);
});

for (const [what, change] of [
  [
    'a blackout window that opens',
    (world: World) => {
      // Every day from 10:00 UTC for an hour; the run started at 10:00 and is past 10:00:00.
      world.options.policies = policy({ blackoutWindows: [{ schedule: '0 10 * * *', duration: '1h' }] });
    },
  ],
  [
    'a deny rule for its namespace',
    (world: World) => {
      world.options.policies = policy({ namespaces: { deny: ['shop'] } });
    },
  ],
  [
    'its fault kind removed from the allowed ones',
    (world: World) => {
      world.options.policies = policy({ allowedFaults: ['cpuStress'] });
    },
  ],
  [
    'its namespace opting out',
    (world: World) => {
      world.options.namespaceLabels = { shop: {} };
    },
  ],
  [
    'the kill switch',
    (world: World) => {
      world.options.policies = policy({ suspend: true });
    },
  ],
] as const) {
  test(`a running experiment is aborted and recovered at once by ${what}`, () => {
    const world = new World({ spec: { duration: '10m', mode: 'all' }, candidates: pods(3) });
    untilRunning(world);
    const before = world.now.getTime();
    change(world);
    world.step();
    assert.equal(world.condition('Succeeded')?.reason, 'Recovering');
    assert.match(world.condition('Succeeded')!.message, /aborting: guardrail [a-z-]+: /);
    assert.equal(world.actions('recover').length, 3, 'every fault is recovered in that same step');
    world.runToEnd();
    assert.equal(world.condition('Succeeded')?.reason, 'Aborted');
    assert.ok(world.now.getTime() - before < 60_000, 'it did not wait for the duration');
    assert.ok(world.experiment.status!.targets!.every((t) => t.state === 'recovered'));
  });
}

test('each guardrail re-check names the guardrail that stopped the run', () => {
  const world = new World({ spec: { duration: '10m' } });
  untilRunning(world);
  world.options.policies = policy({ namespaces: { deny: ['shop'] } });
  world.runToEnd();
  assert.match(
    world.condition('Succeeded')!.message,
    /guardrail namespace-allowed: ChaosPolicy default denies namespace shop/,
  );
});

test('maxTargetsPercent and maxConcurrentExperiments are admission-time only: a run does not abort itself', () => {
  const world = new World({ spec: { duration: '2m' } });
  untilRunning(world);
  world.options.policies = policy({ maxConcurrentExperiments: 1, maxTargetsPercent: 1 });
  world.options.activeExperiments = 5;
  world.runToEnd();
  assert.equal(world.condition('Succeeded')?.reason, 'Completed');
});

test('merged during a blackout window: the run waits for the window to end, then runs', () => {
  const world = new World({
    spec: { duration: '1m' },
    policies: policy({ blackoutWindows: [{ name: 'standup', schedule: '30 9 * * *', duration: '1h' }] }),
  });
  world.step(); // finalizer
  const wait = world.step();
  assert.equal(world.condition('Succeeded')?.status, 'Unknown');
  assert.equal(world.condition('Succeeded')?.reason, 'BlackoutWindow');
  assert.match(world.condition('Succeeded')!.message, /guardrail blackout: inside blackout window standup/);
  assert.equal(wait, 30 * 60_000, 'it looks again exactly when the window ends (10:30)');
  assert.equal(world.experiment.status?.targets, undefined, 'nothing recorded while waiting');
  world.runToEnd();
  assert.equal(world.condition('Succeeded')?.reason, 'Completed');
  assert.equal(world.injections.size, 1);
  assert.ok(world.events.some((e) => e.reason === 'Admitted'));
});

test('merged while suspended: the run waits until the suspension is lifted (woken by the policy change)', () => {
  const world = new World({ spec: { duration: '1m' }, policies: policy({ suspend: true }) });
  world.step();
  assert.equal(world.step(), undefined, 'no timer: the policy informer wakes it');
  assert.equal(world.condition('Succeeded')?.reason, 'Suspended');
  assert.equal(world.step(), undefined, 'still waiting, still nothing injected');
  assert.equal(world.actions('inject').length, 0);
  world.options.policies = policy({ suspend: false });
  world.runToEnd();
  assert.equal(world.condition('Succeeded')?.reason, 'Completed');
});

test('at the concurrency limit: the run waits for a slot, then runs', () => {
  const world = new World({
    spec: { duration: '1m' },
    policies: policy({ maxConcurrentExperiments: 1 }),
    activeExperiments: 1,
  });
  world.step();
  const wait = world.step();
  assert.equal(world.condition('Succeeded')?.reason, 'ConcurrencyLimit');
  assert.ok(wait !== undefined && wait > 0, 'it looks again by itself as well as when woken');
  world.options.activeExperiments = 0;
  world.runToEnd();
  assert.equal(world.condition('Succeeded')?.reason, 'Completed');
});

test('a permanent denial stays terminal even when a temporary one also applies', () => {
  const world = new World({
    spec: {},
    policies: [
      { name: 'a', spec: { suspend: true } },
      { name: 'b', spec: { namespaces: { deny: ['shop'] } } },
    ],
  });
  world.runToEnd();
  assert.equal(world.condition('Succeeded')?.status, 'False');
  assert.equal(world.condition('Succeeded')?.reason, 'PolicyDenied');
  assert.equal(world.step(), undefined);
});

test('a blackout window whose schedule cannot be evaluated holds runs back (fails closed)', () => {
  const world = new World({
    spec: {},
    policies: policy({
      blackoutWindows: [{ schedule: '0 10 * * *', duration: '1h', timeZone: 'Mars/Base' }],
    }),
  });
  world.step();
  world.step();
  assert.equal(world.condition('Succeeded')?.reason, 'BlackoutWindow');
  assert.match(world.condition('Succeeded')!.message, /cannot be evaluated, so it counts as open/);
  assert.equal(world.actions('inject').length, 0);
});

test('deleting a waiting experiment releases it at once: nothing was injected', () => {
  const world = new World({ spec: {}, policies: policy({ suspend: true }) });
  world.step();
  world.step();
  world.experiment.metadata.deletionTimestamp = world.now.toISOString();
  world.step();
  assert.deepEqual(world.experiment.metadata.finalizers, []);
  assert.equal(world.actions('recover').length, 0);
});

test('a policy source that cannot be read is said on the run, and cleared once it is read again', () => {
  const world = new World({ spec: { duration: '10m' } });
  world.step();
  world.step();
  assert.equal(world.condition('PolicySourcesReady'), undefined, 'no condition while all is well');
  world.options.policySourceProblems = [
    'Git policy source https://git.example/policies unreachable since 10:00',
  ];
  untilRunning(world);
  assert.equal(world.condition('PolicySourcesReady')?.status, 'False');
  assert.match(world.condition('PolicySourcesReady')!.message, /unreachable since 10:00/);
  assert.equal(
    world.condition('Succeeded')?.reason,
    'Running',
    'the cluster policies still apply; the run goes on',
  );
  world.options.policySourceProblems = [];
  world.step();
  assert.equal(world.condition('PolicySourcesReady')?.status, 'True');
});
