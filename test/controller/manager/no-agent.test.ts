// A node fault on a node with no agent: the run must not hang in Injecting with its finalizer on. It
// fails the targets after the agent timeout, withdraws the injections and ends.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { waitFor } from '../../support/wait.ts';
import {
  condition,
  experiment,
  finished,
  getExperiment,
  startCluster,
  startController,
  waitForExperiment,
} from './harness.ts';

test('no agent on the node: InjectionFailed after the agent timeout, no injection left, finalizer released on delete', async (t) => {
  const server = await startCluster({ replicas: 2 });
  const controller = await startController(server, { timeouts: { agentMs: 2000, recoveryMs: 5000 } });
  t.after(async () => {
    await controller.close();
    await server.close();
  });
  const started = Date.now();
  server.create(
    experiment('nobody-home', { mode: 'all', duration: '1m', faults: [{ networkLoss: { percent: 50 } }] }),
  );
  const done = await waitForExperiment(server, 'nobody-home', finished, 20_000);
  assert.equal(condition(done, 'Succeeded')?.reason, 'InjectionFailed');
  assert.match(condition(done, 'Succeeded')!.message!, /no answer from the agent on node .* within 2s/);
  assert.ok(Date.now() - started < 15_000, 'bounded by the agent timeout, not the duration');
  const left = server.list({
    apiVersion: 'chaoscraft.io/v1alpha1',
    kind: 'ChaosInjection',
    namespace: 'shop',
  });
  assert.deepEqual(left, [], 'every injection handed over was withdrawn');
  server.delete({
    apiVersion: 'chaoscraft.io/v1alpha1',
    kind: 'ChaosExperiment',
    namespace: 'shop',
    name: 'nobody-home',
  });
  await waitFor({
    condition: () => getExperiment(server, 'nobody-home') === undefined,
    timeoutMs: 10_000,
    what: 'the experiment gone: its finalizer released, nothing left in place',
  });
});
