// The controller keeps working through what real API servers do to clients: dropped watches,
// expired resource versions (410), failing requests. Resilience is tested, not assumed.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import type { KubeApiServer } from '../../support/kube-api-server/index.ts';
import { waitFor } from '../../support/wait.ts';
import {
  condition,
  experiment,
  finished,
  startCluster,
  startController,
  waitForExperiment,
} from './harness.ts';

let server: KubeApiServer;
let controller: Awaited<ReturnType<typeof startController>>;

before(async () => {
  server = await startCluster({ replicas: 3 });
  controller = await startController(server);
});
after(async () => {
  await controller.close();
  await server.close();
});

const watchesOpen = (count: number) =>
  waitFor({
    condition: () => server.openWatchCount >= count,
    what: `${count} open watches`,
    timeoutMs: 10_000,
  });

test('after every watch is dropped abruptly, new experiments still run', async () => {
  const caches = controller.manager.caches.all().length;
  await watchesOpen(caches);
  const dropped = server.dropWatches();
  assert.equal(dropped, caches, 'one watch per cache was open and is dropped');
  server.create(experiment('after-drop', {}));
  const done = await waitForExperiment(server, 'after-drop', finished);
  assert.equal(condition(done, 'Succeeded')?.reason, 'Completed');
});

test('after the history is compacted (resumes get 410 Gone), the caches relist and runs go on', async () => {
  server.compactHistory();
  server.dropWatches();
  server.create(experiment('after-410', {}));
  const done = await waitForExperiment(server, 'after-410', finished);
  assert.equal(condition(done, 'Succeeded')?.reason, 'Completed');
});

test('failing status writes are retried with back-off until they land', async () => {
  server.failNext({ count: 3, status: 500, match: { verb: 'patch', resource: 'chaosexperiments/status' } });
  server.create(experiment('flaky-writes', {}));
  const done = await waitForExperiment(server, 'flaky-writes', finished);
  assert.equal(condition(done, 'Succeeded')?.reason, 'Completed');
  const targets = done.status!.targets as { state: string }[];
  assert.deepEqual(
    targets.map((t) => t.state),
    ['recovered'],
  );
});

test('a conflict (someone else wrote first) makes the controller re-read, not overwrite', async () => {
  server.failNext({
    count: 1,
    status: 409,
    reason: 'Conflict',
    match: { verb: 'patch', resource: 'chaosexperiments/status' },
  });
  server.create(experiment('conflict', {}));
  const done = await waitForExperiment(server, 'conflict', finished);
  assert.equal(condition(done, 'Succeeded')?.reason, 'Completed');
});
