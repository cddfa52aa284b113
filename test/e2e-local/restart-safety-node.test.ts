// kill -9 of the controller at every failpoint a node-fault run passes, on the run path and on the
// deletion path, with the real agent applying packet loss with nftables in a network namespace the
// test made (as node-fault-loop.test.ts does), then a restart. Root only.
//
// What must hold after every crash: each ChaosInjection is created once (a restarted controller
// takes over the one a crashed run created, never makes a second), faults in place while the
// controller is down stay in place, the run ends as it should, and no tagged nft table and no
// ChaosInjection remains. The agent keeps running through the controller's crash, as a node's
// agent would.
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { InjectionAgent } from '../../controller/agent/injection-agent.ts';
import { hasProgram } from '../../controller/host/command.ts';
import { staticResolver } from '../controller/agent/agent-harness.ts';
import { clusterDefaults, startController } from '../controller/manager/harness.ts';
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
  startControllerProcess,
  succeeded,
  targetsOf,
  waitForExperiment,
} from '../controller/manager/restart-harness.ts';
import { grantProcess } from '../support/chaoscraft-rbac.ts';
import {
  type KubeApiServer,
  kubeConfigFor,
  makeRunningPod,
  startKubeApiServer,
  writeKubeconfigFile,
} from '../support/kube-api-server/index.ts';
import { createNetns, exec, type Netns, netnsUnavailableReason } from '../support/netns.ts';
import { waitFor } from '../support/wait.ts';

const skip = netnsUnavailableReason() ?? (hasProgram('nft') ? undefined : 'nft is not installed');
if (skip) console.log(`# restart-safety-node skipped: ${skip}`);

const LANES = 3;
const AFTER_AN_ACTION = 'experiment.after-an-action';
/** Effects the reconciler runs at once in one step (createExperimentReconciler's default). */
const EFFECTS_AT_ONCE = 32;
const NAME = 'crash';

interface Path {
  name: 'run' | 'deletion' | 'wide';
  targets: number;
  duration: string;
}

const paths = {
  run: { name: 'run', targets: 2, duration: '1s' },
  deletion: { name: 'deletion', targets: 2, duration: '10m' },
  wide: { name: 'wide', targets: EFFECTS_AT_ONCE + 2, duration: '1s' },
} satisfies Record<string, Path>;

