// The agent in-process against the Kubernetes API test server, with real nftables effects in a network
// namespace the test creates (root only). The test plays the controller by creating ChaosInjections.
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { after, before, describe, test } from 'node:test';
import { InjectionAgent } from '../../../controller/agent/injection-agent.ts';
import { hasProgram } from '../../../controller/host/command.ts';
import { grantProcess } from '../../support/chaoscraft-rbac.ts';
import { type KubeApiServer, kubeConfigFor } from '../../support/kube-api-server/index.ts';
import { createNetns, exec, type Netns, netnsUnavailableReason } from '../../support/netns.ts';
import {
  condition,
  getInjection,
  injection,
  NAMESPACE,
  newTag,
  recordingLogger,
  startServer,
  staticResolver,
  waitFor,
} from './agent-harness.ts';

const skipReason = netnsUnavailableReason() ?? (hasProgram('nft') ? undefined : 'nft is not installed');
const NODE = 'node-a';
const LEASE = { namespace: 'chaoscraft-system', name: 'chaoscraft-controller' };

async function tablesIn(netns: Netns): Promise<string[]> {
  const result = await exec({ argv: ['/usr/sbin/nft', 'list', 'tables'], netnsPath: netns.path });
  assert.equal(result.code, 0, result.stderr);
  return result.stdout
    .split('\n')
    .map((line) => line.trim())
    .filter(Boolean);
}

const hasTable = async (netns: Netns, tag: string) =>
  (await tablesIn(netns)).includes(`table inet chaoscraft_${tag}`);

const loss = { networkLoss: { percent: 100, interfaces: ['lo'] } };

