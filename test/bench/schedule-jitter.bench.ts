// schedule-jitter: 1,000 ChaosSchedules firing every minute (`* * * * *`) for 3 minutes, with the
// real controller (`chaoscraft controller`, a process of its own, as deployed) against the API test
// server on the real clock. Headline: how late each run is created after its cron time, p99 (from
// the cron minute to the end of the API server's answer to the create). Also: the controller
// process's CPU between fires (from 20 s after a fire to 5 s before the next), as a share of one core,
// which is what one timer for the nearest fire time (instead of polling) should keep near zero; and
// the controller's CPU per schedule around a fire, which bounds how fast a burst can be served.
//
// The runs select no pod, so each ends at once as NoTargets (the schedule keeps one failed run and
// deletes the older one): what is measured is the schedule controller, not fault injection. All the
// schedules fire in the same second, so this is the burst a cluster full of `* * * * *` sees.
// --quick: 100 schedules and one fire time. A full run takes about 4 to 5 minutes (up to a minute to
// reach a cron minute, then 3 minutes of fires).
import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import {
  type KubeApiServer,
  startKubeApiServer,
  writeKubeconfigFile,
} from '../support/kube-api-server/index.ts';
import { type Benchmark, type Figure, median, percentile, round } from './harness.ts';
import { cpuMsOf } from './support/abort-round.ts';
import { crdDirectory, until } from './support/cluster.ts';

const LATENESS_GOAL_MS = 250;
const CPU_GOAL_PERCENT = 2;
const MINUTE = 60_000;
const cli = join(import.meta.dirname, '../../bin/chaoscraft.js');

function startController(kubeconfig: string): {
  child: ChildProcess;
  output(): string;
  stop(): Promise<void>;
} {
  // Node gets the V8 flags bin/chaoscraft.js wants, so it does not re-exec: the pid is the controller's.
  const child = spawn(
    process.execPath,
    [
      '--max-semi-space-size=1',
      '--max-old-space-size=256',
      cli,
      'controller',
      ...['--kubeconfig', kubeconfig, '--leader-elect', 'false', '--health-address', 'off'],
      ...['--watch-namespaces', 'bench', '--log-level', 'warn'],
    ],
    { stdio: ['ignore', 'pipe', 'pipe'] },
  );
  let tail = '';
  const keep = (chunk: unknown) => {
    tail = (tail + String(chunk)).slice(-4000);
  };
  child.stdout?.on('data', keep);
  child.stderr?.on('data', keep);
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  return {
    child,
    output: () => tail,
    async stop() {
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGTERM');
      await exited;
    },
  };
}

function schedule(index: number) {
  return {
    apiVersion: 'chaoscraft.io/v1alpha1',
    kind: 'ChaosSchedule',
    metadata: { name: `jitter-${index}`, namespace: 'bench' },
    spec: {
      schedule: '* * * * *',
      template: {
        spec: {
          selector: { labelSelector: { matchLabels: { app: 'no-such-app' } } },
          faults: [{ podKill: {} }],
          duration: '1s',
        },
      },
    },
  };
}

/** Runs the server created (201) with when its answer ended, by wall clock (Date.now). */
function creations(server: KubeApiServer): number[] {
  return server.requestLog
    .filter((r) => r.verb === 'create' && r.resource === 'chaosexperiments' && r.status === 201)
    .map((r) => r.startedAt + r.durationMs);
}

