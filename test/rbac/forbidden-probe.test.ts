// Under the chart's least privilege, a kubernetes probe of a kind the controller may not read gets 403.
// The run must not inject anything, and the controller must say why where a user looks: the probe's
// result, the experiment's conditions and a Warning event all carry the refusal and the identity.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import {
  condition,
  experiment,
  finished,
  startCluster,
  startController,
  waitForExperiment,
} from '../controller/manager/harness.ts';
import type { KubeApiServer } from '../support/kube-api-server/index.ts';
import { probeOfDeployment } from './controller-scenario.ts';

let server: KubeApiServer;
let controller: Awaited<ReturnType<typeof startController>>;

before(async () => {
  server = await startCluster({ replicas: 2 });
  server.create({
    apiVersion: 'v1',
    kind: 'ConfigMap',
    metadata: { name: 'settings', namespace: 'shop' },
    data: { mode: 'on' },
  });
  // The refusal is what this test is about.
  controller = await startController(server, { allowForbidden: true });
});
after(async () => {
  await controller.close();
  await server.close();
});

interface Probe {
  name: string;
  outcome: string;
  message: string;
}

test('a probe of a kind outside the chart’s rules is refused, and the run says so without injecting', async () => {
  const pods = server.list({ apiVersion: 'v1', kind: 'Pod', namespace: 'shop' }).length;
  server.create(
    experiment('configmap-probe', {
      hypothesis: {
        probes: [
          {
            name: 'settings-on',
            kubernetes: {
              apiVersion: 'v1',
              kind: 'ConfigMap',
              name: 'settings',
              field: { path: 'data.mode', equals: 'on' },
            },
          },
        ],
      },
    }),
  );
  const done = await waitForExperiment(server, 'configmap-probe', finished);

  assert.deepEqual(
    server.forbiddenRequests().map((r) => `${r.verb} ${r.resource} ${r.namespace}/${r.name}`),
    ['get configmaps shop/settings'],
  );
  const refusal =
    /ConfigMap shop\/settings \(v1\): read failed: .*configmaps "settings" is forbidden: User "system:serviceaccount:chaoscraft-system:controller" cannot get resource "configmaps/;
  const probe = (done.status!.probes as Probe[]).find((p) => p.name === 'settings-on');
  assert.equal(probe?.outcome, 'Error', 'a refused read is an error, not a failed check');
  assert.match(probe!.message, refusal);
  assert.match(probe!.message, /in the namespace "shop"/, 'the whole refusal, not a clipped one');
  assert.match(probe!.message, /grant its service account get on it/, 'says what to do');
  assert.equal(condition(done, 'Succeeded')?.status, 'False');
  assert.match(condition(done, 'Succeeded')!.message, refusal);
  assert.equal((done.status!.report as { targetsHit: number }).targetsHit, 0, 'nothing was injected');
  assert.equal(server.list({ apiVersion: 'v1', kind: 'Pod', namespace: 'shop' }).length, pods);

  await new Promise((resolve) => setTimeout(resolve, 200)); // events are recorded after the status write
  const warnings = (
    server.list({ apiVersion: 'v1', kind: 'Event', namespace: 'shop' }) as {
      type: string;
      message: string;
      involvedObject: { name: string };
    }[]
  ).filter((e) => e.type === 'Warning' && e.involvedObject.name === 'configmap-probe');
  assert.ok(
    warnings.some((e) => refusal.test(e.message)),
    `a Warning event names the refusal: ${JSON.stringify(warnings)}`,
  );
});

test('a probe of a Deployment, which the chart allows, reads it', async () => {
  server.resetRequestLog();
  // A dry run checks the hypothesis without faults, so the Deployment stays Available.
  server.create(
    experiment('deployment-probe', { dryRun: true, hypothesis: { probes: [probeOfDeployment] } }),
  );
  const done = await waitForExperiment(server, 'deployment-probe', finished);
  const probes = done.status!.probes as Probe[];
  assert.deepEqual(
    probes.map((p) => [p.name, p.outcome]),
    [['web-available', 'Passed']],
    JSON.stringify(probes),
  );
  assert.deepEqual(server.forbiddenRequests(), []);
});
