// kill -9 of the controller at every failpoint a pod-kill run passes, on the run path and on the
// deletion path, then a restart: no target is ever hit twice, and every run ends as it should.
//
// The failpoints come from the code (restart-harness.ts reads controller/**/*.ts), and the points a
// clean run passes from a recording of one: each (name, n) a clean run passes is one crash scenario,
// so a failpoint added tomorrow is crashed at tomorrow, and one no path reaches fails the test.
//
// "Never hit twice" is judged by what reached the API server. The targets are StatefulSet-style pods
// (db-0, db-1, ...): once the crashed controller is gone, the test puts a new pod with the same name
// and a new UID in the place of every pod that was deleted, as a StatefulSet controller would. A
// replayed delete that does not carry the target's UID (preconditions.uid) then deletes that
// replacement, and the server's count of deletes per UID shows it. (The ReplicaSet controller of
// the API test server gives a replacement a new name as well, so a blind replay there only gets 404.)
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { grantProcess } from '../../support/chaoscraft-rbac.ts';
import {
  type KubeApiServer,
  makeRunningPod,
  startKubeApiServer,
  writeKubeconfigFile,
} from '../../support/kube-api-server/index.ts';
import { clusterDefaults, startController } from './harness.ts';
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
} from './restart-harness.ts';

/** Crash scenarios side by side: each starts a controller process (about a second of CPU). */
const LANES = 3;
/** The failpoint after each action of a step; the wide scenario dies between two of them. */
const AFTER_AN_ACTION = 'experiment.after-an-action';
/** Effects the reconciler runs at once in one step (createExperimentReconciler's default). */
const EFFECTS_AT_ONCE = 32;

let server: KubeApiServer;
let dir: string;
let kubeconfig: string;

before(async () => {
  server = await startKubeApiServer({ ...clusterDefaults, maxRequestLogEntries: 1_000_000 });
  server.create({ apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'chaoscraft-system' } });
  dir = mkdtempSync(join(tmpdir(), 'chaoscraft-restart-'));
  kubeconfig = join(dir, 'kubeconfig');
  await grantProcess(server, 'controller');
  await writeKubeconfigFile({ server, path: kubeconfig, user: 'controller' });
});
after(async () => {
  await server?.close();
  if (dir) rmSync(dir, { recursive: true, force: true });
  assert.deepEqual(server?.forbiddenRequests() ?? [], [], 'the chart allows all the processes do');
});

interface Path {
  name: 'run' | 'deletion' | 'wide';
  pods: number;
  targets: number;
  duration: string;
}

const paths = {
  run: { name: 'run', pods: 3, targets: 2, duration: '1s' },
  deletion: { name: 'deletion', pods: 3, targets: 2, duration: '10m' },
  // More targets than effects run at once: dying after the first, the last ones were never started.
  wide: { name: 'wide', pods: EFFECTS_AT_ONCE + 2, targets: EFFECTS_AT_ONCE + 2, duration: '1s' },
} satisfies Record<string, Path>;

const NAME = 'crash';
let namespaces = 0;

/** A namespace that opted in, with StatefulSet-style pods db-0..db-(n-1). */
function newNamespace(path: Path): { namespace: string; originals: Map<string, string> } {
  const namespace = `${path.name}-${namespaces++}`;
  server.create({
    apiVersion: 'v1',
    kind: 'Namespace',
    metadata: { name: namespace, labels: { 'chaoscraft.io/allow': 'true' } },
  });
  const pods = server.seed(
    Array.from({ length: path.pods }, (_, i) =>
      makeRunningPod({ name: `db-${i}`, namespace, labels: { app: 'db' }, nodeName: 'node-1' }),
    ),
  ) as { metadata: { name: string; uid: string } }[];
  return { namespace, originals: new Map(pods.map((p) => [p.metadata.name, p.metadata.uid])) };
}

function podUid(namespace: string, name: string): string | undefined {
  return (server.get({ apiVersion: 'v1', kind: 'Pod', namespace, name }) as { metadata: { uid: string } })
    ?.metadata.uid;
}

/** UIDs of the pods put in the place of deleted ones, by namespace. */
const replacements = new Map<string, Set<string>>();

/** What a StatefulSet does: a deleted pod comes back under its name, with a new UID. */
function replaceDeletedPods(namespace: string, originals: Map<string, string>): void {
  for (const name of originals.keys()) {
    if (podUid(namespace, name) !== undefined) continue;
    const [pod] = server.seed([
      makeRunningPod({ name, namespace, labels: { app: 'db' }, nodeName: 'node-1' }),
    ]) as { metadata: { uid: string } }[];
    replacements.set(namespace, (replacements.get(namespace) ?? new Set()).add(pod!.metadata.uid));
  }
}

