// Node faults through agents that answer late, never, or refuse: the run never hangs, and the
// finalizer is never released while a fault may still be in place.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { ChaosExperimentSpec } from '../../../../controller/api/types.generated.ts';
import { defaultRunTimeouts } from '../../../../controller/core/experiment/agent-reports.ts';
import { pods, World } from './world.ts';

const loss = { faults: [{ networkLoss: { percent: 50 } }] as ChaosExperimentSpec['faults'] };

test('an agent that answers: pending until its report arrives through the cache, then Running', () => {
  const world = new World({
    spec: { ...loss, duration: '1m' },
    agent: { onCreate: 'inject', onDelete: 'recover' },
  });
  world.step(); // finalizer
  world.step(); // records
  world.step(); // hand over
  const record = world.experiment.status!.targets![0]!;
  assert.equal(record.state, 'pending', 'handed over, not yet confirmed');
  assert.ok(record.injection, 'the record names its ChaosInjection');
  world.runToEnd();
  assert.equal(world.condition('Succeeded')?.reason, 'Completed');
  assert.equal(world.experiment.status!.targets![0]!.state, 'recovered');
  assert.equal(world.experiment.status!.targets![0]!.injection, undefined, 'its ChaosInjection is gone');
  assert.equal(world.children.size, 0);
  assert.ok(world.experiment.status!.injectedTime, 'the run clock is a field of its own');
});

test('no agent answers: after the agent timeout the records fail, the injections are withdrawn, the run ends', () => {
  const world = new World({
    spec: { ...loss, mode: 'all', duration: '1m' },
    candidates: pods(3),
    agent: { onCreate: 'silent', onDelete: 'recover' },
  });
  const started = world.now.getTime();
  world.runToEnd(50);
  assert.equal(world.condition('Succeeded')?.status, 'False');
  assert.equal(world.condition('Succeeded')?.reason, 'InjectionFailed');
  assert.match(world.condition('Succeeded')!.message, /no answer from the agent on node node-\d within 30s/);
  assert.equal(world.children.size, 0, 'every injection handed over was withdrawn');
  assert.ok(world.now.getTime() - started <= defaultRunTimeouts.agentMs + 1000, 'no longer than the timeout');
  assert.ok(world.steps < 20, `bounded: ${world.steps} steps, no polling`);
});

test('an agent that refuses: the record fails with its reason and the injection is removed', () => {
  const world = new World({
    spec: { ...loss, duration: '1m' },
    agent: { onCreate: 'refuse', onDelete: 'recover' },
  });
  world.runToEnd(50);
  assert.equal(world.condition('Succeeded')?.reason, 'InjectionFailed');
  assert.match(world.condition('Succeeded')!.message, /NetemUnavailable: the kernel lacks sch_netem/);
  assert.equal(world.children.size, 0);
});

test('a recovery no agent confirms: Stalled with a Warning after the recovery timeout, the finalizer stays', () => {
  const world = new World({
    spec: { ...loss, duration: '10s' },
    agent: { onCreate: 'inject', onDelete: 'silent' },
  });
  for (let i = 0; i < 8 && world.condition('Succeeded')?.reason !== 'Running'; i++) world.step();
  world.experiment.metadata.deletionTimestamp = world.now.toISOString();
  for (let i = 0; i < 20; i++) {
    if (world.step() === undefined) break;
  }
  assert.equal(world.condition('Stalled')?.status, 'True');
  assert.match(
    world.condition('Stalled')!.message,
    /1 fault\(s\) not confirmed recovered 2m after recovery began/,
  );
  assert.ok(world.events.some((e) => e.type === 'Warning' && e.reason === 'RecoveryStalled'));
  assert.ok(
    world.experiment.metadata.finalizers?.length,
    'the finalizer is never released while a fault may be in place',
  );
  assert.equal(world.deletes.size, 1);
  assert.equal([...world.deletes.values()][0], 1, 'removal is asked for once, not polled');
  // The agent comes back: the injection goes, the run finishes and the finalizer goes.
  world.options.agent = { onCreate: 'inject', onDelete: 'recover' };
  world.runToEnd();
  assert.equal(world.condition('Stalled')?.status, 'False');
  assert.deepEqual(world.experiment.metadata.finalizers, []);
});

