import assert from 'node:assert/strict';
import { test } from 'node:test';
import { experimentFinalizer } from '../../../../controller/api/contract.ts';
import { pods, World } from './world.ts';

test('happy path: finalizer, records, inject, wait the duration, recover, Completed', () => {
  const world = new World({ spec: { duration: '60s' } });
  world.step();
  assert.deepEqual(world.experiment.metadata.finalizers, [experimentFinalizer], 'the finalizer comes first');
  assert.equal(world.actions('inject').length, 0, 'nothing is injected before the finalizer is in place');
  world.step();
  assert.equal(world.condition('Succeeded')?.reason, 'Injecting');
  assert.equal(world.experiment.status?.targets?.length, 1);
  assert.equal(world.experiment.status?.targets?.[0]?.state, 'pending', 'records are written before effects');
  assert.equal(world.actions('inject').length, 0);
  const started = world.now.getTime();
  world.runToEnd();
  const status = world.experiment.status!;
  assert.equal(world.condition('Succeeded')?.status, 'True');
  assert.equal(world.condition('Succeeded')?.reason, 'Completed');
  assert.equal(world.condition('Injected')?.status, 'True');
  assert.equal(world.condition('Recovered')?.status, 'True');
  assert.equal(status.targets?.[0]?.state, 'recovered');
  assert.equal(status.report?.verdict, 'Passed');
  assert.equal(status.report?.targetsHit, 1);
  assert.ok(world.now.getTime() - started >= 60_000, 'the faults stayed for the whole duration');
  assert.deepEqual([...world.injections.values()], [1], 'injected exactly once');
  assert.equal(status.observedGeneration, 1);
  assert.ok(status.completionTime && status.startTime);
  assert.deepEqual(
    world.events.map((e) => e.reason),
    ['Injecting', 'Running', 'Recovering', 'Completed'],
  );
});

test('the run waits with requeueAfter, never by polling', () => {
  const world = new World({ spec: { duration: '5m' } });
  const waits: (number | undefined)[] = [];
  for (let i = 0; i < 10 && world.condition('Succeeded')?.status !== 'True'; i++) waits.push(world.step());
  assert.ok(waits.includes(300_000), `expected one wait of the full duration, got ${waits.join(',')}`);
  assert.ok(world.steps < 10, `finished in ${world.steps} reconciles`);
});

test('lastTransitionTime changes only when a condition status changes', () => {
  const world = new World({ spec: {} });
  world.step();
  world.step();
  const first = world.condition('Succeeded')!.lastTransitionTime;
  world.now = new Date(world.now.getTime() + 1000);
  world.step(); // performs the injections
  world.step(); // Injecting → Running: the reason changes, the status stays Unknown
  assert.equal(world.condition('Succeeded')!.reason, 'Running');
  assert.equal(world.condition('Succeeded')!.lastTransitionTime, first);
  world.runToEnd();
  assert.notEqual(world.condition('Succeeded')!.lastTransitionTime, first);
});

test('mode all with two faults records one entry per target and fault', () => {
  const world = new World({
    spec: { mode: 'all', faults: [{ podKill: {} }, { name: 'slow', networkLatency: { latency: '100ms' } }] },
    candidates: pods(4),
  });
  world.runToEnd();
  const targets = world.experiment.status!.targets!;
  assert.equal(targets.length, 8);
  assert.deepEqual([...new Set(targets.map((t) => t.fault))].sort(), ['podkill-0', 'slow']);
  assert.equal(world.experiment.status!.report!.targetsHit, 4);
});

test('a before-probe that fails its threshold ends the run HypothesisFailed with nothing injected', () => {
  const world = new World({
    spec: {
      hypothesis: {
        probes: [{ name: 'up', http: { url: 'http://x' }, failureThreshold: 3, interval: '5s' }],
      },
    },
    probe: () => 'Failed',
  });
  world.runToEnd();
  assert.equal(world.condition('Succeeded')?.reason, 'HypothesisFailed');
  assert.equal(world.condition('Succeeded')?.status, 'False');
  assert.equal(world.actions('inject').length, 0);
  assert.equal(world.actions('runProbes').length, 3, 'the probe was tried failureThreshold times');
  assert.equal(world.condition('HypothesisHolds')?.status, 'False');
});

test('a before-probe that passes on the second try lets the run go on (waiting for the steady state)', () => {
  let calls = 0;
  const world = new World({
    spec: {
      hypothesis: {
        probes: [{ name: 'up', http: { url: 'http://x' }, failureThreshold: 3, when: ['before'] }],
      },
    },
    probe: () => (++calls === 1 ? 'Failed' : 'Passed'),
  });
  world.runToEnd();
  assert.equal(world.condition('Succeeded')?.reason, 'Completed');
  assert.equal(calls, 2);
});

