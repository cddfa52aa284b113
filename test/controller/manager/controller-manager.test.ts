// The real controller (informers, queue, reconciler, client) against the Kubernetes API test server.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { type KubeApiServer, makeWorkload } from '../../support/kube-api-server/index.ts';
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

let server: KubeApiServer;
let controller: Awaited<ReturnType<typeof startController>>;

before(async () => {
  server = await startCluster({ replicas: 3 });
  controller = await startController(server, { healthAddress: '127.0.0.1:0' });
});
after(async () => {
  await controller.close();
  await server.close();
});

const listPods = () =>
  (
    server.list({ apiVersion: 'v1', kind: 'Pod', namespace: 'shop' }) as {
      metadata: { name: string; uid: string };
    }[]
  ).map((p) => p.metadata);

test('a pod-kill experiment runs to Succeeded=True and the ReplicaSet replaces the pod', async () => {
  const podsBefore = listPods();
  server.create(experiment('kill-one', { mode: 'one', duration: '1s' }));
  const done = await waitForExperiment(server, 'kill-one', finished);
  assert.equal(condition(done, 'Succeeded')?.status, 'True', JSON.stringify(done.status));
  assert.equal(condition(done, 'Succeeded')?.reason, 'Completed');
  const targets = done.status!.targets as { name: string; uid: string; state: string }[];
  assert.equal(targets.length, 1);
  assert.equal(targets[0]!.state, 'recovered');
  await new Promise((resolve) => setTimeout(resolve, 100)); // the ReplicaSet recreates after 20 ms
  const podsAfter = listPods();
  assert.ok(!podsAfter.some((p) => p.uid === targets[0]!.uid), 'the chosen pod is gone');
  assert.ok(
    podsBefore.some((p) => p.uid === targets[0]!.uid),
    'the chosen pod existed',
  );
  assert.equal(podsAfter.length, 3, 'the ReplicaSet replaced it');
  assert.deepEqual(done.metadata.finalizers, ['chaoscraft.io/recover-faults']);
  assert.equal((done.status as { observedGeneration: number }).observedGeneration, 1);
});

test('every transition is recorded as a Kubernetes Event', async () => {
  const events = server.list({ apiVersion: 'v1', kind: 'Event', namespace: 'shop' }) as {
    reason: string;
    involvedObject: { name: string };
    metadata: { resourceVersion: string };
  }[];
  // The test server's resourceVersion is one counter, so it orders the events by creation.
  const reasons = events
    .filter((e) => e.involvedObject.name === 'kill-one')
    .sort((a, b) => Number(a.metadata.resourceVersion) - Number(b.metadata.resourceVersion))
    .map((e) => e.reason);
  assert.deepEqual(reasons, ['Injecting', 'Running', 'Recovering', 'Completed']);
});

test('the controller writes only status and metadata.finalizers, never spec', () => {
  const writes = server.requestLog.filter(
    (r) =>
      (r.verb === 'patch' || r.verb === 'update') &&
      r.resource === 'chaosexperiments' &&
      r.name === 'kill-one',
  );
  assert.ok(
    writes.some((w) => w.subresource === 'status'),
    'status goes through the status subresource',
  );
  assert.equal(
    writes.filter((w) => !w.subresource).length,
    1,
    'one write to the object itself: the finalizer',
  );
  const stored = getExperiment(server, 'kill-one')!;
  // generation moves on any spec change; it is still 1, so the spec is as the user wrote it.
  assert.equal(stored.metadata.generation, 1);
  assert.deepEqual((stored as unknown as { spec: { duration: string } }).spec.duration, '1s');
});

