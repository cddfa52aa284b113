// Node faults through ChaosInjections: the controller creates one per target and fault, waits for
// the node agent's report, and deletes it to recover. The test plays the agent.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import type { KubeApiServer } from '../../support/kube-api-server/index.ts';
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
let agentTimer: NodeJS.Timeout;
/** What the fake agent answers, by fault kind. */
const answers: Record<string, { status: 'True' | 'False'; reason: string; message: string }> = {
  networkLoss: { status: 'True', reason: 'Injected', message: 'nft table in place' },
  networkLatency: { status: 'False', reason: 'NetemUnavailable', message: 'the kernel lacks sch_netem' },
};
const seen: Record<string, unknown>[] = [];

type Injection = {
  metadata: {
    name: string;
    namespace: string;
    finalizers?: string[];
    deletionTimestamp?: string;
    labels: Record<string, string>;
  };
  spec: {
    fault: Record<string, unknown>;
    node: string;
    tag: string;
    deadline: string;
    target: { pod: { uid: string } };
  };
  status?: { conditions?: { type: string }[] };
};

function playAgent(): void {
  const address = (i: Injection) => ({
    apiVersion: 'chaoscraft.io/v1alpha1',
    kind: 'ChaosInjection',
    namespace: i.metadata.namespace,
    name: i.metadata.name,
  });
  const now = new Date().toISOString();
  for (const injection of server.list({
    apiVersion: 'chaoscraft.io/v1alpha1',
    kind: 'ChaosInjection',
  }) as Injection[]) {
    if (!seen.some((s) => (s as Injection).metadata.name === injection.metadata.name))
      seen.push(structuredClone(injection));
    if (injection.metadata.deletionTimestamp) {
      server.patch({
        ...address(injection),
        subresource: 'status',
        patchType: 'merge',
        patch: {
          status: {
            recoveredAt: now,
            conditions: [
              {
                type: 'Recovered',
                status: 'True',
                reason: 'Recovered',
                message: 'removed',
                lastTransitionTime: now,
              },
            ],
          },
        },
      });
      server.patch({ ...address(injection), patchType: 'merge', patch: { metadata: { finalizers: [] } } });
    } else if (!injection.metadata.finalizers?.length) {
      server.patch({
        ...address(injection),
        patchType: 'merge',
        patch: { metadata: { finalizers: ['chaoscraft.io/agent-recover'] } },
      });
      const kind = Object.keys(injection.spec.fault).find((k) => k !== 'name')!;
      const answer = answers[kind]!;
      server.patch({
        ...address(injection),
        subresource: 'status',
        patchType: 'merge',
        patch: {
          status: {
            ...(answer.status === 'True' ? { injectedAt: now } : {}),
            conditions: [{ type: 'Injected', ...answer, lastTransitionTime: now }],
          },
        },
      });
    }
  }
}

before(async () => {
  server = await startCluster({ replicas: 2 });
  controller = await startController(server);
  agentTimer = setInterval(playAgent, 10);
});
after(async () => {
  clearInterval(agentTimer);
  await controller.close();
  await server.close();
});

test('a node fault becomes one ChaosInjection per target, injected when the agent says so, removed to recover', async () => {
  const started = Date.now();
  server.create(
    experiment('loss', { mode: 'all', duration: '1s', faults: [{ networkLoss: { percent: 30 } }] }),
  );
  const done = await waitForExperiment(server, 'loss', finished);
  assert.equal(condition(done, 'Succeeded')?.reason, 'Completed', JSON.stringify(done.status));
  const targets = done.status!.targets as { node?: string; state: string; injectedAt?: string }[];
  assert.equal(targets.length, 2);
  assert.ok(targets.every((t) => t.state === 'recovered' && t.node === 'node-1' && t.injectedAt));
  const created = seen.filter(
    (s) => (s as Injection).metadata.labels['chaoscraft.io/experiment'] === 'loss',
  ) as Injection[];
  assert.equal(created.length, 2, 'one injection per target, never two');
  for (const injection of created) {
    assert.equal(injection.metadata.labels['chaoscraft.io/node'], 'node-1');
    assert.match(injection.spec.tag, /^cc[0-9a-f]{12}$/);
    // The API server applies the schema's defaults, as kube-apiserver does.
    assert.deepEqual(injection.spec.fault, {
      networkLoss: { percent: 30, direction: 'egress', protocol: 'all' },
    });
    const deadline = Date.parse(injection.spec.deadline);
    assert.ok(
      deadline > started + 1000 && deadline < Date.now() + 60_000,
      'an absolute deadline past the run',
    );
  }
  assert.equal(
    server.list({ apiVersion: 'chaoscraft.io/v1alpha1', kind: 'ChaosInjection', namespace: 'shop' }).length,
    0,
    'every injection is gone after recovery',
  );
});

test('an agent that cannot inject (no sch_netem) ends the run InjectionFailed with its reason', async () => {
  server.create(
    experiment('latency', { duration: '1s', faults: [{ networkLatency: { latency: '100ms' } }] }),
  );
  const done = await waitForExperiment(server, 'latency', finished);
  assert.equal(condition(done, 'Succeeded')?.reason, 'InjectionFailed');
  assert.match(condition(done, 'Succeeded')!.message!, /NetemUnavailable: the kernel lacks sch_netem/);
});
