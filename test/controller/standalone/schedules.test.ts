// ChaosSchedules in standalone mode: the cluster's schedule decisions create runs on this host; a
// schedule removed from the repository takes its runs with it.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { makeRepo, startRunner, startSleeper } from './harness.ts';

const cleanups: (() => void)[] = [];
after(() => {
  for (const cleanup of cleanups.reverse()) cleanup();
});

test('a ChaosSchedule fires in standalone mode: each fire time is a run on this host, with its own verdict', {
  timeout: 60_000,
}, async () => {
  // Four targets for two runs: the schedule may fire once or twice more before the runner reads the
  // commit that removes it, and a fire that found no target would fail its run (exit code 1).
  const sleepers = [startSleeper(), startSleeper(), startSleeper(), startSleeper()];
  for (const sleeper of sleepers) cleanups.push(() => sleeper.child.kill('SIGKILL'));
  const pattern = sleepers.map((s) => s.pattern.slice(1, -1)).join('|');
  const repo = makeRepo({
    'schedule.yaml': `apiVersion: chaoscraft.io/v1alpha1
kind: ChaosSchedule
metadata:
  name: every-two-seconds
spec:
  schedule: "@every 2s"
  concurrencyPolicy: Forbid
  template:
    spec:
      selector:
        processes:
          commandPattern: "^(${pattern})$"
      mode: one
      faults:
        - processKill: {}
      duration: 1s
`,
  });
  cleanups.push(repo.remove);
  const runner = startRunner({
    args: ['--repo', repo.repo, '--state-dir', repo.stateDir, '--interval', '1s'],
  });
  cleanups.push(() => runner.child.kill('SIGKILL'));
  await runner.waitFor(/default\/every-two-seconds {2}started run default\/every-two-seconds-\d+/, 15_000);
  await runner.waitFor(/default\/every-two-seconds-\d+ {2}PASSED Completed/, 15_000);
  // Two runs, one sleeper each (mode one): the second fire time picks a survivor.
  await runner.waitFor(/(PASSED Completed[\s\S]*){2}/, 20_000);
  // One sleeper per run: as many killed as runs passed, or one more while a later run is under way.
  const passed = runner.output().match(/PASSED Completed/g)?.length ?? 0;
  const killed = sleepers.filter((s) => !s.alive()).length;
  assert.ok(
    killed >= passed && killed <= passed + 1,
    `${killed} killed by ${passed} runs: ${runner.output()}`,
  );
  // The schedule leaves the repository: it and its runs are forgotten.
  repo.commit({ 'schedule.yaml': undefined }, 'remove the schedule');
  const deadline = Date.now() + 10_000;
  let state: { runs: Record<string, unknown>; schedules?: Record<string, unknown> } = { runs: {} };
  while (Date.now() < deadline) {
    state = JSON.parse(readFileSync(join(repo.stateDir, 'state.json'), 'utf8'));
    if (Object.keys(state.schedules ?? {}).length === 0 && Object.keys(state.runs).length === 0) break;
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
  assert.deepEqual(state.schedules, {});
  assert.deepEqual(state.runs, {});
  runner.child.kill('SIGTERM');
  assert.equal((await runner.exited).code, 0, runner.output());
});
