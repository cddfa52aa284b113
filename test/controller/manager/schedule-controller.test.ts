// The schedule controller in the real manager (informers, queue, both controllers, the controller's
// RBAC identity) against the API test server. The controller and the server share a clock that runs
// in real time and that the test moves to just before a cron minute (JumpClock), so "at the cron
// time" is tested with a 5-field cron without waiting a minute; `@every` schedules run on real time.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { playAgent } from '../../rbac/controller-scenario.ts';
import { JumpClock } from '../../support/jump-clock.ts';
import type { KubeApiServer } from '../../support/kube-api-server/index.ts';
import { waitFor } from '../../support/wait.ts';
import { condition, experiment, finished, startCluster, startController } from './harness.ts';

const clock = new JumpClock();
let server: KubeApiServer;
let controller: Awaited<ReturnType<typeof startController>>;
let agent: NodeJS.Timeout;

const GROUP = 'chaoscraft.io/v1alpha1';
type Json = Record<string, unknown> & {
  metadata: {
    name: string;
    uid: string;
    creationTimestamp: string;
    deletionTimestamp?: string;
    finalizers?: string[];
    labels?: Record<string, string>;
    annotations?: Record<string, string>;
    ownerReferences?: { kind: string; name: string; uid: string; controller?: boolean }[];
  };
  status?: Record<string, unknown> & { conditions?: Record<string, string>[] };
};

before(async () => {
  server = await startCluster({ replicas: 3, server: { now: () => new Date(clock.now()) } });
  server.create({ apiVersion: 'v1', kind: 'Node', metadata: { name: 'node-1' } });
  controller = await startController(server, { clock, healthAddress: '127.0.0.1:0' });
  agent = setInterval(() => playAgent(server, new Date(clock.now())), 10);
});
after(async () => {
  clearInterval(agent);
  await controller.close();
  await server.close();
});

function createSchedule(
  name: string,
  spec: Record<string, unknown>,
  run: Record<string, unknown> = {},
): void {
  server.create({
    apiVersion: GROUP,
    kind: 'ChaosSchedule',
    metadata: { name, namespace: 'shop' },
    spec: { template: { spec: experiment('run', run).spec }, ...spec },
  });
}

const scheduleAddress = (name: string) => ({
  apiVersion: GROUP,
  kind: 'ChaosSchedule',
  namespace: 'shop',
  name,
});
const getSchedule = (name: string) => server.get(scheduleAddress(name)) as Json | undefined;

/** The ChaosExperiments that name the schedule as their controller owner, oldest first. */
function runsOf(schedule: string): Json[] {
  return (server.list({ apiVersion: GROUP, kind: 'ChaosExperiment', namespace: 'shop' }) as Json[])
    .filter((e) => e.metadata.ownerReferences?.some((o) => o.controller && o.name === schedule))
    .sort((a, b) => a.metadata.name.localeCompare(b.metadata.name));
}

const eventsOf = (name: string) =>
  (
    server.list({ apiVersion: 'v1', kind: 'Event', namespace: 'shop' }) as {
      reason: string;
      involvedObject: { name: string };
    }[]
  )
    .filter((e) => e.involvedObject.name === name)
    .map((e) => e.reason);

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

