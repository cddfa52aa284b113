// scale: 10,000 finished experiments and 50,000 pods in the API test server; the controller runs
// as its own process (so its memory is its own) from start to caches synced and every
// experiment reconciled once. Figures: peak RSS (VmHWM) and the times.
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { makeWorkload, writeKubeconfigFile } from '../support/kube-api-server/index.ts';
import { type Benchmark, round } from './harness.ts';
import { benchCluster, until } from './support/cluster.ts';

// The real entry point, with the memory settings it applies to long-running roles.
const cli = join(import.meta.dirname, '../../bin/chaoscraft.js');

function finishedExperiment(index: number) {
  const time = '2026-11-01T10:00:00.000Z';
  return {
    apiVersion: 'chaoscraft.io/v1alpha1',
    kind: 'ChaosExperiment',
    metadata: {
      name: `done-${index}`,
      namespace: 'bench',
      uid: `00000000-0000-4000-8000-${String(index).padStart(12, '0')}`,
      generation: 1,
      finalizers: ['chaoscraft.io/recover-faults'],
    },
    spec: {
      selector: { labelSelector: { matchLabels: { app: `app-${index % 50}` } } },
      faults: [{ podKill: {} }],
      duration: '60s',
    },
    status: {
      observedGeneration: 1,
      startTime: time,
      completionTime: time,
      seed: `x/${index}`,
      conditions: ['Succeeded', 'Injected', 'Recovered', 'HypothesisHolds'].map((type) => ({
        type,
        status: 'True',
        reason: type === 'Succeeded' ? 'Completed' : 'Done',
        message: 'done',
        lastTransitionTime: time,
        observedGeneration: 1,
      })),
      targets: [
        {
          kind: 'Pod',
          namespace: 'bench',
          name: `app-${index % 50}-pod`,
          uid: `u-${index}`,
          fault: 'podkill-0',
          faultKind: 'podKill',
          state: 'recovered',
          injectedAt: time,
          recoveredAt: time,
        },
      ],
      report: {
        verdict: 'Passed',
        targetsHit: 1,
        summary: '1 target(s) hit and recovered; the hypothesis held',
      },
    },
  };
}

async function metric(url: string, name: string): Promise<number> {
  const text = await (await fetch(`${url}/metrics`)).text();
  let total = 0;
  for (const line of text.split('\n')) if (line.startsWith(name)) total += Number(line.split(' ').pop());
  return total;
}

const benchmark: Benchmark = {
  id: 'scale',
  description: '10,000 finished experiments + 50,000 pods: controller initial sync time and peak RSS',
  async run({ log, quick }) {
    const experiments = quick ? 1000 : 10_000;
    const podsPerWorkload = quick ? 100 : 1000;
    const server = await benchCluster({ replicaSetRecreateDelayMs: false, historySize: 1000 });
    const dir = mkdtempSync(join(tmpdir(), 'chaoscraft-bench-scale-'));
    try {
      for (let w = 0; w < 50; w++) {
        server.seed(
          makeWorkload({
            name: `app-${w}`,
            namespace: 'bench',
            replicas: podsPerWorkload,
            labels: { app: `app-${w}` },
          }).objects,
        );
      }
      server.seed(Array.from({ length: experiments }, (_, i) => finishedExperiment(i)));
      const pods = 50 * podsPerWorkload;
      log(`seeded ${pods} pods and ${experiments} finished experiments`);
      const kubeconfig = join(dir, 'kubeconfig');
      writeKubeconfigFile({ server, path: kubeconfig });

      const start = performance.now();
      const child = spawn(
        process.execPath,
        [
          cli,
          'controller',
          '--kubeconfig',
          kubeconfig,
          '--leader-elect',
          'false',
          '--health-address',
          '127.0.0.1:0',
          '--log-level',
          'info',
        ],
        { stdio: ['ignore', 'pipe', 'inherit'] },
      );
      const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
      let url: string | undefined;
      createInterface({ input: child.stdout! }).on('line', (line) => {
        if (line.includes('health and metrics server listening')) url = JSON.parse(line).url;
      });
      try {
        await until(() => url !== undefined, 30_000, 'the controller to listen');
        let ready = false;
        while (!ready) {
          ready = (await fetch(`${url}/readyz`)).status === 200;
          if (!ready) await new Promise((resolve) => setTimeout(resolve, 20));
          if (performance.now() - start > 120_000) throw new Error('caches not synced after 120 s');
        }
        const syncSeconds = (performance.now() - start) / 1000;
        while ((await metric(url!, 'chaoscraft_reconcile_total{')) < experiments) {
          await new Promise((resolve) => setTimeout(resolve, 50));
          if (performance.now() - start > 180_000)
            throw new Error('not every experiment reconciled after 180 s');
        }
        const reconciledSeconds = (performance.now() - start) / 1000;
        const writes = server.countRequests({ verb: 'patch', resource: 'chaosexperiments' });
        const status = readFileSync(`/proc/${child.pid}/status`, 'utf8');
        const peakKiB = Number(/VmHWM:\s+(\d+) kB/.exec(status)?.[1]);
        const peakMiB = peakKiB / 1024;
        log(
          `synced in ${round(syncSeconds, 2)} s, all reconciled in ${round(reconciledSeconds, 2)} s, peak RSS ${round(peakMiB, 1)} MiB, ${writes} writes`,
        );
        return [
          {
            id: 'scale',
            figure: 'headline',
            value: round(peakMiB, 1),
            unit: `MiB peak RSS (${pods} pods, ${experiments} experiments)`,
            baseline: null,
            ratio: null,
            goal: '<= 300 MiB',
            met: peakMiB <= 300,
          },
          {
            id: 'scale',
            figure: 'initial sync',
            value: round(syncSeconds, 2),
            unit: 's',
            baseline: null,
            ratio: null,
            goal: '<= 30 s',
            met: syncSeconds <= 30,
          },
          {
            id: 'scale',
            figure: 'all reconciled once',
            value: round(reconciledSeconds, 2),
            unit: 's',
            baseline: null,
            ratio: null,
            goal: null,
            met: null,
          },
          {
            id: 'scale',
            figure: 'writes for finished experiments',
            value: writes,
            unit: 'requests',
            baseline: null,
            ratio: null,
            goal: null,
            met: null,
          },
        ];
      } finally {
        child.kill('SIGTERM');
        await exited;
      }
    } finally {
      await server.close();
      rmSync(dir, { recursive: true, force: true });
    }
  },
};

export default benchmark;
