// Stopping the controller reaches the work in flight: a probe waiting on a hung endpoint gives up at
// once instead of holding the shutdown for its timeout, and is not recorded as a failure.
import assert from 'node:assert/strict';
import { createServer, type Server } from 'node:http';
import { test } from 'node:test';
import { waitFor } from '../../support/wait.ts';
import { experiment, getExperiment, startCluster, startController } from './harness.ts';

test('SIGTERM-style stop aborts in-flight probes: the drain is quick and no failure is recorded', async (t) => {
  let requests = 0;
  // Answers nothing, ever: only an abort ends the probe before its 20 s timeout.
  const hung: Server = createServer(() => {
    requests++;
  });
  await new Promise<void>((resolve) => hung.listen(0, '127.0.0.1', resolve));
  const port = (hung.address() as { port: number }).port;
  const server = await startCluster();
  const controller = await startController(server);
  t.after(async () => {
    hung.closeAllConnections();
    hung.close();
    await server.close();
  });
  server.create(
    experiment('hung-probe', {
      duration: '1m',
      hypothesis: {
        probes: [
          { name: 'web', when: ['before'], timeout: '20s', http: { url: `http://127.0.0.1:${port}/` } },
        ],
      },
    }),
  );
  await waitFor({ condition: () => requests > 0, timeoutMs: 15_000, what: 'the probe reaches the endpoint' });
  const started = Date.now();
  await controller.manager.stop({ drainTimeoutMs: 30_000 });
  const took = Date.now() - started;
  assert.ok(took < 3000, `the stop took ${took} ms; an un-aborted probe would hold it for 20 s`);
  const probes = (getExperiment(server, 'hung-probe')?.status?.probes ?? []) as { outcome: string }[];
  assert.deepEqual(
    probes.filter((p) => p.outcome !== 'Passed'),
    [],
    'an aborted probe is not a failed one',
  );
});
