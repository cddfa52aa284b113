// scale: 10,000 finished experiments and 50,000 pods of realistic size (three containers, labels,
// annotations, status: about 7 KB each) in the API test server, which answers every request 2 ms
// late. The controller runs as its own process (so its memory is its own) from start to caches
// synced and every experiment reconciled once. Headline: its peak RSS (VmHWM). Baseline: the floor
// of the same list work, a bare process (support/bare-list.ts, fetch with limit/continue, no
// product code, the controller's heap and malloc settings) that pages through the same collections
// and keeps nothing; run before and after the controller, the faster run counts.
import { execFile, spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { promisify } from 'node:util';
import { kubeConfigFor, makeWorkload, writeKubeconfigFile } from '../support/kube-api-server/index.ts';
import { type Benchmark, type Figure, round } from './harness.ts';
import { benchCluster, until } from './support/cluster.ts';

// The real entry point, with the memory settings it applies to long-running roles.
const cli = join(import.meta.dirname, '../../bin/chaoscraft.js');
const bareList = join(import.meta.dirname, 'support/bare-list.ts');
const LATENCY_MS = 2;
const GOAL_MIB = 300;
/** What the controller's informers list, cluster-wide. */
const listPaths = [
  '/api/v1/pods',
  '/apis/chaoscraft.io/v1alpha1/chaosexperiments',
  '/api/v1/namespaces',
  '/api/v1/nodes',
  '/apis/chaoscraft.io/v1alpha1/chaospolicies',
  '/apis/chaoscraft.io/v1alpha1/chaosinjections',
];

/** The malloc setting bin/chaoscraft.js gives long-running roles, unless the environment has one. */
function mallocTunables(env: NodeJS.ProcessEnv): NodeJS.ProcessEnv {
  const tunables = env.GLIBC_TUNABLES ?? '';
  if (/(^|:)glibc\.malloc\.mmap_threshold=/.test(tunables) || env.MALLOC_MMAP_THRESHOLD_ !== undefined)
    return {};
  const threshold = 'glibc.malloc.mmap_threshold=131072';
  return { GLIBC_TUNABLES: tunables ? `${tunables}:${threshold}` : threshold };
}

interface BareListResult {
  ms: number;
  items: Record<string, number>;
  pages: number;
  peakKiB: number;
}

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
  description:
    '10,000 finished experiments + 50,000 realistic pods, 2 ms per request: controller peak RSS and initial sync; baseline: bare paged list',
  async run({ log, quick, sizes }) {
    const experiments = quick ? 1000 : 10_000;
    const podsPerWorkload = quick ? 100 : 1000;
    sizes({
      pods: 50 * podsPerWorkload,
      experiments,
      podSize: 'realistic',
      apiLatencyMs: LATENCY_MS,
      pageSize: 500,
    });
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
            podSize: 'realistic',
          }).objects,
        );
      }
      server.seed(Array.from({ length: experiments }, (_, i) => finishedExperiment(i)));
      const pods = 50 * podsPerWorkload;
      log(`seeded ${pods} pods and ${experiments} finished experiments`);
      const kubeconfig = join(dir, 'kubeconfig');
      await writeKubeconfigFile({ server, path: kubeconfig });
      server.setLatency(LATENCY_MS);
      const token = kubeConfigFor(server).getCurrentUser()?.token;
      const bare = async (): Promise<BareListResult> => {
        const { stdout } = await promisify(execFile)(
          process.execPath,
          // The heap and malloc settings bin/chaoscraft.js gives the controller: memory compares like
          // for like.
          [
            '--max-semi-space-size=1',
            '--max-old-space-size=256',
            bareList,
            JSON.stringify({ url: server.url, paths: listPaths, limit: 500 }),
          ],
          {
            env: { ...process.env, ...mallocTunables(process.env), BENCH_TOKEN: token ?? '' },
            timeout: 300_000,
            maxBuffer: 1 << 20,
          },
        );
        return JSON.parse(stdout) as BareListResult;
      };
      const bareBefore = await bare();
      if (bareBefore.items['/api/v1/pods'] !== pods)
        throw new Error(`bare list saw ${bareBefore.items['/api/v1/pods']} pods`);
      log(
        `bare list: ${round(bareBefore.ms / 1000, 2)} s, ${bareBefore.pages} pages, peak ${round(bareBefore.peakKiB / 1024, 1)} MiB`,
      );

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
        const peakMiB = Number(/VmHWM:\s+(\d+) kB/.exec(status)?.[1]) / 1024;
        log(
          `synced in ${round(syncSeconds, 2)} s, all reconciled in ${round(reconciledSeconds, 2)} s, peak RSS ${round(peakMiB, 1)} MiB, ${writes} writes`,
        );
        child.kill('SIGTERM');
        await exited;
        const bareAfter = await bare();
        log(
          `bare list again: ${round(bareAfter.ms / 1000, 2)} s, peak ${round(bareAfter.peakKiB / 1024, 1)} MiB`,
        );
        // The faster of the two bare runs, and its memory: the stricter baseline.
        const floor = bareAfter.ms < bareBefore.ms ? bareAfter : bareBefore;
        const floorSeconds = floor.ms / 1000;
        const floorMiB = floor.peakKiB / 1024;
        const figure = (name: string, value: number, unit: string, extra: Partial<Figure> = {}): Figure => ({
          id: 'scale',
          figure: name,
          value,
          unit,
          baseline: null,
          ratio: null,
          goal: null,
          met: null,
          ...extra,
        });
        return [
          figure(
            'headline',
            round(peakMiB, 1),
            `MiB peak RSS (${pods} realistic pods, ${experiments} experiments)`,
            {
              baseline: round(floorMiB, 1),
              ratio: round(peakMiB / floorMiB, 2),
              goal: `<= ${GOAL_MIB} MiB`,
              met: peakMiB <= GOAL_MIB,
            },
          ),
          figure('initial sync', round(syncSeconds, 2), `s (${pods} pods, ${experiments} experiments)`, {
            baseline: round(floorSeconds, 2),
            ratio: round(syncSeconds / floorSeconds, 2),
            goal: '<= 30 s',
            met: syncSeconds <= 30,
          }),
          figure('all reconciled once', round(reconciledSeconds, 2), 's'),
          figure(
            'bare paged list, keeping nothing',
            round(floorSeconds, 2),
            `s (${floor.pages} pages of 500)`,
          ),
          figure('bare paged list peak RSS', round(floorMiB, 1), 'MiB'),
          figure('writes for finished experiments', writes, 'requests'),
        ];
      } finally {
        if (child.exitCode === null && child.signalCode === null) {
          child.kill('SIGTERM');
          await exited;
        }
      }
    } finally {
      await server.close();
      rmSync(dir, { recursive: true, force: true });
    }
  },
};

export default benchmark;
