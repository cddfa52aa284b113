// The whole node-fault path with nothing faked but the cluster: the real controller creates a
// ChaosInjection, the real agent applies packet loss with nftables in a network namespace the
// test created (standing in for the pod's), and both recover it when the run ends. Root only.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { InjectionAgent } from '../../controller/agent/injection-agent.ts';
import { hasProgram } from '../../controller/host/command.ts';
import { staticResolver } from '../controller/agent/agent-harness.ts';
import {
  condition,
  experiment,
  finished,
  startCluster,
  startController,
  waitForExperiment,
} from '../controller/manager/harness.ts';
import { grantProcess } from '../support/chaoscraft-rbac.ts';
import type { KubeApiServer } from '../support/kube-api-server/index.ts';
import { kubeConfigFor } from '../support/kube-api-server/index.ts';
import { createNetns, exec, type Netns, netnsUnavailableReason } from '../support/netns.ts';
import { waitFor } from '../support/wait.ts';

const skip = netnsUnavailableReason() ?? (hasProgram('nft') ? undefined : 'nft is not installed');

describe('experiment → ChaosInjection → agent → nftables → recovery', { skip }, () => {
  let server: KubeApiServer;
  let netns: Netns;
  let controller: Awaited<ReturnType<typeof startController>>;
  let agent: InjectionAgent;

  const tables = async () =>
    (await exec({ argv: ['/usr/sbin/nft', 'list', 'tables'], netnsPath: netns.path })).stdout
      .split('\n')
      .filter((line) => line.includes('chaoscraft_'));

  before(async () => {
    server = await startCluster({ replicas: 1 });
    server.create({ apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'chaoscraft-system' } });
    netns = await createNetns();
    const [pod] = server.list({ apiVersion: 'v1', kind: 'Pod', namespace: 'shop' }) as {
      metadata: { uid: string };
      spec: { nodeName: string };
    }[];
    controller = await startController(server);
    await grantProcess(server, 'agent');
    agent = new InjectionAgent({
      kubeConfig: kubeConfigFor(server, { user: 'agent' }),
      nodeName: pod!.spec.nodeName,
      resolver: staticResolver(
        new Map([[pod!.metadata.uid, { id: `netns/${netns.name}`, netnsPath: netns.path }]]),
      ),
      sweepIntervalMs: 60_000,
    });
    await agent.start();
  });

  after(async () => {
    await agent?.stop();
    await controller?.close();
    await server?.close();
    await netns?.destroy();
    assert.deepEqual(server?.forbiddenRequests() ?? [], [], 'the chart allows all the agent does');
  });

  test('the loss is in place while the run is Running and gone when it is Completed', async () => {
    server.create(
      experiment('lossy', {
        duration: '2s',
        faults: [{ networkLoss: { percent: 100, interfaces: ['lo'] } }],
      }),
    );
    await waitForExperiment(server, 'lossy', (o) => condition(o, 'Succeeded')?.reason === 'Running');
    assert.equal((await tables()).length, 1, 'one tagged nft table in the target namespace');
    const ping = await exec({
      argv: ['/usr/bin/ping', '-c', '3', '-W', '1', '-i', '0.2', '127.0.0.1'],
      netnsPath: netns.path,
    });
    assert.notEqual(ping.code, 0, 'every packet is dropped while the fault is in place');

    const done = await waitForExperiment(server, 'lossy', finished);
    assert.equal(condition(done, 'Succeeded')?.reason, 'Completed', JSON.stringify(done.status));
    assert.deepEqual(await tables(), [], 'no tagged rule remains');
    const after = await exec({
      argv: ['/usr/bin/ping', '-c', '3', '-W', '1', '-i', '0.2', '127.0.0.1'],
      netnsPath: netns.path,
    });
    assert.equal(after.code, 0, 'traffic flows again');
    await waitFor({
      condition: () =>
        server.list({ apiVersion: 'chaoscraft.io/v1alpha1', kind: 'ChaosInjection', namespace: 'shop' })
          .length === 0,
      what: 'the injection to be removed',
      timeoutMs: 10_000,
    });
  });
});