test('a during-probe failure recovers at once (abort.onHypothesisFailure defaults to true)', () => {
  const world = new World({
    spec: {
      duration: '10m',
      hypothesis: { probes: [{ name: 'up', http: { url: 'http://x' }, interval: '10s', when: ['during'] }] },
    },
    probe: (_name, _phase, w) =>
      w.now.getTime() - Date.parse(w.experiment.status!.startTime!) > 30_000 ? 'Failed' : 'Passed',
  });
  world.runToEnd();
  const status = world.experiment.status!;
  assert.equal(world.condition('Succeeded')?.reason, 'HypothesisFailed');
  assert.equal(status.targets![0]!.state, 'recovered');
  const ran = Date.parse(status.recoveryStartTime!) - Date.parse(status.startTime!);
  assert.ok(ran < 60_000, `recovery began ${ran} ms after the start, long before the 10m duration`);
  assert.equal(status.report?.verdict, 'Failed');
});

test('with abort.onHypothesisFailure false the faults stay for the duration but the verdict is failed', () => {
  const world = new World({
    spec: {
      duration: '2m',
      abort: { onHypothesisFailure: false },
      hypothesis: { probes: [{ name: 'up', http: { url: 'http://x' }, interval: '30s', when: ['during'] }] },
    },
    probe: () => 'Failed',
  });
  world.runToEnd();
  const status = world.experiment.status!;
  const ran = Date.parse(status.recoveryStartTime!) - Date.parse(status.injectedTime!);
  assert.ok(ran >= 120_000, `stayed ${ran} ms`);
  assert.equal(world.condition('Succeeded')?.reason, 'HypothesisFailed');
});

test('after-probes run once the faults are gone and decide the verdict', () => {
  const world = new World({
    spec: { hypothesis: { probes: [{ name: 'up', http: { url: 'http://x' }, when: ['after'] }] } },
    probe: () => 'Error',
  });
  world.runToEnd();
  assert.equal(world.condition('Recovered')?.status, 'True');
  assert.equal(world.condition('Succeeded')?.reason, 'HypothesisFailed');
  assert.match(world.condition('HypothesisHolds')!.message, /probe up failed after the faults/);
});

test('a namespace that has not opted in is PolicyDenied and nothing is injected', () => {
  const world = new World({ spec: {}, namespaceLabels: { shop: {} } });
  world.runToEnd();
  assert.equal(world.condition('Succeeded')?.reason, 'PolicyDenied');
  assert.match(world.condition('Succeeded')!.message, /namespace-opt-in: namespace shop has not opted in/);
  assert.equal(world.actions('inject').length, 0);
  assert.equal(world.experiment.status?.targets, undefined);
});

test('an invalid spec is InvalidSpec, terminal, not retried', () => {
  const world = new World({ spec: { duration: '0s' } });
  world.runToEnd();
  assert.equal(world.condition('Succeeded')?.reason, 'InvalidSpec');
  assert.match(world.condition('Succeeded')!.message, /between 1s and 24h/);
  const steps = world.steps;
  assert.equal(world.step(), undefined);
  assert.equal(world.steps, steps + 1);
  assert.equal(world.actions('inject').length, 0);
});

test('no matching targets is NoTargets', () => {
  const world = new World({ spec: {}, candidates: [] });
  world.runToEnd();
  assert.equal(world.condition('Succeeded')?.reason, 'NoTargets');
});

test('dryRun records the targets and injects nothing', () => {
  const world = new World({ spec: { dryRun: true, mode: 'all' }, candidates: pods(5) });
  world.runToEnd();
  assert.equal(world.actions('inject').length, 0);
  assert.equal(world.experiment.status!.targets!.length, 5);
  assert.equal(world.experiment.status!.report!.verdict, 'DryRun');
  assert.equal(world.condition('Succeeded')?.status, 'True');
});

test('a finished experiment never runs again; a spec change (generation) runs it again', () => {
  const world = new World({ spec: {} });
  world.runToEnd();
  assert.equal(world.step(), undefined);
  assert.equal(world.actions('inject').length, 1);
  world.experiment.metadata.generation = 2;
  world.experiment.spec.duration = '30s';
  world.runToEnd();
  assert.equal(world.actions('inject').length, 2);
  assert.equal(world.experiment.status!.observedGeneration, 2);
  assert.equal(world.condition('Succeeded')?.reason, 'Completed');
});

test('deletion mid-run recovers every fault before the finalizer is released', () => {
  const world = new World({ spec: { mode: 'all', duration: '10m' }, candidates: pods(3) });
  for (let i = 0; i < 4; i++) world.step();
  assert.equal(world.condition('Succeeded')?.reason, 'Running');
  world.experiment.metadata.deletionTimestamp = world.now.toISOString();
  world.step();
  assert.ok(
    world.experiment.metadata.finalizers?.includes(experimentFinalizer),
    'the finalizer stays while recovering',
  );
  assert.equal(world.actions('recover').length, 3);
  world.runToEnd();
  assert.deepEqual(world.experiment.metadata.finalizers, []);
  assert.ok(world.experiment.status!.targets!.every((t) => t.state === 'recovered'));
  assert.equal(world.condition('Succeeded')?.reason, 'Aborted');
});