describe('injection agent (in-process, real nftables)', { skip: skipReason }, () => {
  let server: KubeApiServer;
  let netns: Netns;
  let agent: InjectionAgent;
  const podUid = randomUUID();
  const logger = recordingLogger();

  before(async () => {
    server = await startServer();
    await grantProcess(server, 'agent');
    netns = await createNetns();
    agent = new InjectionAgent({
      kubeConfig: kubeConfigFor(server, { user: 'agent' }),
      nodeName: NODE,
      resolver: staticResolver(new Map([[podUid, { id: `netns/${netns.name}`, netnsPath: netns.path }]])),
      sweepIntervalMs: 60_000,
      logger,
    });
    await agent.start();
  });

  after(async () => {
    await agent?.stop();
    await server?.close();
    await netns?.destroy();
    assert.deepEqual(server?.forbiddenRequests() ?? [], [], 'the chart allows all the agent does');
  });

  test('networkLoss is applied, reported with its record, and recovered on deletion', async () => {
    const tag = newTag();
    server.create(
      injection({ name: 'loss-1', node: NODE, fault: loss, podUid, deadlineMs: Date.now() + 60_000, tag }),
    );
    const injected = await waitFor({
      what: 'Injected True',
      timeoutMs: 10_000,
      check: () => {
        const current = getInjection(server, 'loss-1');
        return condition(current, 'Injected')?.status === 'True' && current;
      },
    });
    assert.ok(await hasTable(netns, tag), 'the tagged nft table is in the namespace');
    assert.deepEqual(injected.metadata.finalizers, ['chaoscraft.io/agent-recover']);
    assert.equal(condition(injected, 'Injected')?.reason, 'Injected');
    assert.equal((injected.status?.record as { tag?: string } | undefined)?.tag, tag);
    assert.equal(typeof injected.status?.injectedAt, 'string');
    assert.equal(injected.status?.observedGeneration, 1);

    server.delete({
      apiVersion: 'chaoscraft.io/v1alpha1',
      kind: 'ChaosInjection',
      namespace: NAMESPACE,
      name: 'loss-1',
    });
    await waitFor({
      what: 'finalizer released',
      timeoutMs: 10_000,
      check: () => !getInjection(server, 'loss-1'),
    });
    assert.equal(await hasTable(netns, tag), false, 'the table is gone');
  });

  test('the deadline recovers the fault with nobody else acting', async () => {
    const tag = newTag();
    server.create(
      injection({ name: 'loss-2', node: NODE, fault: loss, podUid, deadlineMs: Date.now() + 1500, tag }),
    );
    await waitFor({ what: 'the table', timeoutMs: 10_000, check: () => hasTable(netns, tag) });
    // Two writes: the status says Recovered, then the finalizer goes; wait for both.
    const recovered = await waitFor({
      what: 'Recovered True and the finalizer released',
      timeoutMs: 10_000,
      check: () => {
        const current = getInjection(server, 'loss-2');
        const released = (current?.metadata.finalizers ?? []).length === 0;
        return condition(current, 'Recovered')?.status === 'True' && released && current;
      },
    });
    assert.equal(condition(recovered, 'Recovered')?.reason, 'DeadlineReached');
    assert.equal(condition(recovered, 'Injected')?.status, 'True', 'Injected stays True: it was injected');
    assert.equal(typeof recovered.status?.recoveredAt, 'string');
    assert.deepEqual(recovered.metadata.finalizers ?? [], [], 'the finalizer is released once recovered');
    assert.equal(await hasTable(netns, tag), false);
  });

  test('a hostile interface name is refused by the schema, and again by the agent', async () => {
    const tag = newTag();
    const hostile = injection({
      name: 'hostile',
      node: NODE,
      fault: { networkLoss: { percent: 50, interfaces: ['eth0;reboot'] } },
      podUid,
      deadlineMs: Date.now() + 60_000,
      tag,
    });
    assert.throws(() => server.create(hostile), /interfaces/, 'the API schema refuses it');
    // Something that bypassed admission (here: a direct store write) must still be refused by the agent. The
    // API server then refuses every write to the invalid object too, so the refusal shows in the metrics.
    server.seed([hostile]);
    await waitFor({
      what: 'the refusal',
      timeoutMs: 10_000,
      check: async () =>
        /kind="networkLoss",result="InvalidParams"} 1/.test(
          await agent.metrics.registry.getSingleMetricAsString('chaoscraft_agent_injections_total'),
        ),
    });
    assert.deepEqual(
      getInjection(server, 'hostile')?.metadata.finalizers ?? [],
      [],
      'no finalizer was added',
    );
    assert.equal(await hasTable(netns, tag), false, 'nothing changed on the node');
    const refusal = logger.lines.find(
      (line) => line.includes('injection failed') && line.includes('hostile'),
    );
    assert.ok(refusal, 'the refusal is logged');
    assert.ok(!refusal.includes('eth0;reboot'), 'the hostile value itself is not echoed');
  });

  test('a value the API server cannot judge but the agent refuses is refused in the status', async () => {
    const tag = newTag();
    // How long a duration is no schema states: `validate` and the agent check it, the API server cannot.
    server.create(
      injection({
        name: 'long-delay',
        node: NODE,
        fault: { networkLatency: { latency: '90s' } },
        podUid,
        deadlineMs: Date.now() + 60_000,
        tag,
      }),
    );
    const refused = await waitFor({
      what: 'Injected False',
      timeoutMs: 10_000,
      check: () => {
        const current = getInjection(server, 'long-delay');
        return condition(current, 'Injected')?.status === 'False' && current;
      },
    });
    assert.equal(condition(refused, 'Injected')?.reason, 'InvalidParams');
    assert.match(condition(refused, 'Injected')?.message ?? '', /latency: latency must be at most 60s/);
    assert.deepEqual(refused.metadata.finalizers ?? [], [], 'no finalizer: nothing was changed');
    assert.equal(await hasTable(netns, tag), false, 'nothing changed on the node');
  });

  test('an injection for another node is not touched', async () => {
    server.create(
      injection({ name: 'elsewhere', node: 'node-b', fault: loss, podUid, deadlineMs: Date.now() + 60_000 }),
    );
    await new Promise((resolve) => setTimeout(resolve, 500));
    assert.equal(getInjection(server, 'elsewhere')?.status, undefined);
  });

  test('a missing target is a final failure with reason TargetNotFound', async () => {
    server.create(
      injection({
        name: 'nopod',
        node: NODE,
        fault: loss,
        podUid: randomUUID(),
        deadlineMs: Date.now() + 60_000,
      }),
    );
    const failed = await waitFor({
      what: 'Injected False',
      timeoutMs: 10_000,
      check: () =>
        condition(getInjection(server, 'nopod'), 'Injected')?.status === 'False' &&
        getInjection(server, 'nopod'),
    });
    assert.equal(condition(failed, 'Injected')?.reason, 'TargetNotFound');
  });
});

