// The controller harness fails a test whose controller was refused anything: a missing rule (or a product
// change that needs a new permission) cannot pass unnoticed in the integration tests.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import {
  experiment,
  finished,
  startCluster,
  startController,
  waitForExperiment,
} from '../controller/manager/harness.ts';

test('close() fails when the server refused one of the controller’s requests', async () => {
  const server = await startCluster({ replicas: 1 });
  try {
    const controller = await startController(server);
    const probe = { name: 'secret', kubernetes: { apiVersion: 'v1', kind: 'ConfigMap', name: 'settings' } };
    server.create(experiment('refused', { hypothesis: { probes: [probe] } }));
    await waitForExperiment(server, 'refused', finished);
    await assert.rejects(
      controller.close(),
      /refused 1 request\(s\) of the controller with 403[\s\S]*get configmaps shop\/settings/,
    );
  } finally {
    await server.close();
  }
});
