// Guardrails against the real controller, with the API test server's watch delivery delayed as a
// real cache lags: the concurrency limit holds while the cache has not shown the runs admitted.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { runStateOf } from '../../../controller/core/experiment/run-state.ts';
import { condition, experiment, finished, getExperiment, startCluster, startController } from './harness.ts';

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
