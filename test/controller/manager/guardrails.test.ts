// Guardrails against the real controller, with the API test server's watch delivery delayed as a
// real cache lags: the concurrency limit holds while the cache has not shown the runs admitted.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { runStateOf } from '../../../controller/core/experiment/run-state.ts';
import {
  condition,
  experiment,
  finished,
  getExperiment,
  startCluster,
  startController,
  waitForExperiment,
} from './harness.ts';

test('maxConcurrentExperiments 1 holds for six experiments created together, with the cache 300 ms behind', async (t) => {
  const server = await startCluster({ replicas: 6 });
  server.create({
    apiVersion: 'chaoscraft.io/v1alpha1',
    kind: 'ChaosPolicy',
    metadata: { name: 'one-at-a-time' },
    spec: { maxConcurrentExperiments: 1 },
  });
  const controller = await startController(server, { workers: 4 });
  t.after(async () => {
    await controller.close();
    await server.close();
  });
  server.setWatchDelay({ baseMs: 300, jitterMs: 50 });
  const names = Array.from({ length: 6 }, (_, i) => `together-${i}`);
  for (const name of names) server.create(experiment(name, { mode: 'one', duration: '1s' }));

  // The API server's objects are the truth: sample how many runs are in place at once.
  let most = 0;
  const deadline = Date.now() + 60_000;
  for (;;) {
    const objects = names.map((name) => getExperiment(server, name)!);
    const running = objects.filter((o) => runStateOf(o as never) === 'running').length;
    most = Math.max(most, running);
    if (objects.every(finished) || Date.now() > deadline) break;
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
  assert.ok(most <= 1, `${most} runs were admitted at once under a limit of 1`);
  for (const name of names) {
    assert.equal(
      condition(getExperiment(server, name), 'Succeeded')?.reason,
      'Completed',
      `${name} waited for its turn and then ran`,
    );
  }
});

test('with the cache 300 ms behind: a namespace opting out or a suspension right before a run never lets it complete', async (t) => {
  const server = await startCluster({ replicas: 3 });
  const controller = await startController(server, { workers: 4 });
  t.after(async () => {
    await controller.close();
    await server.close();
  });
  server.setWatchDelay({ baseMs: 300, jitterMs: 100 });

  // The label goes, and the experiment arrives right after: whichever event the cache sees first.
  server.patch({
    apiVersion: 'v1',
    kind: 'Namespace',
    name: 'shop',
    patch: { metadata: { labels: { 'chaoscraft.io/allow': null } } },
  });
  server.create(experiment('after-opt-out', { mode: 'all', duration: '5s' }));
  const optedOut = await waitForExperiment(server, 'after-opt-out', finished, 60_000);
  const reason = condition(optedOut, 'Succeeded')?.reason;
  assert.ok(reason === 'PolicyDenied' || reason === 'Aborted', `ended ${reason}`);
  assert.match(condition(optedOut, 'Succeeded')!.message!, /namespace-opt-in/);

  server.patch({
    apiVersion: 'v1',
    kind: 'Namespace',
    name: 'shop',
    patch: { metadata: { labels: { 'chaoscraft.io/allow': 'true' } } },
  });
  server.create({
    apiVersion: 'chaoscraft.io/v1alpha1',
    kind: 'ChaosPolicy',
    metadata: { name: 'stop' },
    spec: { suspend: true },
  });
  server.create(experiment('after-suspend', { mode: 'all', duration: '5s' }));
  const held = await waitForExperiment(
    server,
    'after-suspend',
    // PolicyDenied too: the cache may not show the label back yet, which refuses the run (safe).
    (o) => ['Suspended', 'Aborted', 'PolicyDenied'].includes(condition(o, 'Succeeded')?.reason ?? ''),
    60_000,
  ).catch((error: Error) => {
    const seen = condition(getExperiment(server, 'after-suspend'), 'Succeeded');
    throw new Error(`${error.message}; Succeeded is now ${JSON.stringify(seen)}`);
  });
  assert.notEqual(condition(held, 'Succeeded')?.reason, 'Completed');
});

test('with the cache 300 ms behind: a policy changed to deny the fault right before a run never lets it complete', async (t) => {
  const server = await startCluster({ replicas: 3 });
  server.create({
    apiVersion: 'chaoscraft.io/v1alpha1',
    kind: 'ChaosPolicy',
    metadata: { name: 'kinds' },
    spec: { deniedFaults: ['networkLoss'] },
  });
  const controller = await startController(server, { workers: 4 });
  t.after(async () => {
    await controller.close();
    await server.close();
  });
  // The cache holds the policy as it was, which allows pod kills: a run under it completes.
  server.create(experiment('before-change', { mode: 'one', duration: '1s' }));
  const before = await waitForExperiment(server, 'before-change', finished, 30_000);
  assert.equal(condition(before, 'Succeeded')?.reason, 'Completed', condition(before, 'Succeeded')?.message);

  server.setWatchDelay({ baseMs: 300, jitterMs: 100 });
  // The policy changes, and the experiment arrives right after: whichever event the cache sees first.
  server.patch({
    apiVersion: 'chaoscraft.io/v1alpha1',
    kind: 'ChaosPolicy',
    name: 'kinds',
    patch: { spec: { deniedFaults: ['podKill'] } },
  });
  server.create(experiment('after-change', { mode: 'all', duration: '5s' }));
  const after = await waitForExperiment(server, 'after-change', finished, 60_000);
  const reason = condition(after, 'Succeeded')?.reason;
  assert.ok(reason === 'PolicyDenied' || reason === 'Aborted', `ended ${reason}`);
  assert.match(condition(after, 'Succeeded')!.message!, /ChaosPolicy kinds denies podKill/);
});
