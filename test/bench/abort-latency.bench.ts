// abort-latency: a steady-state probe's source turns bad while a run holds packet loss on 100 pods →
// every injection recovered. The real controller (ControllerManager against the API test server,
// 2 ms per request) runs one ChaosExperiment per round: networkLoss on 100 pods, mode all, 10m, and
// an http probe `when: [during]`, `interval: 1s`, `failureThreshold: 1` against a small HTTP server
// on 127.0.0.1 that this benchmark controls. The real agent process (`bin/chaoscraft.js agent`,
// production resolver over fake pods' cgroups) applies the loss with nftables in 100 network
// namespaces of ours.
//
// A round waits until the run is Running and every table is in place, takes the probe's next request
// as the phase of its cycle, waits a random time within one interval, and switches the server to
// answer 500. Measured: from that switch to the moment the last table is gone, as an idle
// `nft monitor` per namespace reports it (support/nft-monitor.ts, no project code). Headline: p99
// over the measured rounds, goal <= 1,500 ms. Along the way, for a timeline of where the time goes:
// the first 500 answered; plain HTTP watches for the failed probe and Recovering stored, each
// ChaosInjection marked for deletion, its Recovered stored and its removal; the CPU the agent
// process (with its spawn helper and the nft it ran) and this process (controller, API server,
// monitors) used meanwhile.
//
// Baselines, in the same rounds' set-up (a run Running with its 100 tables), interleaved with the
// measured rounds so that drift in the machine's load hits all alike (every second and every fifth
// iteration: see schedule), no project code:
// - bare-api: a bare HTTP client (support/bare-client.ts) DELETEs the run's 100 ChaosInjections
//   at once. The agent's own recovery path, with no probe and no controller decision in the loop;
//   the ratio of medians is what the controller adds.
// - bare-nft: `nsenter --net=… nft delete table` for the 100 tables in a process of its own
//   (support/bare-deadlines.ts): the machine's floor.
// Root only (network namespaces, cgroups, nftables); without it the benchmark says why and is skipped.
import { execFile } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { promisify } from 'node:util';
import type { ControllerManager } from '../../controller/manager/controller-manager.ts';
import { type KubeApiServer, makeRunningPod, writeKubeconfigFile } from '../support/kube-api-server/index.ts';
import { exec, netnsUnavailableReason } from '../support/netns.ts';
import { waitFor } from '../support/wait.ts';
import { type Benchmark, type Figure, median, percentile, round } from './harness.ts';
import { cpuMsOf, cpuMsOfTree, injectionsPath, startProbeSource, watchRound } from './support/abort-round.ts';
import { type AgentProcess, startAgentProcess } from './support/agent-process.ts';
import { bareClient } from './support/bare-client.ts';
import { benchCluster, startBenchController } from './support/cluster.ts';
import { createFakePods, type FakePods } from './support/fake-pods.ts';
import { monitorTables, type TableMonitor } from './support/nft-monitor.ts';

const ID = 'abort-latency';
const GOAL_MS = 1500;
const INTERVAL_MS = 1000;
const NODE = 'bench-node';
const APP = 'abort-target';
const NFT = '/usr/sbin/nft';
const bareDeadlines = join(import.meta.dirname, 'support/bare-deadlines.ts');

type Kind = 'controller' | 'bare-api' | 'bare-nft';
/** Set-up of a bare-nft round's own process before the common deadline. */
const BARE_NFT_LEAD_MS = 2000;

/**
 * The rounds of one iteration: every iteration times the controller, every second one the bare
 * DELETEs, every fifth the bare nft floor (a round takes 10-20 s here, and the controller rounds
 * must fit the time bound). Which goes first alternates. The warm-up is one controller round.
 */
function schedule(iteration: number): Kind[] {
  if (iteration === 0) return ['controller'];
  const list: Kind[] = ['controller'];
  if (iteration % 2 === 0) list.push('bare-api');
  if (iteration % 5 === 1) list.push('bare-nft');
  return iteration % 2 === 0 ? list.reverse() : list;
}

interface Round {
  kind: Kind;
  /** Switch (or first delete) → last table gone. */
  totalMs: number;
  /** Step times from the switch, where the kind has them. */
  steps: Record<string, number>;
  /** Per injection: marked for deletion -> its table gone (the agent's part), where the kind has it. */
  agentMs: number[];
  /** Per injection: its table gone -> Recovered stored -> object gone (the agent's API writes). */
  writesMs: number[];
  /** CPU used from the switch to the last table gone: the agent process (with its nft), this process. */
  cpu: { windowMs: number; agentMs: number; benchMs: number };
  /** CPU per table removed: the agent process with its nft, or the bare process with its nft. */
  cpuPerTableMs: number;
}