const benchmark: Benchmark = {
  id: 'schedule-jitter',
  description:
    'ChaosSchedules firing every minute: run created after its cron time (p99), controller CPU between fires',
  async run({ log, quick, sizes }) {
    const schedules = quick ? 100 : 1000;
    const fires = quick ? 1 : 3;
    sizes({ schedules, fires, cron: '* * * * *' });
    const server = await startKubeApiServer({ crdDirectory, maxRequestLogEntries: 1_000_000 });
    server.create({
      apiVersion: 'v1',
      kind: 'Namespace',
      metadata: { name: 'bench', labels: { 'chaoscraft.io/allow': 'true' } },
    });
    const dir = mkdtempSync(join(tmpdir(), 'chaoscraft-bench-schedules-'));
    const kubeconfig = join(dir, 'kubeconfig');
    await writeKubeconfigFile({ server, path: kubeconfig });
    server.seed(Array.from({ length: schedules }, (_, i) => schedule(i)));
    const controller = startController(kubeconfig);
    try {
      // Every schedule seen, its finalizer and first status written: then the first cron minute at
      // least 10 s away, so start-up is not measured.
      const scheduled = () =>
        (
          server.list({
            apiVersion: 'chaoscraft.io/v1alpha1',
            kind: 'ChaosSchedule',
            namespace: 'bench',
          }) as {
            status?: { nextScheduleTime?: string };
          }[]
        ).filter((s) => s.status?.nextScheduleTime).length;
      await until(
        () => scheduled() === schedules,
        120_000,
        `${schedules} schedules seen by the controller`,
      ).catch((error: Error) => {
        throw new Error(`${error.message}; controller output: ${controller.output()}`);
      });
      let first = Math.ceil(Date.now() / MINUTE) * MINUTE;
      if (first - Date.now() < 10_000) first += MINUTE;
      const fireTimes = Array.from({ length: fires }, (_, i) => first + i * MINUTE);
      log(
        `${schedules} schedules ready; first fire ${new Date(first).toISOString()} (in ${round((first - Date.now()) / 1000, 1)} s)`,
      );

      const cpuShares: number[] = [];
      const burstCpuPerRun: number[] = [];
      for (const fire of fireTimes) {
        // What the burst costs: CPU of the controller and of this process (the API server) from
        // 2 s before the fire to 20 s after it.
        await sleep(Math.max(0, fire - 2_000 - Date.now()));
        const burstStart = { controller: cpuMsOf(controller.child.pid!), server: process.cpuUsage() };
        // CPU from 20 s after this fire to 5 s before the next: the controller idles between fires.
        await sleep(Math.max(0, fire + 20_000 - Date.now()));
        const serverUsage = process.cpuUsage(burstStart.server);
        const burstMs = cpuMsOf(controller.child.pid!) - burstStart.controller;
        burstCpuPerRun.push(burstMs / schedules);
        log(
          `fire ${new Date(fire).toISOString()}: CPU from 2 s before to 20 s after: controller ${round(burstMs, 0)} ms, API server and bench ${round((serverUsage.user + serverUsage.system) / 1000, 0)} ms`,
        );
        const cpuStart = cpuMsOf(controller.child.pid!);
        const wallStart = performance.now();
        await sleep(Math.max(0, fire + MINUTE - 5_000 - Date.now()));
        const cpu = cpuMsOf(controller.child.pid!) - cpuStart;
        const share = (100 * cpu) / (performance.now() - wallStart);
        cpuShares.push(share);
        const created = creations(server).filter((at) => at >= fire && at < fire + MINUTE).length;
        log(
          `fire ${new Date(fire).toISOString()}: ${created} runs created; CPU between fires ${round(share, 2)} % of a core`,
        );
      }

      const lateness: number[] = [];
      const early: number[] = [];
      for (const at of creations(server)) {
        const fire = fireTimes.find((f) => at >= f - 1_000 && at < f + MINUTE);
        if (fire === undefined) continue;
        if (at < fire) early.push(at - fire);
        else lateness.push(at - fire);
      }
      if (early.length)
        throw new Error(`${early.length} runs created before their cron time: ${early.slice(0, 5)}`);
      const expected = schedules * fires;
      if (lateness.length !== expected)
        throw new Error(
          `${lateness.length} runs created for ${expected} fire times (${controller.output()})`,
        );
      lateness.sort((a, b) => a - b);
      const p99 = percentile(lateness, 99);
      const p50 = percentile(lateness, 50);
      const cpu = Math.max(...cpuShares);
      log(
        `lateness after the cron time: p50 ${round(p50, 1)} ms, p99 ${round(p99, 1)} ms, max ${round(lateness.at(-1)!, 1)} ms (${lateness.length} runs)`,
      );
      const figure = (
        name: string,
        value: number,
        unit: string,
        goal: string | null,
        met: boolean | null,
      ): Figure => ({
        id: 'schedule-jitter',
        figure: name,
        value,
        unit,
        baseline: null,
        ratio: null,
        goal,
        met,
      });
      return [
        figure(
          'headline',
          round(p99, 1),
          `ms after the cron time, p99 of ${lateness.length} runs`,
          `<= ${LATENESS_GOAL_MS}`,
          p99 <= LATENESS_GOAL_MS,
        ),
        figure('lateness p50', round(p50, 1), 'ms after the cron time', null, null),
        figure('lateness max', round(lateness.at(-1)!, 1), 'ms after the cron time', null, null),
        figure(
          'controller CPU per fire',
          round(median(burstCpuPerRun), 2),
          'ms of controller CPU per schedule firing, from 2 s before the cron time to 20 s after (its run created and finished, history), median over the fires',
          null,
          null,
        ),
        figure(
          'controller CPU between fires',
          round(cpu, 2),
          `% of one core, the highest of ${cpuShares.length} windows (median ${round(median(cpuShares), 2)})`,
          `< ${CPU_GOAL_PERCENT}`,
          cpu < CPU_GOAL_PERCENT,
        ),
      ];
    } finally {
      await controller.stop();
      await server.close();
      rmSync(dir, { recursive: true, force: true });
    }
  },
};

export default benchmark;