function createExperiment(namespace: string, path: Path): void {
  server.create({
    apiVersion: 'chaoscraft.io/v1alpha1',
    kind: 'ChaosExperiment',
    metadata: { name: NAME, namespace },
    spec: {
      selector: { labelSelector: { matchLabels: { app: 'db' } } },
      faults: [{ podKill: { gracePeriodSeconds: 0 } }],
      mode: 'fixed',
      value: path.targets,
      duration: path.duration,
    },
  });
}

const running = (object: ReturnType<typeof getExperiment>) => succeeded(object)?.reason === 'Running';

/**
 * Everything a scenario does before the controller under test starts. Run path: the experiment is
 * created. Deletion path: a controller runs it until Running and stops, the killed pods are replaced,
 * the experiment is deleted.
 */
async function prepare(path: Path, namespace: string, originals: Map<string, string>): Promise<void> {
  createExperiment(namespace, path);
  if (path.name !== 'deletion') return;
  const first = await startController(server, { watchNamespaces: [namespace] });
  try {
    await waitForExperiment(server, namespace, NAME, running, 'to be Running');
  } finally {
    await first.close();
  }
  replaceDeletedPods(namespace, originals);
  server.delete(experimentAddress(namespace, NAME));
}

/** The target UIDs as the status records them (none before the records are written). */
function targetUids(namespace: string): Set<string> {
  const fromStatus = targetsOf(getExperiment(server, namespace, NAME)).map((t) => t.uid!);
  return new Set(fromStatus);
}

/** How the run must have ended, and that each target was deleted exactly once and nothing else was. */
async function finishAndCheck(
  path: Path,
  namespace: string,
  originals: Map<string, string>,
  targets: Set<string>,
): Promise<void> {
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
    assert.deepEqual(new Set(records.map((t) => t.uid)), targets, 'the targets stayed the ones first chosen');
  }
  assert.equal(targets.size, path.targets);
  for (const uid of targets) assert.ok([...originals.values()].includes(uid), `target ${uid} is an original`);

  const deletes = server.deleteRecords.filter((r) => r.resource === 'pods' && r.namespace === namespace);
  for (const request of deletes) {
    assert.ok(
      request.preconditionUid !== undefined && targets.has(request.preconditionUid),
      `every pod delete names the target it means (preconditions.uid): ${JSON.stringify(request)}`,
    );
  }
  // UIDs are unique across namespaces, so the server-wide count per UID is this scenario's.
  const deletesByUid = server.deletesByUid({ resource: 'pods' });
  for (const uid of targets)
    assert.equal(deletesByUid.get(uid), 1, `target ${uid} deleted exactly once: ${JSON.stringify(deletes)}`);
  const others = [...originals.values(), ...(replacements.get(namespace) ?? [])].filter(
    (u) => !targets.has(u),
  );
  assert.deepEqual(
    others.filter((uid) => deletesByUid.has(uid)),
    [],
    'no pod but a target was deleted: no other original, no replacement',
  );
}

/** What a restarted controller would find: the experiment and which pods are the originals. */
function stateOf(namespace: string, originals: Map<string, string>) {
  const experiment = getExperiment(server, namespace, NAME);
  return {
    finalizers: experiment?.metadata.finalizers ?? [],
    deleting: Boolean(experiment?.metadata.deletionTimestamp),
    reason: succeeded(experiment)?.reason,
    records: targetsOf(experiment).map((t) => t.state),
    pods: [...originals].map(([name, uid]) => podUid(namespace, name) === uid),
  };
}

/** A clean run with a controller that records the failpoints it passes: the crash plan of a path. */
async function recordPath(path: Path): Promise<Hit[]> {
  const { namespace, originals } = newNamespace(path);
  // The prefix of the deletion path does not count: the recorder starts with the path's own part.
  await prepare(path, namespace, originals);
  const targets = path.name === 'deletion' ? targetUids(namespace) : undefined;
  const { failpoint, hits } = recorder(() => stateOf(namespace, originals));
  const controller = await startController(server, { watchNamespaces: [namespace], failpoint });
  try {
    if (path.name !== 'deletion') await waitForExperiment(server, namespace, NAME, isFinished, 'to finish');
    await finishAndCheck(path, namespace, originals, targets ?? targetUids(namespace));
  } finally {
    await controller.close();
  }
  return distinctHits(hits());
}

const ended = (path: Path, namespace: string) =>
  path.name === 'deletion'
    ? getExperiment(server, namespace, NAME) === undefined
    : isFinished(getExperiment(server, namespace, NAME));

