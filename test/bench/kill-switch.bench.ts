// kill-switch: `suspend: true` committed to the Git repository the controller follows
// (`--policy-repo`, polled every 10 s, served by the real git HTTP test server) → every injection
// of one running experiment over 100 targets recovered. The targets are 100 network namespaces
// with 100% packet loss put there by the real injection agent with real nftables; "recovered"
// means the agent's nft table is gone from every one of them.
//
// Measured from the ref update (the mtime of refs/heads/main in the served repository, i.e. the
// moment a fetch could first see the commit) to the moment the last table was seen gone, on the
// wall clock. Where the commit falls in the 10 s poll cycle is not controlled, so rounds spread
// over roughly 0–10 s plus the recovery; the headline is the worst round, p50 is reported too.
// Root only (network namespaces, nftables); without it the benchmark says why and is skipped.
import { spawn, spawnSync } from 'node:child_process';
import { mkdtemp, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { setTimeout as sleep } from 'node:timers/promises';
import { InjectionAgent } from '../../controller/agent/injection-agent.ts';
import { listTaggedTables } from '../../controller/faults/nft.ts';
import { hasProgram } from '../../controller/host/command.ts';
import { ControllerManager } from '../../controller/manager/controller-manager.ts';
import { createLogger } from '../../controller/observability/logger.ts';
import { silentLogger } from '../../controller/runtime/logger.ts';
import { staticResolver } from '../controller/agent/agent-harness.ts';
import { createGitRepository, startGitHttpServer } from '../support/git-http-server.ts';
import { type KubeApiServer, kubeConfigFor } from '../support/kube-api-server/index.ts';
import { createNetns, type Netns, netnsUnavailableReason } from '../support/netns.ts';
import { waitFor } from '../support/wait.ts';
import { type Benchmark, type Figure, round } from './harness.ts';
import { benchCluster, seedWorkload } from './support/cluster.ts';

const TOKEN = 'ghs_benchKillSwitch_5e4d3c2b';
const pollIntervalMs = 10_000;
const goalSeconds = 11;

function unavailable(): string | undefined {
  return (
    netnsUnavailableReason() ??
    (hasProgram('nft') ? undefined : 'nft is not installed') ??
    (spawnSync('git', ['--version']).status === 0 ? undefined : 'native git is not installed')
  );
}

/**
 * `nft monitor tables` inside one namespace: resolves with the wall-clock time at which a
 * chaoscraft table was deleted there. Ready once the monitor process runs and has subscribed.
 */
function watchTableDeletion(netnsPath: string): {
  ready: Promise<void>;
  deleted(timeoutMs: number): Promise<number>;
  stop(): void;
} {
  const child = spawn(
    '/usr/bin/nsenter',
    [`--net=${netnsPath}`, '--', '/usr/sbin/nft', 'monitor', 'tables'],
    {
      stdio: ['ignore', 'pipe', 'ignore'],
    },
  );
  let buffer = '';
  let resolveDeleted: (at: number) => void = () => {};
  const deletedAt = new Promise<number>((resolve) => {
    resolveDeleted = resolve;
  });
  child.stdout.on('data', (chunk: Buffer) => {
    buffer += chunk.toString();
    if (/^delete table inet chaoscraft_/m.test(buffer)) resolveDeleted(Date.now());
  });
  // nft subscribes right after it starts; a short settle covers it (the deletion comes seconds later).
  const ready = new Promise<void>((resolve, reject) => {
    child.once('spawn', () => setTimeout(resolve, 200));
    child.once('error', reject);
  });
  return {
    ready,
    deleted: (timeoutMs) =>
      Promise.race([
        deletedAt,
        new Promise<number>((_, reject) =>
          setTimeout(
            () => reject(new Error(`no table deletion in ${netnsPath} within ${timeoutMs} ms`)),
            timeoutMs,
          ).unref(),
        ),
      ]),
    stop: () => child.kill('SIGTERM'),
  };
}

function percentile(sorted: number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1))]!;
}