const benchmark: Benchmark = {
  id: ID,
  description: `probe source turns bad -> every injection recovered (100 nft injections via the real agent, probe interval ${INTERVAL_MS / 1000} s); p99, vs bare DELETEs of the injections`,
  async run({ log, quick, sizes }) {
    const reason =
      netnsUnavailableReason() ??
      ((await exec({ argv: [NFT, '--version'] })).code === 0 ? undefined : 'nft is not installed');
    if (reason) {
      log(`${ID} skipped: ${reason}`);
      return [];
    }
    const count = quick ? 20 : 100;
    const wanted = quick ? 3 : 20;
    // A hard bound on the rounds' time; reaching it before `wanted` rounds is logged and reported.
    const budgetMs = quick ? 150_000 : 600_000;
    const apiLatencyMs = 2;
    const workspace = await mkdtemp(join(tmpdir(), 'chaoscraft-bench-abort-'));
    const monitors: TableMonitor[] = [];
    let fake: FakePods | undefined;
    let server: KubeApiServer | undefined;
    let manager: ControllerManager | undefined;
    let agent: AgentProcess | undefined;
    let source: Awaited<ReturnType<typeof startProbeSource>> | undefined;
    const rounds: Round[] = [];
    try {
      const setUpStarted = performance.now();
      fake = await createFakePods(count);
      const byUid = new Map(fake.pods.map((pod, index) => [pod.uid, index]));
      server = await benchCluster();
      server.setLatency(apiLatencyMs);
      server.create({ apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'chaoscraft-system' } });
      server.seed(
        fake.pods.map((pod, index) => {
          const object = makeRunningPod({
            name: `${APP}-${index}`,
            namespace: 'bench',
            labels: { app: APP },
            nodeName: NODE,
          });
          (object.metadata as { uid: string }).uid = pod.uid;
          (object.status as { containerStatuses: { containerID: string }[] })
            .containerStatuses[0]!.containerID = pod.containerID;
          return object;
        }),
      );
      source = await startProbeSource();
      manager = await startBenchController(server);
      const kubeconfig = await writeKubeconfigFile({ server, path: join(workspace, 'kubeconfig') });
      agent = startAgentProcess({ node: NODE, kubeconfig, cgroupRoot: fake.cgroupRoot });
      for (const pod of fake.pods) monitors.push(await monitorTables(pod.netns.path));
      log(
        `set-up: ${count} pods, controller, agent process, ${count} nft monitors in ${round((performance.now() - setUpStarted) / 1000, 1)} s`,
      );
      sizes({
        targets: count,
        probeIntervalMs: INTERVAL_MS,
        failureThreshold: 1,
        apiLatencyMs,
        controllerWorkers: 4,
        quick,
      });

      const api = bareClient(server);
      const runRound = async (kind: Kind, name: string): Promise<Round> => {
        const stopWatch = new AbortController();
        try {
          const marks = watchRound(server!, name, stopWatch.signal);
          server!.create({
            apiVersion: 'chaoscraft.io/v1alpha1',
            kind: 'ChaosExperiment',
            metadata: { name, namespace: 'bench' },
            spec: {
              selector: { labelSelector: { matchLabels: { app: APP } } },
              mode: 'all',
              faults: [{ networkLoss: { percent: 100, interfaces: ['lo'] } }],
              duration: '10m',
              hypothesis: {
                probes: [
                  {
                    name: 'source',
                    when: ['during'],
                    interval: `${INTERVAL_MS / 1000}s`,
                    failureThreshold: 1,
                    http: { url: source!.url },
                  },
                ],
              },
            },
          });
          await waitFor({
            what: `${name} Running`,
            timeoutMs: 120_000,
            intervalMs: 20,
            condition: () => {
              const object = server!.get({
                apiVersion: 'chaoscraft.io/v1alpha1',
                kind: 'ChaosExperiment',
                namespace: 'bench',
                name,
              }) as {
                status?: { conditions?: { type: string; status: string; reason: string; message: string }[] };
              };
              const succeeded = object?.status?.conditions?.find((c) => c.type === 'Succeeded');
              if (succeeded && succeeded.status !== 'Unknown')
                throw new Error(`${name} ended before the switch: ${succeeded.reason}: ${succeeded.message}`);
              return succeeded?.reason === 'Running';
            },
          });
          const injections = (
            server!.list({
              apiVersion: 'chaoscraft.io/v1alpha1',
              kind: 'ChaosInjection',
              namespace: 'bench',
            }) as {
              metadata: { name: string };
              spec: { experiment: { name: string }; tag: string; target: { pod: { uid: string } } };
            }[]
          ).filter((i) => i.spec.experiment.name === name);
          const tables = injections.map((i) => {
            const index = byUid.get(i.spec.target.pod.uid);
            if (index === undefined) throw new Error(`injection ${i.metadata.name} targets an unknown pod`);
            return { injection: i.metadata.name, index, table: `chaoscraft_${i.spec.tag}` };
          });
          if (new Set(tables.map((t) => t.index)).size !== count)
            throw new Error(
              `expected one injection per pod, got ${tables.length} on ${new Set(tables.map((t) => t.index)).size} pods`,
            );
          await Promise.all(tables.map((t) => monitors[t.index]!.added(t.table, 60_000)));

          // The phase within the probe's cycle is drawn at random, not left to the set-up's timing.
          const anchor = await source!.nextRequest(10_000);
          const offset = Math.random() * INTERVAL_MS;
          const gone = Promise.all(tables.map((t) => monitors[t.index]!.deleted(t.table, 60_000)));
          gone.catch(() => {});
          const steps: Record<string, number> = {};
          let cpuBefore = { agent: cpuMsOfTree(agent!.pid), bench: process.cpuUsage(), children: 0 };
          let switchedAt: number;
          if (kind === 'controller') {
            await sleep(Math.max(0, anchor + offset - Date.now()));
            cpuBefore = { agent: cpuMsOfTree(agent!.pid), bench: process.cpuUsage(), children: 0 };
            switchedAt = source!.fail();
            await gone;
            const answered = source!.firstFailureAnswered(switchedAt);
            if (answered) steps['first 500 answered'] = answered - switchedAt;
          } else if (kind === 'bare-api') {
            await sleep(Math.max(0, anchor + offset - Date.now()));
            cpuBefore = { agent: cpuMsOfTree(agent!.pid), bench: process.cpuUsage(), children: 0 };
            switchedAt = Date.now();
            const statuses = await api.deleteAll(
              tables.map((t) => `${injectionsPath}/${t.injection}`),
              { concurrency: tables.length },
            );
            steps['every DELETE answered'] = Date.now() - switchedAt;
            const refused = statuses.filter((s) => s !== 200 && s !== 202);
            if (refused.length) throw new Error(`bare DELETEs refused: ${refused.join(', ')}`);
          } else {
            // A process of its own needs a moment to start: the deletes are timed from their common deadline.
            cpuBefore.children = cpuMsOf(process.pid, 'children');
            switchedAt = anchor + BARE_NFT_LEAD_MS + offset;
            const jobs = tables.map((t) => ({
              netnsPath: fake!.pods[t.index]!.netns.path,
              table: t.table,
              deadlineMs: switchedAt,
            }));
            await promisify(execFile)(process.execPath, [bareDeadlines, JSON.stringify(jobs)], {
              timeout: 60_000,
            });
          }
          const times = await gone;
          const totalMs = Math.max(...times) - switchedAt;
          const benchCpu = process.cpuUsage(cpuBefore.bench);
          const cpu = {
            windowMs: Date.now() - switchedAt,
            agentMs: cpuMsOfTree(agent!.pid) - cpuBefore.agent,
            benchMs: (benchCpu.user + benchCpu.system) / 1000,
          };
          // The bare process has exited and been reaped: its CPU (and its nft's) is this process's children's.
          const cpuPerTableMs =
            (kind === 'bare-nft' ? cpuMsOf(process.pid, 'children') - cpuBefore.children : cpu.agentMs) /
            count;
          steps['first table gone'] = Math.min(...times) - switchedAt;
          if (marks.probeFailedAt) steps['failed probe stored'] = marks.probeFailedAt - switchedAt;
          if (marks.recoveringAt) steps['Recovering stored'] = marks.recoveringAt - switchedAt;
          // Per injection: marked for deletion (as a watch saw it) -> its table gone. The agent's share.
          const agentMs: number[] = [];
          const writesMs: number[] = [];
          if (kind !== 'bare-nft') {
            await waitFor({
              what: `the agent to release ${name}'s injections`,
              timeoutMs: 60_000,
              intervalMs: 20,
              condition: () => marks.removed.size === count,
            });
            const deleting = [...marks.deleting.values()];
            steps['first injection marked for deletion'] = Math.min(...deleting) - switchedAt;
            steps['last injection marked for deletion'] = Math.max(...deleting) - switchedAt;
            steps['last Recovered stored'] = Math.max(...marks.recovered.values()) - switchedAt;
            steps['last injection gone'] = Math.max(...marks.removed.values()) - switchedAt;
            tables.forEach((t, i) => {
              agentMs.push(times[i]! - marks.deleting.get(t.injection)!);
              writesMs.push(marks.removed.get(t.injection)! - times[i]!);
            });
          }

          // Over: back to a clean slate for the next round.
          source!.heal();
          server!.delete({
            apiVersion: 'chaoscraft.io/v1alpha1',
            kind: 'ChaosExperiment',
            namespace: 'bench',
            name,
          });
          await waitFor({
            what: `${name} and its injections gone`,
            timeoutMs: 60_000,
            intervalMs: 20,
            condition: () =>
              !server!.get({
                apiVersion: 'chaoscraft.io/v1alpha1',
                kind: 'ChaosExperiment',
                namespace: 'bench',
                name,
              }) &&
              server!.list({
                apiVersion: 'chaoscraft.io/v1alpha1',
                kind: 'ChaosInjection',
                namespace: 'bench',
              }).length === 0,
          });
          return { kind, totalMs, steps, agentMs, writesMs, cpu, cpuPerTableMs };
        } finally {
          stopWatch.abort();
          source!.heal();
        }
      };

      const of = (kind: Kind) => rounds.filter((r) => r.kind === kind);
      const started = performance.now();
      for (let iteration = 0; iteration <= wanted; iteration++) {
        const warmUp = iteration === 0;
        if (performance.now() - started > budgetMs) {
          log(`time budget spent after ${iteration - 1} measured rounds of ${wanted}`);
          break;
        }
        const line: string[] = [];
        const roundStarted = performance.now();
        for (const kind of schedule(iteration)) {
          const result = await runRound(kind, `abort-${iteration}-${kind}`);
          if (!warmUp) rounds.push(result);
          line.push(
            `${kind} ${Math.round(result.totalMs)} ms (first table gone ${Math.round(result.steps['first table gone']!)})`,
          );
        }
        log(
          `${warmUp ? 'warm-up' : `round ${iteration}`}: ${line.join(', ')} (${round((performance.now() - roundStarted) / 1000, 1)} s)`,
        );
      }
      sizes({ rounds: of('controller').length, baselineRounds: of('bare-api').length });

      // Nothing of ours left behind in any namespace.
      for (const pod of fake.pods) {
        const listed = await exec({ argv: [NFT, 'list', 'tables'], netnsPath: pod.netns.path });
        if (listed.code !== 0) throw new Error(`nft list tables in ${pod.netns.name}: ${listed.stderr}`);
        if (listed.stdout.includes('chaoscraft_')) throw new Error(`a table is left in ${pod.netns.name}`);
      }

      const sorted = (values: number[]) => [...values].sort((a, b) => a - b);
      const totals = (kind: Kind) => sorted(of(kind).map((r) => r.totalMs));
      const subject = totals('controller');
      const bareApi = totals('bare-api');
      const bareNft = totals('bare-nft');
      const p99 = percentile(subject, 99);
      const figure = (
        name: string,
        value: number,
        unit: string,
        extra: Partial<Pick<Figure, 'baseline' | 'ratio' | 'goal' | 'met'>> = {},
      ): Figure => ({
        id: ID,
        figure: name,
        value: round(value, 0),
        unit,
        baseline: null,
        ratio: null,
        goal: null,
        met: null,
        ...extra,
      });
      // Each step's p50 and p99 over the rounds that saw it, in the order of their medians.
      const stepFigures = (kind: Kind, label: string) => {
        const names = [...new Set(of(kind).flatMap((r) => Object.keys(r.steps)))];
        return names
          .map((step) => {
            const values = sorted(
              of(kind)
                .map((r) => r.steps[step])
                .filter((v): v is number => v !== undefined),
            );
            return { step, values, p50: percentile(values, 50) };
          })
          .sort((a, b) => a.p50 - b.p50)
          .map(({ step, values, p50 }) =>
            figure(
              `${label}: switch -> ${step}, p50`,
              p50,
              `ms (p99 ${Math.round(percentile(values, 99))} ms, ${values.length} rounds)`,
            ),
          );
      };
      return [
        // The goal is absolute; the baseline's p99 over its fewer rounds is its worst round, too unsteady
        // to divide by. The ratio is the next figure's, of the medians.
        figure(
          'headline',
          p99,
          `ms p99 switch -> last table gone (${subject.length} rounds, ${count} targets)`,
          { goal: `<= ${GOAL_MS} ms`, met: p99 <= GOAL_MS },
        ),
        figure('p50 switch -> last table gone, vs bare DELETEs of the injections', median(subject), 'ms', {
          baseline: round(median(bareApi), 0),
          ratio: round(median(subject) / median(bareApi), 2),
        }),
        figure('p50 switch -> last table gone, vs bare nft delete table', median(subject), 'ms', {
          baseline: round(median(bareNft), 0),
          ratio: round(median(subject) / median(bareNft), 2),
        }),
        figure('max switch -> last table gone', subject.at(-1)!, 'ms'),
        figure(
          'bare DELETEs -> last table gone, p99',
          percentile(bareApi, 99),
          `ms (${bareApi.length} rounds)`,
        ),
        figure(
          'bare nft delete -> last table gone, p99',
          percentile(bareNft, 99),
          `ms (${bareNft.length} rounds)`,
        ),
        figure(
          'CPU per table removed, p50: agent process with its nft (controller rounds)',
          percentile(sorted(of('controller').map((r) => r.cpuPerTableMs)), 50),
          `ms (bare DELETE rounds ${round(percentile(sorted(of('bare-api').map((r) => r.cpuPerTableMs)), 50), 1)} ms)`,
          {
            baseline: round(percentile(sorted(of('bare-nft').map((r) => r.cpuPerTableMs)), 50), 1),
            ratio: round(
              percentile(sorted(of('controller').map((r) => r.cpuPerTableMs)), 50) /
                percentile(sorted(of('bare-nft').map((r) => r.cpuPerTableMs)), 50),
              1,
            ),
          },
        ),
        ...stepFigures('controller', 'timeline'),
        ...stepFigures('bare-api', 'bare DELETEs'),
        ...(['controller', 'bare-api'] as const).flatMap((kind) => {
          const label = kind === 'controller' ? 'timeline' : 'bare DELETEs';
          const agentMs = sorted(of(kind).flatMap((r) => r.agentMs));
          const spread = sorted(of(kind).map((r) => r.totalMs - r.steps['first table gone']!));
          if (agentMs.length === 0) return [];
          return [
            figure(
              `${label}: per injection, marked for deletion -> its table gone, p50`,
              percentile(agentMs, 50),
              `ms (p99 ${Math.round(percentile(agentMs, 99))} ms, ${agentMs.length} injections)`,
            ),
            figure(
              `${label}: per injection, its table gone -> object gone (Recovered + finalizer writes), p50`,
              percentile(sorted(of(kind).flatMap((r) => r.writesMs)), 50),
              'ms',
            ),
            figure(
              `${label}: CPU of the agent process (with its nft) from the switch to the last table gone, p50`,
              percentile(sorted(of(kind).map((r) => (100 * r.cpu.agentMs) / r.cpu.windowMs)), 50),
              `% of one core (this process: ${Math.round(percentile(sorted(of(kind).map((r) => (100 * r.cpu.benchMs) / r.cpu.windowMs)), 50))} %)`,
            ),
            figure(
              `${label}: first -> last table gone, p50`,
              percentile(spread, 50),
              `ms (${round(percentile(spread, 50) / (count - 1), 1)} ms per table)`,
            ),
          ];
        }),
      ];
    } catch (error) {
      if (agent?.output()) log(`agent output: ${agent.output()}`);
      throw error;
    } finally {
      for (const monitor of monitors) monitor.stop();
      await manager?.stop({ drainTimeoutMs: 5000 });
      await agent?.stop();
      await source?.close();
      await server?.close();
      await fake?.destroy();
      await rm(workspace, { recursive: true, force: true });
    }
  },
};

export default benchmark;