test('a recovery the agent made on its own (the deadline) counts as recovered; the object is still removed', () => {
  const world = new World({
    spec: { ...loss, duration: '10m' },
    agent: { onCreate: 'inject', onDelete: 'recover' },
  });
  for (let i = 0; i < 8 && world.condition('Succeeded')?.reason !== 'Running'; i++) world.step();
  for (const child of world.children.values()) child.recovered = true;
  world.step();
  assert.equal(world.experiment.status!.targets![0]!.state, 'recovered');
});

test('node faults carry the deadline computed once from the run facts', () => {
  const world = new World({
    spec: { ...loss, duration: '1m' },
    agent: { onCreate: 'silent', onDelete: 'recover' },
  });
  world.step();
  world.step();
  world.step();
  const inject = world.actions('inject')[0] as { deadline?: Date };
  const start = Date.parse(world.experiment.status!.injectionStartTime!);
  assert.equal(inject.deadline?.getTime(), start + 30_000 + 60_000 + 30_000);
});

test('run facts live in fields of their own: abort and dry run', () => {
  const aborted = new World({ spec: { duration: '10m' } });
  for (let i = 0; i < 6 && aborted.condition('Succeeded')?.reason !== 'Running'; i++) aborted.step();
  aborted.experiment.metadata.generation = 2;
  aborted.step();
  assert.equal(aborted.experiment.status!.abort?.reason, 'SpecChanged');
  const dry = new World({ spec: { dryRun: true } });
  dry.runToEnd();
  assert.equal(dry.experiment.status!.dryRun, true);
  assert.equal(dry.experiment.status!.report?.verdict, 'DryRun');
});

test('after-probes that never pass end the run HypothesisFailed within the recovery timeout', () => {
  const world = new World({
    spec: {
      duration: '10s',
      hypothesis: {
        probes: [
          { name: 'up', http: { url: 'http://x' }, interval: '5s', failureThreshold: 1000, when: ['after'] },
        ],
      },
    },
    probe: () => 'Failed',
  });
  world.runToEnd(200);
  assert.equal(world.condition('Succeeded')?.reason, 'HypothesisFailed');
  assert.equal(world.condition('HypothesisHolds')?.reason, 'NotRestored');
  const waited =
    Date.parse(world.experiment.status!.completionTime!) -
    Date.parse(world.experiment.status!.recoveryStartTime!);
  assert.ok(waited <= defaultRunTimeouts.recoveryMs + 5000, `waited ${waited} ms`);
});

test('the probe timeline keeps each change of outcome, bounded', () => {
  let runs = 0;
  const world = new World({
    spec: {
      duration: '10m',
      abort: { onHypothesisFailure: false },
      hypothesis: {
        probes: [{ name: 'flaky', http: { url: 'http://x' }, interval: '1s', when: ['during'] }],
      },
    },
    probe: () => (runs++ % 2 ? 'Failed' : 'Passed'),
  });
  world.runToEnd(2000);
  const timeline = world.experiment.status!.probeTimeline!;
  assert.equal(timeline.length, 64, 'bounded');
  assert.ok(
    timeline.every((e, i) => i === 0 || e.outcome !== timeline[i - 1]!.outcome),
    'changes only',
  );
});

test('an unanswered injection is withdrawn as soon as it times out, while the answered ones run on', () => {
  const world = new World({
    spec: { ...loss, mode: 'all', duration: '10m' },
    candidates: pods(2),
    agent: { onCreate: 'silent', onDelete: 'recover' },
  });
  world.step();
  world.step();
  world.step(); // both handed over
  const [first, second] = [...world.children.keys()];
  assert.ok(first && second);
  // The agent answers for the first only; the second stays silent.
  world.children.get(first)!.injected = { status: 'True', reason: 'Injected', message: 'in place' };
  world.children.get(first)!.injectedAt = world.now.toISOString();
  for (let i = 0; i < 10 && world.condition('Succeeded')?.reason !== 'Running'; i++) world.step();
  assert.equal(world.condition('Succeeded')?.reason, 'Running', 'the answered target runs on');
  assert.equal(world.deletes.get(second), 1, 'the silent one was withdrawn at the timeout, not at the end');
  assert.equal(world.deletes.get(first), undefined);
});