const policy = (name: string) =>
  `apiVersion: chaoscraft.io/v1alpha1\nkind: ChaosPolicy\nmetadata:\n  name: ${name}\nspec:\n  suspend: true\n`;

const benchmark: Benchmark = {
  id: 'kill-switch',
  description: `suspend: true committed to Git (polled every ${pollIntervalMs / 1000} s) -> all 100 nft injections gone`,
  async run({ log, quick }) {
    const reason = unavailable();
    if (reason) {
      log(`kill-switch skipped: ${reason}`);
      return [];
    }
    const count = quick ? 20 : 100;
    const rounds = quick ? 2 : 5;
    const budgetMs = quick ? 120_000 : 420_000;
    const started = performance.now();
    const workspace = await mkdtemp(join(tmpdir(), 'chaoscraft-bench-kill-switch-'));
    const namespaces: Netns[] = [];
    let server: KubeApiServer | undefined;
    let git: Awaited<ReturnType<typeof startGitHttpServer>> | undefined;
    let manager: ControllerManager | undefined;
    let agent: InjectionAgent | undefined;
    try {
      for (let index = 0; index < count; index++) namespaces.push(await createNetns());
      server = await benchCluster();
      server.create({ apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'chaoscraft-system' } });
      seedWorkload(server, 'web', count);
      const pods = server.list({ apiVersion: 'v1', kind: 'Pod', namespace: 'bench' }) as {
        metadata: { uid: string };
        spec: { nodeName: string };
      }[];
      const nodes = new Set(pods.map((p) => p.spec.nodeName));
      if (pods.length !== count || nodes.size !== 1) throw new Error(`expected ${count} pods on one node`);
      const repo = await createGitRepository({ root: join(workspace, 'served'), name: 'guardrails' });
      await repo.writeFiles({ files: { 'policies/none.yaml': '# no policy\n' } });
      await repo.commit({ message: 'no policy' });
      git = await startGitHttpServer({ root: join(workspace, 'served'), auth: { token: TOKEN } });
      const quiet = new Writable({ write: (_chunk, _encoding, done) => done() });
      manager = new ControllerManager({
        kubeConfig: kubeConfigFor(server),
        namespace: 'chaoscraft-system',
        logger: createLogger({ level: 'warn', destination: quiet }),
        workers: 4,
        policyRepository: {
          url: `${git.url}/guardrails`,
          path: 'policies',
          pollIntervalMs,
          token: async () => TOKEN,
          workDir: workspace,
        },
      });
      await manager.start();
      agent = new InjectionAgent({
        kubeConfig: kubeConfigFor(server),
        nodeName: [...nodes][0]!,
        resolver: staticResolver(
          new Map(
            pods.map((pod, i) => [
              pod.metadata.uid,
              { id: `netns/${namespaces[i]!.name}`, netnsPath: namespaces[i]!.path },
            ]),
          ),
        ),
        sweepIntervalMs: 600_000,
        logger: silentLogger,
      });
      await agent.start();
      const caches = manager.caches;
      let policiesChangedAt = 0;
      caches.onPoliciesChanged(() => {
        policiesChangedAt = Date.now();
      });
      const gitPolicies = () => caches.policies().filter((p) => p.name.startsWith('git:')).length;
      const refFile = join(repo.dir, '.git', 'refs', 'heads', 'main');

      const totals: number[] = [];
      const detections: number[] = [];
      for (let index = 0; index <= rounds; index++) {
        const warmUp = index === 0;
        if (!warmUp && performance.now() - started > budgetMs) {
          log(`time budget spent: ${totals.length} measured rounds`);
          break;
        }
        const name = `kill-switch-${index}`;
        server.create({
          apiVersion: 'chaoscraft.io/v1alpha1',
          kind: 'ChaosExperiment',
          metadata: { name, namespace: 'bench' },
          spec: {
            selector: { labelSelector: { matchLabels: { app: 'web' } } },
            mode: 'all',
            faults: [{ networkLoss: { percent: 100, interfaces: ['lo'] } }],
            duration: '10m',
          },
        });
        // Every namespace has its table: the injections are in place.
        const pending = new Set(namespaces);
        await waitFor({
          condition: async () => {
            for (const netns of [...pending]) {
              if ((await listTaggedTables({ netnsPath: netns.path })).length > 0) pending.delete(netns);
            }
            return pending.size === 0;
          },
          what: `${count} injections in place`,
          timeoutMs: 120_000,
          intervalMs: 50,
        });

        // The kernel tells when each table goes: one idle `nft monitor` per namespace, so that
        // watching costs no CPU while the controller and the agent work.
        const monitors = namespaces.map((netns) => watchTableDeletion(netns.path));
        await Promise.all(monitors.map((m) => m.ready));
        // Where the commit falls in the poll cycle is drawn at random, not left to the set-up's timing.
        await sleep(Math.floor(Math.random() * pollIntervalMs));
        await repo.writeFiles({ files: { 'policies/kill-switch.yaml': policy('kill-switch') } });
        await repo.commit({ message: `suspend (round ${index})` });
        const committedAt = (await stat(refFile)).mtimeMs;
        let deletions: number[];
        try {
          deletions = await Promise.all(monitors.map((m) => m.deleted(pollIntervalMs + 60_000)));
        } finally {
          for (const monitor of monitors) monitor.stop();
        }
        for (const netns of namespaces) {
          if ((await listTaggedTables({ netnsPath: netns.path })).length > 0)
            throw new Error(`a table is left in ${netns.name}`);
        }
        const total = Math.max(...deletions) - committedAt;
        const detection = policiesChangedAt - committedAt;
        log(
          `${warmUp ? 'warm-up' : `round ${index}`}: commit -> Git set in force ${round(detection / 1000, 2)} s, -> last table gone ${round(total / 1000, 2)} s`,
        );
        if (!warmUp) {
          totals.push(total);
          detections.push(detection);
        }

        // Lift the suspension and wait until the run is over and everything is clean for the next round.
        await waitFor({
          condition: () =>
            server!.list({ apiVersion: 'chaoscraft.io/v1alpha1', kind: 'ChaosInjection', namespace: 'bench' })
              .length === 0,
          what: 'the injections to be deleted',
          timeoutMs: 60_000,
          intervalMs: 20,
        });
        await repo.removeFiles({ paths: ['policies/kill-switch.yaml'] });
        await repo.commit({ message: `lift (round ${index})` });
        await waitFor({
          condition: () => gitPolicies() === 0,
          what: 'the lift to be read',
          timeoutMs: pollIntervalMs + 30_000,
          intervalMs: 20,
        });
      }
      if (totals.length === 0) throw new Error('no measured round');
      const sorted = [...totals].sort((a, b) => a - b);
      const worst = sorted.at(-1)! / 1000;
      const p50 = percentile(sorted, 50) / 1000;
      const detectionP50 =
        percentile(
          [...detections].sort((a, b) => a - b),
          50,
        ) / 1000;
      const recoveries = totals.map((t, i) => t - detections[i]!).sort((a, b) => a - b);
      const figure = (name: string, value: number, unit: string, goal: string | null = null): Figure => ({
        id: 'kill-switch',
        figure: name,
        value: round(value, 2),
        unit,
        baseline: null,
        ratio: null,
        goal,
        met: goal ? value <= goalSeconds : null,
      });
      return [
        figure(
          'headline',
          worst,
          `s (worst of ${totals.length} rounds, ${count} targets)`,
          `<= ${goalSeconds} s`,
        ),
        figure('p50 commit -> last table gone', p50, 's'),
        figure('p50 commit -> Git set in force (the poll wait)', detectionP50, 's'),
        figure('worst commit -> Git set in force', Math.max(...detections) / 1000, 's'),
        figure('worst Git set in force -> last table gone', recoveries.at(-1)! / 1000, 's'),
        figure('rounds', totals.length, 'count'),
      ];
    } finally {
      await agent?.stop();
      await manager?.stop({ drainTimeoutMs: 5000 });
      await git?.close();
      await server?.close();
      for (const netns of namespaces) await netns.destroy();
      await rm(workspace, { recursive: true, force: true });
    }
  },
};

export default benchmark;