async function crashScenario(
  path: Path,
  hit: Hit,
): Promise<{ outcome: 'crashed' | 'not-reached'; appliedBeforeRestart: number; refusedReplays: number }> {
  const { namespace, originals } = newNamespace(path);
  await prepare(path, namespace, originals);
  const knownTargets = path.name === 'deletion' ? targetUids(namespace) : undefined;
  const crashing = startControllerProcess({ kubeconfig, namespace, failpoints: specOf(hit) });
  const outcome = await crashAt(crashing, hit, () => ended(path, namespace));
  if (outcome === 'not-reached' && hit.n === 1)
    assert.fail(`${hit.name} was never passed on the ${path.name} path: ${crashing.output().slice(-3000)}`);
  // Read before anything else acts: the crashed controller's deletes are the only ones so far.
  const targets = knownTargets ?? targetUids(namespace);
  replaceDeletedPods(namespace, originals);
  const appliedBeforeRestart = server.deleteRecords.filter(
    (r) => r.resource === 'pods' && r.namespace === namespace && r.status < 300,
  ).length;
  const restarted = await startController(server, { watchNamespaces: [namespace] });
  try {
    // The targets are recorded before any effect: a crash before that leaves the choice to the restart.
    const chosen =
      targets.size > 0
        ? targets
        : await waitForExperiment(
            server,
            namespace,
            NAME,
            (o) => targetsOf(o).length > 0,
            'to record its targets',
          ).then((o) => new Set(targetsOf(o).map((t) => t.uid!)));
    await finishAndCheck(path, namespace, originals, chosen);
  } finally {
    await restarted.close();
  }
  // A replayed delete that met a replacement under the target's name: refused by its UID precondition.
  const refusedReplays = server.deleteRecords.filter(
    (r) => r.resource === 'pods' && r.namespace === namespace && r.status === 409,
  ).length;
  return { outcome, appliedBeforeRestart, refusedReplays };
}

test('every failpoint in the code is crashed at by a restart test of its component', () => {
  const names = [...failpointsInCode().keys()];
  assert.ok(names.length > 0, 'failpoints were found');
  // experiment.*: this file and test/e2e-local/restart-safety-node.test.ts; agent.*:
  // test/controller/agent/agent-restart-safety.test.ts; schedule.*: restart-safety-schedule.test.ts;
  // standalone.*: test/controller/standalone/restart-safety.test.ts. A new component needs its own.
  const owners = ['experiment.', 'agent.', 'schedule.', 'standalone.'];
  const orphans = names.filter((name) => !owners.some((prefix) => name.startsWith(prefix)));
  assert.deepEqual(orphans, [], 'a failpoint no restart test owns');
});

test('pod kill: kill -9 at every failpoint of the run and deletion paths, restart: each target deleted once, right end state', async (t) => {
  const inCode = [...failpointsInCode().keys()].filter((name) => name.startsWith('experiment.'));
  const [runHits, deletionHits] = await Promise.all([recordPath(paths.run), recordPath(paths.deletion)]);
  const reached = new Set([...runHits, ...deletionHits].map((hit) => hit.name));
  assert.deepEqual(
    inCode.filter((name) => !reached.has(name)),
    [],
    `failpoints no clean pod-kill run passes (run path: ${runHits.map(specOf)}; deletion path: ${deletionHits.map(specOf)})`,
  );
  t.diagnostic(`run path: ${runHits.map(specOf).join(', ')}`);
  t.diagnostic(`deletion path: ${deletionHits.map(specOf).join(', ')}`);
  const scenarios = [
    ...runHits.map((hit) => ({ path: paths.run, hit })),
    ...deletionHits.map((hit) => ({ path: paths.deletion, hit })),
  ];
  const notReached: string[] = [];
  let refusedReplays = 0;
  await runAll(
    t,
    scenarios,
    ({ path, hit }) => `${path.name} path, kill -9 at ${specOf(hit)}`,
    async ({ path, hit }) => {
      const result = await crashScenario(path, hit);
      if (result.outcome === 'not-reached') notReached.push(`${path.name} ${specOf(hit)}`);
      refusedReplays += result.refusedReplays;
    },
    LANES,
  );
  // The point of the StatefulSet-style replacements: some restart replayed a delete into a
  // replacement. With its UID precondition the server refused it (409); without, the replacement
  // would have been deleted and the once-per-target count above would have failed.
  assert.ok(refusedReplays > 0, 'no restart replayed a delete against a replacement pod');
  // A repeat can be missed when a run needs fewer steps than the recorded one; most must be hit.
  t.diagnostic(`not passed this time (the run took fewer steps): ${notReached.join(', ') || 'none'}`);
  assert.ok(notReached.length <= scenarios.length / 4, `too many crash points missed: ${notReached}`);
});

test(`pod kill: kill -9 between two effects of one step (${AFTER_AN_ACTION}=1 with ${paths.wide.targets} targets), restart: the rest deleted, each target once`, async () => {
  assert.ok(failpointsInCode().has(AFTER_AN_ACTION), `the reconciler passes ${AFTER_AN_ACTION}`);
  const { outcome, appliedBeforeRestart } = await crashScenario(paths.wide, { name: AFTER_AN_ACTION, n: 1 });
  assert.equal(outcome, 'crashed');
  assert.ok(appliedBeforeRestart >= 1, 'the first effect was applied before the crash');
  assert.ok(
    appliedBeforeRestart < paths.wide.targets,
    `effects of the step were still to come when the controller died (${appliedBeforeRestart} of ${paths.wide.targets} applied)`,
  );
});