describe('node faults: controller kill -9 at every failpoint, restart', { skip }, () => {
  let server: KubeApiServer;
  let dir: string;
  let kubeconfig: string;
  let namespaces = 0;
  /** What the scenarios saw at their crash, for the checks that some crash hit each situation. */
  const seen = { faultsInPlace: 0, unrecordedInjections: 0 };

  before(async () => {
    server = await startKubeApiServer({ ...clusterDefaults, maxRequestLogEntries: 1_000_000 });
    server.create({ apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'chaoscraft-system' } });
    dir = mkdtempSync(join(tmpdir(), 'chaoscraft-restart-node-'));
    kubeconfig = join(dir, 'kubeconfig');
    await grantProcess(server, 'controller');
    await grantProcess(server, 'agent');
    await writeKubeconfigFile({ server, path: kubeconfig, user: 'controller' });
  });
  after(async () => {
    await server?.close();
    if (dir) rmSync(dir, { recursive: true, force: true });
    assert.deepEqual(server?.forbiddenRequests() ?? [], [], 'the chart allows all the processes do');
  });

  /** One scenario's world: a namespace, a node with its agent, pods whose network namespace is `netns`. */
  interface World {
    namespace: string;
    netns: Netns;
    agent: InjectionAgent;
    close(): Promise<void>;
  }

  async function newWorld(path: Path): Promise<World> {
    const namespace = `node-${path.name}-${namespaces++}`;
    const node = `n-${namespace}`;
    server.create({
      apiVersion: 'v1',
      kind: 'Namespace',
      metadata: { name: namespace, labels: { 'chaoscraft.io/allow': 'true' } },
    });
    const pods = server.seed(
      Array.from({ length: path.targets }, (_, i) =>
        makeRunningPod({ name: `db-${i}`, namespace, labels: { app: 'db' }, nodeName: node }),
      ),
    ) as { metadata: { uid: string } }[];
    const netns = await createNetns();
    // Every pod of the scenario lives in the one namespace: each injection is its own tagged table there.
    const target = { id: `netns/${netns.name}`, netnsPath: netns.path };
    const agent = new InjectionAgent({
      kubeConfig: kubeConfigFor(server, { user: 'agent' }),
      nodeName: node,
      resolver: staticResolver(new Map(pods.map((p) => [p.metadata.uid, target]))),
      sweepIntervalMs: 60_000,
    });
    await agent.start();
    return {
      namespace,
      netns,
      agent,
      close: async () => {
        await agent.stop();
        await netns.destroy();
      },
    };
  }

  const tables = async (netns: Netns) => {
    const listed = await exec({ argv: ['/usr/sbin/nft', 'list', 'tables'], netnsPath: netns.path });
    assert.equal(listed.code, 0, listed.stderr);
    return listed.stdout.split('\n').filter((line) => line.includes('chaoscraft'));
  };

  const injections = (namespace: string) =>
    server.list({ apiVersion: 'chaoscraft.io/v1alpha1', kind: 'ChaosInjection', namespace }) as {
      metadata: { name: string; uid: string };
    }[];

  const createdInjections = (namespace: string) =>
    server.requestLog.filter(
      (r) =>
        r.verb === 'create' &&
        r.resource === 'chaosinjections' &&
        r.namespace === namespace &&
        r.status < 300,
    ).length;

  function createExperiment(namespace: string, path: Path): void {
    server.create({
      apiVersion: 'chaoscraft.io/v1alpha1',
      kind: 'ChaosExperiment',
      metadata: { name: NAME, namespace },
      spec: {
        selector: { labelSelector: { matchLabels: { app: 'db' } } },
        faults: [{ networkLoss: { percent: 100, interfaces: ['lo'] } }],
        mode: 'fixed',
        value: path.targets,
        duration: path.duration,
      },
    });
  }

  /** Run path: the experiment is created. Deletion path: it runs until Running (faults in place) and is deleted. */
  async function prepare(path: Path, world: World): Promise<void> {
    createExperiment(world.namespace, path);
    if (path.name !== 'deletion') return;
    const first = await startController(server, { watchNamespaces: [world.namespace] });
    try {
      await waitForExperiment(
        server,
        world.namespace,
        NAME,
        (o) => succeeded(o)?.reason === 'Running',
        'to be Running',
      );
    } finally {
      await first.close();
    }
    assert.equal((await tables(world.netns)).length, path.targets, 'the faults are in place');
    server.delete(experimentAddress(world.namespace, NAME));
  }

  async function finishAndCheck(path: Path, world: World): Promise<void> {
    const { namespace } = world;
    if (path.name === 'deletion') {
      await waitForExperiment(server, namespace, NAME, (o) => o === undefined, 'to be released and gone');
    } else {
      const done = await waitForExperiment(server, namespace, NAME, isFinished, 'to finish');
      assert.equal(succeeded(done)?.reason, 'Completed', JSON.stringify(done?.status));
      const records = targetsOf(done);
      assert.equal(records.length, path.targets);
      assert.ok(
        records.every((t) => t.state === 'recovered'),
        JSON.stringify(records),
      );
    }
    await waitFor({
      condition: () => injections(namespace).length === 0,
      timeoutMs: 30_000,
      what: `every ChaosInjection of ${namespace} to be released`,
    });
    assert.deepEqual(await tables(world.netns), [], 'no tagged nft table remains');
    assert.equal(createdInjections(namespace), path.targets, 'each ChaosInjection was created once');
  }

  /** What a restarted controller would find: the experiment, the injections and the faults on the node. */
  function stateOf(namespace: string) {
    const experiment = getExperiment(server, namespace, NAME);
    return {
      finalizers: experiment?.metadata.finalizers ?? [],
      deleting: Boolean(experiment?.metadata.deletionTimestamp),
      reason: succeeded(experiment)?.reason,
      records: targetsOf(experiment).map((t) => [t.state, Boolean(t.injection)]),
      injections: (
        server.list({ apiVersion: 'chaoscraft.io/v1alpha1', kind: 'ChaosInjection', namespace }) as {
          metadata: { name: string; finalizers?: string[]; deletionTimestamp?: string };
          status?: { conditions?: { type: string; status: string }[] };
        }[]
      ).map((i) => [
        i.metadata.name,
        i.metadata.finalizers ?? [],
        Boolean(i.metadata.deletionTimestamp),
        (i.status?.conditions ?? []).map((c) => `${c.type}=${c.status}`).sort(),
      ]),
    };
  }

  async function recordPath(path: Path): Promise<Hit[]> {
    const world = await newWorld(path);
    try {
      await prepare(path, world);
      const { failpoint, hits } = recorder(() => stateOf(world.namespace));
      const controller = await startController(server, { watchNamespaces: [world.namespace], failpoint });
      try {
        await finishAndCheck(path, world);
      } finally {
        await controller.close();
      }
      return distinctHits(hits());
    } finally {
      await world.close();
    }
  }

  const ended = (path: Path, namespace: string) =>
    path.name === 'deletion'
      ? getExperiment(server, namespace, NAME) === undefined
      : isFinished(getExperiment(server, namespace, NAME));

  async function crashScenario(
    path: Path,
    hit: Hit,
  ): Promise<{ outcome: 'crashed' | 'not-reached'; createdBeforeRestart: number }> {
    const world = await newWorld(path);
    try {
      await prepare(path, world);
      const crashing = startControllerProcess({
        kubeconfig,
        namespace: world.namespace,
        failpoints: specOf(hit),
      });
      const outcome = await crashAt(crashing, hit, () => ended(path, world.namespace));
      if (outcome === 'not-reached' && hit.n === 1)
        assert.fail(
          `${hit.name} was never passed on the ${path.name} path: ${crashing.output().slice(-3000)}`,
        );
      const inPlace = await tables(world.netns);
      const status = getExperiment(server, world.namespace, NAME);
      const recorded = targetsOf(status).filter((t) => t.state !== 'pending' || t.injection).length;
      const existing = injections(world.namespace).length;
      if (inPlace.length > 0) seen.faultsInPlace++;
      if (existing > recorded) seen.unrecordedInjections++;
      const createdBeforeRestart = createdInjections(world.namespace);
      const restarted = await startController(server, { watchNamespaces: [world.namespace] });
      try {
        await finishAndCheck(path, world);
      } finally {
        await restarted.close();
      }
      return { outcome, createdBeforeRestart };
    } finally {
      await world.close();
    }
  }

  test('kill -9 at every failpoint of the run and deletion paths: each injection created once, every fault recovered', async (t) => {
    const inCode = [...failpointsInCode().keys()].filter((name) => name.startsWith('experiment.'));
    const [runHits, deletionHits] = await Promise.all([recordPath(paths.run), recordPath(paths.deletion)]);
    const reached = new Set([...runHits, ...deletionHits].map((hit) => hit.name));
    assert.deepEqual(
      inCode.filter((name) => !reached.has(name)),
      [],
      `failpoints no clean node-fault run passes (run: ${runHits.map(specOf)}; deletion: ${deletionHits.map(specOf)})`,
    );
    t.diagnostic(`run path: ${runHits.map(specOf).join(', ')}`);
    t.diagnostic(`deletion path: ${deletionHits.map(specOf).join(', ')}`);
    const scenarios = [
      ...runHits.map((hit) => ({ path: paths.run, hit })),
      ...deletionHits.map((hit) => ({ path: paths.deletion, hit })),
    ];
    const notReached: string[] = [];
    await runAll(
      t,
      scenarios,
      ({ path, hit }) => `${path.name} path, kill -9 at ${specOf(hit)}`,
      async ({ path, hit }) => {
        const { outcome } = await crashScenario(path, hit);
        if (outcome === 'not-reached') notReached.push(`${path.name} ${specOf(hit)}`);
      },
      LANES,
    );
    // A repeat can be missed when a run needs fewer steps than the recorded one; most must be hit.
    t.diagnostic(`not passed this time (the run took fewer steps): ${notReached.join(', ') || 'none'}`);
    assert.ok(notReached.length <= scenarios.length / 4, `too many crash points missed: ${notReached}`);
    // The two situations the crashes exist for, each met by at least one of them.
    assert.ok(seen.faultsInPlace > 0, 'some crash left node faults in place while the controller was down');
    assert.ok(
      seen.unrecordedInjections > 0,
      'some crash left a ChaosInjection the status had not recorded, which the restart had to take over',
    );
  });

  test(`kill -9 between two effects of one step (${AFTER_AN_ACTION}=1 with ${paths.wide.targets} targets): the rest handed over, each once`, async () => {
    assert.ok(failpointsInCode().has(AFTER_AN_ACTION), `the reconciler passes ${AFTER_AN_ACTION}`);
    const { outcome, createdBeforeRestart } = await crashScenario(paths.wide, {
      name: AFTER_AN_ACTION,
      n: 1,
    });
    assert.equal(outcome, 'crashed');
    assert.ok(createdBeforeRestart >= 1, 'the first injection was created before the crash');
    assert.ok(
      createdBeforeRestart < paths.wide.targets,
      `injections of the step were still to come when the controller died (${createdBeforeRestart} of ${paths.wide.targets})`,
    );
  });
});
