// kill -9 of the controller at every failpoint of the schedule controller (schedule.*), on the run
// path (fire, run, history cleanup) and on the deletion path (a schedule deleted while its run is
// running), then a restart: never two runs for one fire time, and every path ends as it should.
//
// As in restart-safety.test.ts, the failpoints come from the code and the crash points from a
// recording of a clean run: each (name, n) passed in a new state of the API server is a scenario.
// "Never two runs for one fire time" is judged by what reached the API server: every run created
// (201) is counted by name, which is the schedule's name and the fire time, and its
// chaoscraft.io/scheduled-time annotation must be that fire time. The controller process runs on
// the real clock, so the schedule fires every 2 seconds.
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
import { waitFor } from '../../support/wait.ts';
import { clusterDefaults, startController } from './harness.ts';
import {
  crashAt,
  distinctHits,
  failpointsInCode,
  type Hit,
  isFinished,
  recorder,
  runAll,
  specOf,
  startControllerProcess,
  succeeded,
} from './restart-harness.ts';

const LANES = 3;
const NAME = 'every';
const GROUP = 'chaoscraft.io/v1alpha1';

let server: KubeApiServer;
let dir: string;
let kubeconfig: string;
let namespaces = 0;

before(async () => {
  server = await startKubeApiServer({ ...clusterDefaults, maxRequestLogEntries: 1_000_000 });
  server.create({ apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'chaoscraft-system' } });
  dir = mkdtempSync(join(tmpdir(), 'chaoscraft-schedule-restart-'));
  kubeconfig = join(dir, 'kubeconfig');
  await grantProcess(server, 'controller');
  await writeKubeconfigFile({ server, path: kubeconfig, user: 'controller' });
});
after(async () => {
  await server?.close();
  if (dir) rmSync(dir, { recursive: true, force: true });
  assert.deepEqual(server?.forbiddenRequests() ?? [], [], 'the chart allows all the processes do');
});

type PathName = 'run' | 'deletion';

type Json = {
  metadata: {
    name: string;
    uid: string;
    finalizers?: string[];
    deletionTimestamp?: string;
    annotations?: Record<string, string>;
    ownerReferences?: { name: string; controller?: boolean }[];
  };
  status?: Record<string, unknown> & { active?: unknown[]; lastScheduleTime?: string };
};

const scheduleAddress = (namespace: string) => ({
  apiVersion: GROUP,
  kind: 'ChaosSchedule',
  namespace,
  name: NAME,
});
const getSchedule = (namespace: string) => server.get(scheduleAddress(namespace)) as Json | undefined;
const runsIn = (namespace: string) =>
  (server.list({ apiVersion: GROUP, kind: 'ChaosExperiment', namespace }) as Json[]).filter((e) =>
    e.metadata.ownerReferences?.some((o) => o.controller && o.name === NAME),
  );

/** How many runs the API server created (201) in the namespace. */
const createdCount = (namespace: string) =>
  server.requestLog.filter(
    (r) =>
      r.verb === 'create' &&
      r.resource === 'chaosexperiments' &&
      r.namespace === namespace &&
      r.status === 201,
  ).length;

/**
 * Every run seen in the namespace, by name (the fire time): the UIDs under that name, the
 * scheduled-time annotation, in the order first seen. Polled every few milliseconds while a
 * scenario runs (a run lives at least a second), and checked against the count of creations.
 */
const seenRuns = new Map<string, Map<string, { uids: Set<string>; scheduledTime?: string }>>();

function watchRuns(namespace: string): () => void {
  const seen = new Map<string, { uids: Set<string>; scheduledTime?: string }>();
  seenRuns.set(namespace, seen);
  const look = () => {
    for (const run of runsIn(namespace)) {
      const entry = seen.get(run.metadata.name) ?? { uids: new Set<string>() };
      entry.uids.add(run.metadata.uid);
      entry.scheduledTime = run.metadata.annotations?.['chaoscraft.io/scheduled-time'];
      seen.set(run.metadata.name, entry);
    }
  };
  const timer = setInterval(look, 5);
  return () => {
    clearInterval(timer);
    look();
  };
}

