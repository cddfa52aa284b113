// kill -9 of the node agent at every failpoint it passes, on the run path (inject, and recover when
// the run ends) and on the deletion path (the experiment deleted while faults are in place), then a
// restart. The real `chaoscraft agent` process with the production target resolver, against pods
// laid out as a kubelet would (fake-kubelet.ts), applies real nftables loss in a network namespace
// the test made; the real controller runs the experiment. Root only.
//
// Two fault families: networkLoss (an nft table per injection; applying it again is the same
// table, so the restarted agent re-applies what it cannot prove was done) and containerKill, a
// one-shot signal, sent to a process that counts the signals it gets: after any crash each
// container got it at most once (an agent that restarts mid-way gives the injection up rather than
// signal twice).
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { InjectionAgent } from '../../../controller/agent/injection-agent.ts';
import { createPodTargetResolver } from '../../../controller/agent/target-resolver.ts';
import { hasProgram } from '../../../controller/host/command.ts';
import type { Failpoint } from '../../../controller/runtime/failpoints.ts';
import { grantProcess } from '../../support/chaoscraft-rbac.ts';
import {
  type KubeApiServer,
  kubeConfigFor,
  makeRunningPod,
  startKubeApiServer,
  writeKubeconfigFile,
} from '../../support/kube-api-server/index.ts';
import { createNetns, exec, type Netns, netnsUnavailableReason } from '../../support/netns.ts';
import { waitFor } from '../../support/wait.ts';
import { clusterDefaults, startController } from '../manager/harness.ts';
import {
  crashAt,
  distinctHits,
  experimentAddress,
  failpointsInCode,
  getExperiment,
  type Hit,
  isFinished,
  recorder,
  runAll,
  specOf,
  startProcess,
  succeeded,
  targetsOf,
  waitForExperiment,
} from '../manager/restart-harness.ts';
import { createFakeKubelet, type FakeKubelet } from './fake-kubelet.ts';

const skip = netnsUnavailableReason() ?? (hasProgram('nft') ? undefined : 'nft is not installed');
if (skip) console.log(`# agent-restart-safety skipped: ${skip}`);

const LANES = 3;
const NAME = 'crash';
const TARGETS = 2;

type Family = 'loss' | 'one-shot';
type PathName = 'run' | 'deletion';