test('a 5-field cron schedule runs at the cron time, not on creation; its owned run is carried out by the experiment controller', async () => {
  createSchedule('minutely', { schedule: '* * * * *' }, { duration: '1s' });
  const created = await waitFor({
    condition: () => getSchedule('minutely')?.status?.nextScheduleTime as string | undefined,
    what: 'the schedule to say its next fire time',
  });
  await sleep(300);
  assert.deepEqual(runsOf('minutely'), [], 'no run on creation');
  // Half a second before the cron minute: the queue's timer is re-armed for what is left of it.
  const fireTime = clock.jumpToBefore(60_000, 500);
  assert.equal(Date.parse(created), fireTime, 'the status named that minute');
  const [run] = await waitFor({
    condition: () => runsOf('minutely').length > 0 && runsOf('minutely'),
    what: 'the run at the cron time',
    timeoutMs: 5_000,
  });
  const lateness = Date.parse(run!.metadata.creationTimestamp) - fireTime;
  assert.ok(lateness >= -1000 && lateness < 2000, `created at the cron time (${lateness} ms after it)`);
  assert.ok(clock.now() >= fireTime, 'not before the cron time');
  assert.equal(run!.metadata.name, `minutely-${fireTime / 1000}`);
  const schedule = getSchedule('minutely')!;
  assert.deepEqual(
    run!.metadata.ownerReferences?.map((o) => [o.kind, o.name, o.uid, o.controller]),
    [['ChaosSchedule', 'minutely', schedule.metadata.uid, true]],
  );
  assert.equal(run!.metadata.labels?.['chaoscraft.io/schedule'], 'minutely');
  assert.equal(run!.metadata.annotations?.['chaoscraft.io/scheduled-time'], new Date(fireTime).toISOString());
  const done = await waitFor({
    condition: () => {
      const current = runsOf('minutely')[0];
      return current && finished(current as never) && current;
    },
    what: 'the run to finish',
    timeoutMs: 15_000,
  });
  assert.equal(condition(done as never, 'Succeeded')?.reason, 'Completed', JSON.stringify(done.status));
  const status = await waitFor<Record<string, unknown>>({
    condition: () => {
      const s = getSchedule('minutely')?.status;
      return s?.lastSuccessfulTime && (s.active as unknown[] | undefined)?.length !== 1 ? s : undefined;
    },
    what: 'the schedule to record the successful run',
  });
  assert.equal(status.lastScheduleTime, new Date(fireTime).toISOString());
  assert.equal(status.nextScheduleTime, new Date(fireTime + 60_000).toISOString());
  assert.ok(eventsOf('minutely').includes('RunCreated'));
  // The runtime's metrics carry the controller's name.
  const metrics = await controller.manager.metrics.registry.metrics();
  assert.match(metrics, /chaoscraft_\w+\{controller="chaosschedule",result="[A-Za-z]+"\} [1-9]/);
  server.delete(scheduleAddress('minutely'));
  await waitFor({ condition: () => !getSchedule('minutely'), what: 'the schedule to go', timeoutMs: 10_000 });
});

test('Forbid holds while the cache lags the controller by seconds: one active run, the next fire time waits', async () => {
  createSchedule('forbid', { schedule: '* * * * *', concurrencyPolicy: 'Forbid' }, { duration: '10m' });
  await waitFor({
    condition: () => getSchedule('forbid')?.status?.nextScheduleTime,
    what: 'the schedule to be seen',
  });
  // From now on the informers see every change 3 s late: neither the run nor the status that
  // records it reaches the cache before the next fire time has come and gone.
  server.setWatchDelay({ baseMs: 3000, jitterMs: 0 });
  try {
    const first = clock.jumpToBefore(60_000, 200);
    await waitFor({
      condition: () => runsOf('forbid').length === 1,
      what: 'the first run',
      timeoutMs: 5_000,
    });
    // The reconcile that created it ends with the status write and then sets its timer: a jump
    // before that would be time passing during a reconcile, which moves its timer a minute on.
    await waitFor({
      condition: () => getSchedule('forbid')?.status?.lastScheduleTime === new Date(first).toISOString(),
      what: 'the status to record the first run',
    });
    await sleep(100);
    clock.jumpToBefore(60_000, 200);
    const uid = getSchedule('forbid')!.metadata.uid;
    assert.deepEqual(controller.manager.caches.runsOwnedBy(uid), [], 'the cache does not show the run yet');
    await sleep(1000);
    assert.deepEqual(controller.manager.caches.runsOwnedBy(uid), [], 'nor after the second fire time');
    assert.deepEqual(
      runsOf('forbid').map((r) => r.metadata.name),
      [`forbid-${first / 1000}`],
      'no second run while the first is active',
    );
  } finally {
    server.setWatchDelay({ baseMs: 1, jitterMs: 5 });
  }
  const waiting = await waitFor({
    condition: () => {
      const c = getSchedule('forbid')?.status?.conditions?.find((x) => x.type === 'RunWaiting');
      return c?.status === 'True' && c;
    },
    what: 'RunWaiting=True',
    timeoutMs: 10_000,
  });
  assert.equal(waiting.reason, 'ConcurrencyPolicy');
  assert.equal(runsOf('forbid').length, 1);
  server.delete(scheduleAddress('forbid'));
  await waitFor({ condition: () => !getSchedule('forbid'), what: 'the schedule to go', timeoutMs: 15_000 });
});