/** A namespace that opted in, with pods, and the schedule: Forbid, no finished run kept. */
function newNamespace(path: PathName): string {
  const namespace = `sched-${path}-${namespaces++}`;
  server.create({
    apiVersion: 'v1',
    kind: 'Namespace',
    metadata: { name: namespace, labels: { 'chaoscraft.io/allow': 'true' } },
  });
  server.seed(
    Array.from({ length: 3 }, (_, i) =>
      makeRunningPod({ name: `db-${i}`, namespace, labels: { app: 'db' }, nodeName: 'node-1' }),
    ),
  );
  server.create({
    apiVersion: GROUP,
    kind: 'ChaosSchedule',
    metadata: { name: NAME, namespace },
    spec: {
      schedule: '@every 2s',
      concurrencyPolicy: 'Forbid',
      successfulHistoryLimit: 0,
      failedHistoryLimit: 0,
      template: {
        spec: {
          selector: { labelSelector: { matchLabels: { app: 'db' } } },
          faults: [{ podKill: { gracePeriodSeconds: 0 } }],
          mode: 'one',
          duration: path === 'run' ? '1s' : '10m',
        },
      },
    },
  });
  return namespace;
}

/**
 * The run path ends when two runs were created and the first is gone again (history); the deletion
 * path when the schedule is gone.
 */
function ended(path: PathName, namespace: string): boolean {
  if (path === 'deletion') return getSchedule(namespace) === undefined;
  const seen = [...(seenRuns.get(namespace)?.keys() ?? [])];
  const existing = new Set(runsIn(namespace).map((r) => r.metadata.name));
  return createdCount(namespace) >= 2 && seen.length >= 1 && !existing.has(seen[0]!);
}

/** Deletion path: a controller runs the schedule until its run is Running, stops; the schedule is deleted. */
async function prepare(path: PathName, namespace: string): Promise<void> {
  if (path !== 'deletion') return;
  const first = await startController(server, { watchNamespaces: [namespace] });
  try {
    await waitFor({
      condition: () => runsIn(namespace).some((r) => succeeded(r as never)?.reason === 'Running'),
      what: `a run of ${namespace} to be Running`,
      timeoutMs: 30_000,
    });
  } finally {
    await first.close();
  }
  server.delete(scheduleAddress(namespace));
}

function stateOf(namespace: string) {
  const schedule = getSchedule(namespace);
  return {
    finalizers: schedule?.metadata.finalizers ?? [],
    deleting: Boolean(schedule?.metadata.deletionTimestamp),
    created: createdCount(namespace),
    runs: runsIn(namespace).map((r) => [Boolean(r.metadata.deletionTimestamp), isFinished(r as never)]),
    active: schedule?.status?.active?.length ?? 0,
    recorded: Boolean(schedule?.status?.lastScheduleTime),
  };
}

async function recordPath(path: PathName): Promise<Hit[]> {
  const namespace = newNamespace(path);
  const stopWatching = watchRuns(namespace);
  const { failpoint, hits } = recorder(() => stateOf(namespace));
  try {
    await prepare(path, namespace);
    const controller = await startController(server, { watchNamespaces: [namespace], failpoint });
    try {
      await waitFor({
        condition: () => ended(path, namespace),
        what: `the ${path} path to end`,
        timeoutMs: 60_000,
      });
    } finally {
      await controller.close();
    }
  } finally {
    stopWatching();
  }
  // Only the schedule controller's points: the experiment controller's have their own test.
  return distinctHits(hits().filter((hit) => hit.name.startsWith('schedule.')));
}

/** Never two runs for one fire time: one UID per name, each named by its annotation's fire time, none unseen. */
function checkRuns(namespace: string): void {
  const seen = seenRuns.get(namespace)!;
  for (const [name, { uids, scheduledTime }] of seen) {
    assert.equal(uids.size, 1, `${name}: two runs for one fire time (${[...uids]})`);
    assert.equal(`${NAME}-${Date.parse(scheduledTime ?? '') / 1000}`, name, 'named by its fire time');
  }
  assert.equal(createdCount(namespace), seen.size, 'every run created was seen, each once');
}