describe('agent kill -9 at every failpoint, restart', { skip }, () => {
  let server: KubeApiServer;
  let dir: string;
  let kubeconfig: string;
  let worlds = 0;

  before(async () => {
    server = await startKubeApiServer({ ...clusterDefaults, maxRequestLogEntries: 1_000_000 });
    server.create({ apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'chaoscraft-system' } });
    dir = mkdtempSync(join(tmpdir(), 'chaoscraft-agent-restart-'));
    kubeconfig = join(dir, 'kubeconfig');
    await grantProcess(server, 'agent');
    await writeKubeconfigFile({ server, path: kubeconfig, user: 'agent' });
  });
  after(async () => {
    await server?.close();
    if (dir) rmSync(dir, { recursive: true, force: true });
    assert.deepEqual(server?.forbiddenRequests() ?? [], [], 'the chart allows all the processes do');
  });

  /** A namespace, a node whose pods live in `netns`, the controller for the namespace. */
  interface World {
    family: Family;
    namespace: string;
    node: string;
    netns: Netns;
    kubelet: FakeKubelet;
    /** For one-shot faults: per container, the file its process appends a line to per signal. */
    signalFiles: string[];
    controller: Awaited<ReturnType<typeof startController>>;
    close(): Promise<void>;
  }

  async function newWorld(family: Family, path: PathName): Promise<World> {
    const namespace = `agent-${family}-${path}-${worlds++}`;
    const node = `n-${namespace}`;
    server.create({
      apiVersion: 'v1',
      kind: 'Namespace',
      metadata: { name: namespace, labels: { 'chaoscraft.io/allow': 'true' } },
    });
    const netns = await createNetns();
    const kubelet = await createFakeKubelet();
    const signalFiles: string[] = [];
    try {
      for (let i = 0; i < TARGETS; i++) {
        let argv: string[] | undefined;
        if (family === 'one-shot') {
          const file = join(dir, `${namespace}-${i}.signals`);
          writeFileSync(file, '');
          signalFiles.push(file);
          // Counts SIGUSR1 and lives on (its sleep child may die of it; the loop starts another).
          argv = ['/bin/sh', '-c', 'trap "echo hit >> $0" USR1; while :; do sleep 1 & wait; done', file];
        }
        const container = await kubelet.addContainer(netns, argv);
        const pod = makeRunningPod({ name: `db-${i}`, namespace, labels: { app: 'db' }, nodeName: node });
        (pod.metadata as { uid: string }).uid = container.podUid;
        const status = pod.status as { containerStatuses: { containerID: string }[] };
        status.containerStatuses[0]!.containerID = container.containerID;
        server.seed([pod]);
      }
    } catch (error) {
      await kubelet.remove();
      await netns.destroy();
      throw error;
    }
    const controller = await startController(server, { watchNamespaces: [namespace] });
    return {
      family,
      namespace,
      node,
      netns,
      kubelet,
      signalFiles,
      controller,
      close: async () => {
        await controller.close();
        await kubelet.remove();
        await netns.destroy();
      },
    };
  }

  function inProcessAgent(world: World, failpoint?: Failpoint): InjectionAgent {
    return new InjectionAgent({
      kubeConfig: kubeConfigFor(server, { user: 'agent' }),
      nodeName: world.node,
      resolver: createPodTargetResolver({ cgroupRoots: [world.kubelet.cgroupRoot] }),
      sweepIntervalMs: 60_000,
      ...(failpoint ? { failpoint } : {}),
    });
  }

  function agentProcess(world: World, failpoints: string) {
    return startProcess({
      args: [
        'agent',
        '--node',
        world.node,
        '--kubeconfig',
        kubeconfig,
        '--cgroup-root',
        world.kubelet.cgroupRoot,
        '--controller-lease',
        'off',
        '--health-address',
        'off',
      ],
      failpoints,
    });
  }

  const tables = async (netns: Netns) => {
    const listed = await exec({ argv: ['/usr/sbin/nft', 'list', 'tables'], netnsPath: netns.path });
    assert.equal(listed.code, 0, listed.stderr);
    return listed.stdout.split('\n').filter((line) => line.includes('chaoscraft'));
  };

  const injections = (namespace: string) =>
    server.list({ apiVersion: 'chaoscraft.io/v1alpha1', kind: 'ChaosInjection', namespace }) as {
      metadata: { name: string; finalizers?: string[]; deletionTimestamp?: string };
      status?: { conditions?: { type: string; status: string; reason?: string }[] };
    }[];

  function createExperiment(world: World, path: PathName): void {
    server.create({
      apiVersion: 'chaoscraft.io/v1alpha1',
      kind: 'ChaosExperiment',
      metadata: { name: NAME, namespace: world.namespace },
      spec: {
        selector: { labelSelector: { matchLabels: { app: 'db' } } },
        faults: [
          world.family === 'loss'
            ? { networkLoss: { percent: 100, interfaces: ['lo'] } }
            : { containerKill: { signal: 'SIGUSR1' } },
        ],
        mode: 'fixed',
        value: TARGETS,
        duration: path === 'deletion' ? '10m' : '1s',
      },
    });
  }

  /** Deletion path: another agent applies the faults until the run is Running; then the experiment is deleted. */
  async function prepare(world: World, path: PathName): Promise<void> {
    createExperiment(world, path);
    if (path !== 'deletion') return;
    const first = inProcessAgent(world);
    await first.start();
    try {
      await waitForExperiment(
        server,
        world.namespace,
        NAME,
        (o) => succeeded(o)?.reason === 'Running',
        'to be Running',
      );
    } finally {
      await first.stop();
    }
    if (world.family === 'loss') assert.equal((await tables(world.netns)).length, TARGETS, 'faults in place');
    server.delete(experimentAddress(world.namespace, NAME));
  }

  const ended = (world: World, path: PathName) =>
    path === 'deletion'
      ? getExperiment(server, world.namespace, NAME) === undefined
      : isFinished(getExperiment(server, world.namespace, NAME));

  const signalsPerContainer = (world: World) =>
    world.signalFiles.map((file) => readFileSync(file, 'utf8').split('\n').filter(Boolean).length);

  async function finishAndCheck(world: World, path: PathName): Promise<void> {
    const { namespace } = world;
    if (path === 'deletion') {
      await waitForExperiment(server, namespace, NAME, (o) => o === undefined, 'to be released and gone');
    } else {
      const done = await waitForExperiment(server, namespace, NAME, isFinished, 'to finish');
      const records = targetsOf(done);
      assert.equal(records.length, TARGETS);
      if (world.family === 'loss') {
        assert.equal(succeeded(done)?.reason, 'Completed', JSON.stringify(done?.status));
        assert.ok(
          records.every((t) => t.state === 'recovered'),
          JSON.stringify(records),
        );
      } else {
        // A one-shot fault the agent may have sent before it died is given up, not repeated.
        assert.ok(
          records.every((t) => t.state === 'recovered' || t.state === 'failed'),
          JSON.stringify(records),
        );
      }
    }
    await waitFor({
      condition: () => injections(namespace).length === 0,
      timeoutMs: 30_000,
      what: `every ChaosInjection of ${namespace} to be released; left: ${JSON.stringify(injections(namespace))}`,
    });
    assert.deepEqual(await tables(world.netns), [], 'no tagged nft table remains');
    for (const [i, count] of signalsPerContainer(world).entries())
      assert.ok(count <= 1, `container ${i} got the one-shot signal ${count} times`);
  }

  /** What a restarted agent would find: the experiment's step and each injection's state. */
  function stateOf(namespace: string) {
    return {
      reason: succeeded(getExperiment(server, namespace, NAME))?.reason,
      injections: injections(namespace).map((i) => [
        i.metadata.finalizers ?? [],
        Boolean(i.metadata.deletionTimestamp),
        (i.status?.conditions ?? []).map((c) => `${c.type}=${c.status}`).sort(),
      ]),
    };
  }

  async function recordPath(family: Family, path: PathName): Promise<Hit[]> {
    const world = await newWorld(family, path);
    try {
      await prepare(world, path);
      const { failpoint, hits } = recorder(() => stateOf(world.namespace));
      const agent = inProcessAgent(world, failpoint);
      await agent.start();
      try {
        await finishAndCheck(world, path);
      } finally {
        await agent.stop();
      }
      if (family === 'one-shot')
        assert.deepEqual(signalsPerContainer(world), [1, 1], 'a clean run signals each container once');
      return distinctHits(hits());
    } finally {
      await world.close();
    }
  }

  async function crashScenario(family: Family, path: PathName, hit: Hit): Promise<'crashed' | 'not-reached'> {
    const world = await newWorld(family, path);
    try {
      await prepare(world, path);
      const crashing = agentProcess(world, specOf(hit));
      const outcome = await crashAt(crashing, hit, () => ended(world, path));
      if (outcome === 'not-reached' && hit.n === 1)
        assert.fail(`${hit.name} was never passed on the ${path} path: ${crashing.output().slice(-3000)}`);
      const restarted = inProcessAgent(world);
      await restarted.start();
      try {
        await finishAndCheck(world, path);
      } finally {
        await restarted.stop();
      }
      return outcome;
    } finally {
      await world.close();
    }
  }

  for (const family of ['loss', 'one-shot'] as const) {
    test(`${family === 'loss' ? 'networkLoss' : 'containerKill (one-shot)'}: kill -9 at every agent failpoint of the run and deletion paths`, async (t) => {
      const inCode = [...failpointsInCode().keys()].filter((name) => name.startsWith('agent.'));
      const [runHits, deletionHits] = await Promise.all([
        recordPath(family, 'run'),
        recordPath(family, 'deletion'),
      ]);
      const reached = new Set([...runHits, ...deletionHits].map((hit) => hit.name));
      assert.deepEqual(
        inCode.filter((name) => !reached.has(name)),
        [],
        `agent failpoints no clean run passes (run: ${runHits.map(specOf)}; deletion: ${deletionHits.map(specOf)})`,
      );
      t.diagnostic(`run path: ${runHits.map(specOf).join(', ')}`);
      t.diagnostic(`deletion path: ${deletionHits.map(specOf).join(', ')}`);
      const scenarios = [
        ...runHits.map((hit) => ({ path: 'run' as const, hit })),
        ...deletionHits.map((hit) => ({ path: 'deletion' as const, hit })),
      ];
      const notReached: string[] = [];
      await runAll(
        t,
        scenarios,
        ({ path, hit }) => `${path} path, agent kill -9 at ${specOf(hit)}`,
        async ({ path, hit }) => {
          if ((await crashScenario(family, path, hit)) === 'not-reached')
            notReached.push(`${path} ${specOf(hit)}`);
        },
        LANES,
      );
      t.diagnostic(`not passed this time: ${notReached.join(', ') || 'none'}`);
      assert.ok(notReached.length <= scenarios.length / 4, `too many crash points missed: ${notReached}`);
    });
  }
});