test('the opt-in label alone decides: the same run in a labelled twin namespace runs, here it is PolicyDenied by namespace-opt-in and no pod is touched', async () => {
  // Two namespaces alike in everything but the opt-in label: the same workload, the same
  // experiment, each experiment selecting pods of its own namespace (no cross-namespace guardrail
  // comes into play). Only the namespace-opt-in guardrail can tell them apart.
  const twin = (name: string, labels: Record<string, string>) => {
    server.create({ apiVersion: 'v1', kind: 'Namespace', metadata: { name, labels } });
    server.seed(makeWorkload({ name: 'web', namespace: name, replicas: 2, labels: { app: 'web' } }).objects);
    server.create({ ...experiment('opt-in', {}), metadata: { name: 'opt-in', namespace: name } });
  };
  const podUids = (namespace: string) =>
    new Set(
      (server.list({ apiVersion: 'v1', kind: 'Pod', namespace }) as { metadata: { uid: string } }[]).map(
        (p) => p.metadata.uid,
      ),
    );
  const address = (namespace: string) => ({
    apiVersion: 'chaoscraft.io/v1alpha1',
    kind: 'ChaosExperiment',
    namespace,
    name: 'opt-in',
  });
  const done = (namespace: string) =>
    waitFor({
      condition: () => {
        const object = server.get(address(namespace)) as Parameters<typeof finished>[0] | undefined;
        return object && finished(object) ? object : undefined;
      },
      timeoutMs: 15_000,
      what: `the experiment in ${namespace} to finish`,
    });
  twin('opted', { 'chaoscraft.io/allow': 'true' });
  twin('closed', {});
  const closedPods = podUids('closed');

  const allowed = await done('opted');
  assert.equal(condition(allowed, 'Succeeded')?.reason, 'Completed', JSON.stringify(allowed.status));
  const denied = await done('closed');
  const succeeded = condition(denied, 'Succeeded')!;
  assert.equal(succeeded.reason, 'PolicyDenied');
  const guardrails = [...succeeded.message!.matchAll(/guardrail ([a-z-]+):/g)].map((m) => m[1]);
  assert.deepEqual(guardrails, ['namespace-opt-in'], succeeded.message);
  assert.match(succeeded.message!, /namespace closed has not opted in/);
  const deleted = server.deleteRecords.filter((r) => r.resource === 'pods');
  assert.ok(
    deleted.some((r) => r.namespace === 'opted' && r.status === 200),
    'the labelled twin lost a pod',
  );
  assert.equal(deleted.filter((r) => r.namespace === 'closed').length, 0, 'no delete reached closed');
  assert.deepEqual(podUids('closed'), closedPods, 'every pod of closed is as it was');
});

test('deleting an experiment mid-run recovers and releases the finalizer', async () => {
  server.create(experiment('long', { duration: '10m' }));
  await waitForExperiment(server, 'long', (o) => condition(o, 'Succeeded')?.reason === 'Running');
  server.delete({
    apiVersion: 'chaoscraft.io/v1alpha1',
    kind: 'ChaosExperiment',
    namespace: 'shop',
    name: 'long',
  });
  const deadline = Date.now() + 10_000;
  while (Date.now() < deadline) {
    if (!getExperiment(server, 'long')) return;
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
  assert.fail('the experiment was never released');
});

test('/healthz, /readyz and /metrics answer', async () => {
  // The harness started the manager with an ephemeral health port; find it in the logs.
  const line = controller.logs.find((l) => l.includes('health and metrics server listening'));
  const url = JSON.parse(line!).url as string;
  assert.equal((await fetch(`${url}/healthz`)).status, 200);
  assert.equal((await fetch(`${url}/readyz`)).status, 200);
  const metrics = await (await fetch(`${url}/metrics`)).text();
  assert.match(metrics, /chaoscraft_reconcile_total\{controller="chaosexperiment",result="/);
  // kill-one and the opted-in twin of the opt-in test.
  assert.match(metrics, /chaoscraft_experiments_total\{result="True",reason="Completed"\} 2/);
});

test('--watch-namespaces: a controller restricted to other namespaces leaves this one alone', async () => {
  server.create({
    apiVersion: 'v1',
    kind: 'Namespace',
    metadata: { name: 'elsewhere', labels: { 'chaoscraft.io/allow': 'true' } },
  });
  await controller.close();
  const restricted = await startController(server, { watchNamespaces: ['elsewhere'] });
  try {
    server.create(experiment('not-watched', {}));
    server.create({
      ...experiment('watched', {}),
      metadata: { name: 'watched', namespace: 'elsewhere' },
      spec: { ...experiment('watched', {}).spec, selector: { names: ['none'] } },
    });
    const deadline = Date.now() + 10_000;
    let watched: Record<string, unknown> | undefined;
    while (Date.now() < deadline) {
      watched = server.get({
        apiVersion: 'chaoscraft.io/v1alpha1',
        kind: 'ChaosExperiment',
        namespace: 'elsewhere',
        name: 'watched',
      }) as Record<string, unknown>;
      if ((watched?.status as { completionTime?: string } | undefined)?.completionTime) break;
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
    assert.equal(
      condition(watched as never, 'Succeeded')?.reason,
      'NoTargets',
      'the watched namespace is reconciled',
    );
    assert.equal(
      getExperiment(server, 'not-watched')?.status,
      undefined,
      'the other namespace is not touched',
    );
    const lists = server.requestLog.filter((r) => r.verb === 'list' && r.resource === 'chaosexperiments');
    assert.ok(
      lists.some((r) => r.namespace === 'elsewhere'),
      'experiments are listed per namespace',
    );
  } finally {
    await restricted.close();
    controller = await startController(server);
  }
});
