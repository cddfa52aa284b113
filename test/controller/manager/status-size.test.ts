// The status bound against an API server that refuses objects over 1.5 MiB, as etcd does: a run
// that would outgrow its object is refused up front, and one at the bound records to the end.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { makeRunningPod } from '../../support/kube-api-server/index.ts';
import {
  condition,
  experiment,
  finished,
  startCluster,
  startController,
  waitForExperiment,
} from './harness.ts';

/** Bare pods (no owner, so nothing recreates them) with 253-character names, the longest legal. */
function longNamedPods(count: number, label: string) {
  return Array.from({ length: count }, (_, i) => {
    const suffix = `-${i.toString().padStart(6, '0')}`;
    return makeRunningPod({
      name: `${label}${'l'.repeat(253 - label.length - suffix.length)}${suffix}`,
      namespace: 'shop',
      labels: { app: label },
      nodeName: `ip-10-0-${i % 250}-1.eu-west-1.compute.internal`,
    });
  });
}

test('status size: too many long-named targets are refused at once; at the bound every write lands', async (t) => {
  const server = await startCluster({ replicas: 1 });
  let controller: Awaited<ReturnType<typeof startController>> | undefined;
  t.after(async () => {
    await controller?.close();
    await server.close();
  });
  server.seed([...longNamedPods(4000, 'wide'), ...longNamedPods(1500, 'bound')]);
  controller = await startController(server);

  server.create(
    experiment('too-wide', { mode: 'all', selector: { labelSelector: { matchLabels: { app: 'wide' } } } }),
  );
  const refused = await waitForExperiment(server, 'too-wide', finished);
  assert.equal(condition(refused, 'Succeeded')?.reason, 'PolicyDenied');
  assert.match(condition(refused, 'Succeeded')!.message!, /4000 target records .* more than the \d+ KiB/);

  server.create(
    experiment('at-bound', { mode: 'all', selector: { labelSelector: { matchLabels: { app: 'bound' } } } }),
  );
  const done = await waitForExperiment(server, 'at-bound', finished, 60_000);
  assert.equal(condition(done, 'Succeeded')?.reason, 'Completed', condition(done, 'Succeeded')?.message);
  const stored = Buffer.byteLength(JSON.stringify(done));
  assert.ok(stored > 500_000 && stored < 1_572_864, `${stored} bytes stored`);
  assert.equal((done.status?.targets as unknown[] | undefined)?.length, 1500);
});