describe('controller lease dead-man switch (in-process, real nftables)', { skip: skipReason }, () => {
  let server: KubeApiServer;
  let netns: Netns;
  let agent: InjectionAgent;
  const podUid = randomUUID();
  let renewer: NodeJS.Timeout | undefined;

  before(async () => {
    server = await startServer();
    await grantProcess(server, 'agent');
    netns = await createNetns();
    server.create({
      apiVersion: 'coordination.k8s.io/v1',
      kind: 'Lease',
      metadata: LEASE,
      spec: { holderIdentity: 'controller-0', leaseDurationSeconds: 15, renewTime: new Date().toISOString() },
    });
    // The controller renews every 200 ms while it lives.
    renewer = setInterval(() => {
      server.patch({
        apiVersion: 'coordination.k8s.io/v1',
        kind: 'Lease',
        ...LEASE,
        patch: { spec: { renewTime: new Date().toISOString() } },
      });
    }, 200);
    agent = new InjectionAgent({
      kubeConfig: kubeConfigFor(server, { user: 'agent' }),
      nodeName: NODE,
      resolver: staticResolver(new Map([[podUid, { id: `netns/${netns.name}`, netnsPath: netns.path }]])),
      controllerLease: { ...LEASE, graceMs: 1500, pollIntervalMs: 200 },
    });
    await agent.start();
  });

  after(async () => {
    clearInterval(renewer);
    await agent?.stop();
    await server?.close();
    await netns?.destroy();
    assert.deepEqual(server?.forbiddenRequests() ?? [], [], 'the chart allows all the agent does');
  });

  test('a renewed lease keeps faults in place; a lease standing still past the grace recovers them all', async () => {
    const tags = [newTag(), newTag()];
    tags.forEach((tag, index) => {
      server.create(
        injection({
          name: `held-${index}`,
          node: NODE,
          fault: loss,
          podUid,
          deadlineMs: Date.now() + 60_000,
          tag,
        }),
      );
    });
    for (const tag of tags)
      await waitFor({ what: `table ${tag}`, timeoutMs: 10_000, check: () => hasTable(netns, tag) });
    // Longer than the grace, with the controller alive: nothing is recovered.
    await new Promise((resolve) => setTimeout(resolve, 2000));
    assert.equal(agent.leaseWatch?.state(), 'alive');
    for (const tag of tags)
      assert.ok(await hasTable(netns, tag), 'still injected while the lease is renewed');

    clearInterval(renewer);
    const stoppedAt = Date.now();
    for (const index of [0, 1]) {
      const recovered = await waitFor({
        what: `held-${index} recovered`,
        timeoutMs: 10_000,
        check: () => {
          const current = getInjection(server, `held-${index}`);
          return condition(current, 'Recovered')?.status === 'True' && current;
        },
      });
      assert.equal(condition(recovered, 'Recovered')?.reason, 'ControllerLost');
    }
    assert.ok(Date.now() - stoppedAt >= 1400, 'not before the grace has passed');
    for (const tag of tags) assert.equal(await hasTable(netns, tag), false);
    const metrics = await agent.metrics.registry.getSingleMetricAsString('chaoscraft_agent_controller_lost');
    assert.match(metrics, /chaoscraft_agent_controller_lost 1/);
  });
});