test('a schedule deleted while its run holds a node fault: the run is recovered and gone before the schedule goes', async () => {
  createSchedule(
    'held',
    { schedule: '@every 1s' },
    { duration: '10m', faults: [{ networkLoss: { percent: 50 } }], mode: 'one' },
  );
  const injections = () =>
    server.list({ apiVersion: GROUP, kind: 'ChaosInjection', namespace: 'shop' }) as Json[];
  await waitFor({
    condition: () => condition(runsOf('held')[0] as never, 'Succeeded')?.reason === 'Running',
    what: 'the run to be Running with its fault injected',
    timeoutMs: 10_000,
  });
  assert.equal(injections().length, 1);
  // What a watcher sees, every few milliseconds, until the schedule is gone.
  const seen: { schedule: boolean; runs: number; injections: number }[] = [];
  const watcher = setInterval(
    () =>
      seen.push({
        schedule: Boolean(getSchedule('held')),
        runs: runsOf('held').length,
        injections: injections().length,
      }),
    2,
  );
  server.delete(scheduleAddress('held'));
  try {
    await waitFor({
      condition: () => !getSchedule('held'),
      what: 'the schedule to go',
      timeoutMs: 15_000,
    });
  } finally {
    clearInterval(watcher);
  }
  assert.deepEqual(runsOf('held'), []);
  assert.deepEqual(injections(), []);
  assert.ok(
    seen.some((s) => s.schedule && s.runs === 1 && s.injections === 1),
    'the schedule was seen terminating while its run still held its fault',
  );
  assert.deepEqual(
    seen.filter((s) => !s.schedule && (s.runs > 0 || s.injections > 0)),
    [],
    'never a run or a fault left behind a schedule that is gone',
  );
  assert.ok(eventsOf('held').includes('RemovingRuns'));
});

test('history: finished runs beyond successfulHistoryLimit are deleted, oldest first, never one that is not finished', async () => {
  createSchedule('history', { schedule: '@every 1s', successfulHistoryLimit: 1 }, { duration: '1s' });
  const deleted = new Map<string, boolean>();
  const watcher = setInterval(() => {
    for (const run of runsOf('history'))
      if (run.metadata.deletionTimestamp && !deleted.has(run.metadata.name))
        deleted.set(run.metadata.name, finished(run as never));
  }, 2);
  try {
    await waitFor({
      condition: () => deleted.size >= 2,
      what: 'two runs deleted for history',
      timeoutMs: 20_000,
    });
  } finally {
    clearInterval(watcher);
  }
  assert.ok(
    [...deleted.values()].every(Boolean),
    `every run deleted for history had finished: ${JSON.stringify([...deleted])}`,
  );
  const kept = runsOf('history').filter((r) => !r.metadata.deletionTimestamp && finished(r as never));
  assert.ok(kept.length <= 1, `at most one finished run kept: ${kept.map((r) => r.metadata.name)}`);
  for (const name of deleted.keys())
    assert.ok(
      kept.every((k) => k.metadata.name > name),
      'the kept run is newer than every deleted one',
    );
  server.delete(scheduleAddress('history'));
  await waitFor({ condition: () => !getSchedule('history'), what: 'the schedule to go', timeoutMs: 15_000 });
});