/**
 * One crash and restart in a new namespace. 'not-reached' when the crashing process ended the path
 * without passing the point; the restart is checked either way.
 */
async function crashScenario(path: PathName, hit: Hit): Promise<'crashed' | 'not-reached'> {
  const namespace = newNamespace(path);
  const stopWatching = watchRuns(namespace);
  try {
    await prepare(path, namespace);
    const crashing = startControllerProcess({ kubeconfig, namespace, failpoints: specOf(hit) });
    const outcome = await crashAt(crashing, hit, () => ended(path, namespace));
    const restarted = await startController(server, { watchNamespaces: [namespace] });
    try {
      await waitFor({
        condition: () => ended(path, namespace),
        what: `the ${path} path to end after the restart; ${JSON.stringify(stateOf(namespace))}`,
        timeoutMs: 60_000,
      });
    } finally {
      await restarted.close();
    }
    stopWatching();
    checkRuns(namespace);
    if (path === 'deletion') assert.deepEqual(runsIn(namespace), [], 'no run outlives its schedule');
    return outcome;
  } finally {
    // Also on a failure: a poller left running would keep this file's process alive after its tests.
    stopWatching();
  }
}

test('schedule: kill -9 at every failpoint of the run and deletion paths, restart: never two runs for one fire time, right end state', async (t) => {
  const inCode = [...failpointsInCode().keys()].filter((name) => name.startsWith('schedule.'));
  assert.ok(inCode.length >= 3, `the schedule reconciler passes its failpoints: ${inCode}`);
  const [runHits, deletionHits] = await Promise.all([recordPath('run'), recordPath('deletion')]);
  const reached = new Set([...runHits, ...deletionHits].map((hit) => hit.name));
  assert.deepEqual(
    inCode.filter((name) => !reached.has(name)),
    [],
    `failpoints no clean schedule run passes (run path: ${runHits.map(specOf)}; deletion path: ${deletionHits.map(specOf)})`,
  );
  t.diagnostic(`run path: ${runHits.map(specOf).join(', ')}`);
  t.diagnostic(`deletion path: ${deletionHits.map(specOf).join(', ')}`);
  const scenarios = [
    ...runHits.map((hit) => ({ path: 'run' as const, hit })),
    ...deletionHits.map((hit) => ({ path: 'deletion' as const, hit })),
  ];
  const notReached: string[] = [];
  const crashedAt = new Set<string>();
  await runAll(
    t,
    scenarios,
    ({ path, hit }) => `${path} path, kill -9 at ${specOf(hit)}`,
    async ({ path, hit }) => {
      let outcome = await crashScenario(path, hit);
      // Whether a run passes a point can depend on timing even the first time. On the deletion path
      // the schedule's status changes only if a reconcile sees its run finished but not yet gone (the
      // run recovers and goes within milliseconds), so schedule.after-status=1 there is passed in
      // some runs and not in others (twice in a row not, in one CI run). One more try; then it counts
      // as missed, which the bounds below limit.
      if (outcome === 'not-reached' && hit.n === 1) {
        t.diagnostic(`${path} ${specOf(hit)} not passed on the first try; trying again`);
        outcome = await crashScenario(path, hit);
      }
      if (outcome === 'crashed') crashedAt.add(hit.name);
      else notReached.push(`${path} ${specOf(hit)}`);
    },
    LANES,
  );
  t.diagnostic(`not passed this time: ${notReached.join(', ') || 'none'}`);
  assert.deepEqual(
    inCode.filter((name) => !crashedAt.has(name)),
    [],
    'every failpoint of the schedule controller was crashed at, on one path or the other',
  );
  assert.ok(notReached.length <= scenarios.length / 4, `too many crash points missed: ${notReached}`);
});