test('a spec change mid-run aborts and recovers the old run, then runs the new spec', () => {
  const world = new World({ spec: { duration: '10m' } });
  for (let i = 0; i < 4; i++) world.step();
  world.experiment.metadata.generation = 2;
  world.step();
  assert.equal(world.actions('recover').length, 1, 'the old fault is recovered first');
  world.step();
  assert.equal(world.condition('Succeeded')?.reason, 'Aborted');
  assert.equal(world.experiment.status!.observedGeneration, 1);
  world.runToEnd();
  assert.equal(world.experiment.status!.observedGeneration, 2);
  assert.equal(world.condition('Succeeded')?.reason, 'Completed');
});

test('suspending a policy (the kill switch) recovers a running experiment', () => {
  const world = new World({ spec: { duration: '10m' } });
  for (let i = 0; i < 4; i++) world.step();
  world.options.policies = [{ name: 'default', spec: { suspend: true } }];
  world.runToEnd();
  assert.equal(world.condition('Succeeded')?.reason, 'Aborted');
  assert.match(world.condition('Succeeded')!.message, /kill switch/);
  assert.equal(world.experiment.status!.targets![0]!.state, 'recovered');
});

test('a failed injection is recorded; when all fail the run ends InjectionFailed', () => {
  const world = new World({
    spec: { faults: [{ networkLatency: { latency: '100ms' } }] },
    inject: () => ({ ok: false, retryable: false, message: 'NetemUnavailable: the kernel lacks sch_netem' }),
  });
  world.runToEnd();
  assert.equal(world.condition('Succeeded')?.reason, 'InjectionFailed');
  assert.match(world.condition('Succeeded')!.message, /sch_netem/);
  assert.equal(world.experiment.status!.targets![0]!.state, 'failed');
});

test('a crash before the status write re-plans the same injections (executors must be idempotent)', () => {
  const world = new World({ spec: { mode: 'all' }, candidates: pods(2) });
  world.step();
  world.step();
  world.step({ dropStatusWrite: true });
  assert.equal(
    world.experiment.status!.targets!.every((t) => t.state === 'pending'),
    true,
  );
  const before = world.actions('inject').length;
  world.step();
  assert.equal(world.actions('inject').length, before + 2, 'the same records are planned again');
  assert.deepEqual(
    world
      .actions('inject')
      .slice(0, 2)
      .map((a) => (a as { record: { name: string } }).record.name),
    world
      .actions('inject')
      .slice(2)
      .map((a) => (a as { record: { name: string } }).record.name),
  );
});

test('the targets are chosen deterministically from the recorded seed', () => {
  const choose = () => {
    const world = new World({ spec: { mode: 'fixed', value: 3 }, candidates: pods(20) });
    world.step();
    world.step();
    return world.experiment.status!.targets!.map((t) => t.name);
  };
  assert.deepEqual(choose(), choose());
  assert.equal(choose().length, 3);
});

test('more target records than fit in one object are refused before anything is recorded', () => {
  const world = new World({
    spec: { mode: 'all', faults: [{ podKill: {} }, { podKill: {} }, { podKill: {} }] },
    candidates: pods(6001),
  });
  world.runToEnd();
  assert.equal(world.condition('Succeeded')?.reason, 'PolicyDenied');
  assert.match(
    world.condition('Succeeded')!.message,
    /18003 target records .* would take up to \d+ KiB of status/,
  );
  assert.equal(world.experiment.status?.targets, undefined);
});

test('pod faults leave the node out of the record; it only matters to node faults', () => {
  const world = new World({
    spec: { mode: 'all', faults: [{ podKill: {} }, { cpuStress: { workers: 1 } }] },
    candidates: pods(1),
  });
  world.step();
  world.step();
  const [kill, stress] = world.experiment.status!.targets!;
  assert.equal(kill!.node, undefined);
  assert.equal(stress!.node, 'node-0');
});

test('the revision the spec came from is recorded when the run starts and kept for the whole run', () => {
  const first = 'a'.repeat(40);
  const world = new World({ spec: { duration: '1m' }, revision: first });
  world.step();
  world.step();
  assert.equal(world.experiment.status?.revision, first);
  // A later merge syncs another commit: this run still reports to the PR of its own commit.
  world.options.revision = 'b'.repeat(40);
  world.runToEnd();
  assert.equal(world.experiment.status?.revision, first);
  // The next generation records its own.
  world.experiment.metadata.generation = 2;
  world.runToEnd();
  assert.equal(world.experiment.status?.revision, 'b'.repeat(40));
});
