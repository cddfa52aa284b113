// deadline-recovery: the dead-man switch of the real node agent. 50 pods, each with its own network
// namespace and container cgroup, carry a packet-loss injection (real nftables) put there by the
// agent process (`bin/chaoscraft.js agent`, production target resolver) from ChaosInjections in the
// API test server (2 ms per request). Nobody recovers them: their deadlines pass 20 ms apart and the
// agent must remove each rule on its own, through its informer, queue, workers, deadline scheduler
// and node-change limiter, exactly as in production.
//
// "Rule gone" is the kernel's word for it: an idle `nft monitor tables` per namespace (spawned with
// nsenter, no project code) reports the table's deletion. Headline: p99 of (rule gone - deadline)
// over every injection of every round; the goal is absolute. Alongside, in interleaved rounds, the
// floor of the machine: a bare process with one timer per deadline that deletes a hand-written
// table of the same shape with nsenter + nft (support/bare-deadlines.ts). Second figure: deadline ->
// Recovered True stored in the API server, seen by a plain HTTP watch. Root only.
import { type ChildProcess, execFile, spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { hasProgram } from '../../controller/host/command.ts';
import { injection, NAMESPACE, startServer } from '../controller/agent/agent-harness.ts';
import { type KubeApiServer, writeKubeconfigFile } from '../support/kube-api-server/index.ts';
import { exec, type Netns, netnsUnavailableReason } from '../support/netns.ts';
import { waitFor } from '../support/wait.ts';
import { type Benchmark, type Figure, percentile, round } from './harness.ts';
import { bareClient } from './support/bare-client.ts';
import { createFakePods, type FakePod, type FakePods } from './support/fake-pods.ts';
import { monitorTables, type TableMonitor } from './support/nft-monitor.ts';

const cli = join(import.meta.dirname, '../../bin/chaoscraft.js');
const bareDeadlines = join(import.meta.dirname, 'support/bare-deadlines.ts');
const NODE = 'bench-node';
const SPACING_MS = 20;
const GOAL_MS = 100;

/** Recovered True per injection name, as a plain HTTP watch sees it (wall-clock ms of arrival). */
function watchRecovered(server: KubeApiServer, signal: AbortSignal): Map<string, number> {
  const seen = new Map<string, number>();
  bareClient(server).watch(
    `/apis/chaoscraft.io/v1alpha1/namespaces/${NAMESPACE}/chaosinjections`,
    (event) => {
      const at = Date.now();
      const object = event.object as {
        metadata: { name: string };
        status?: { conditions?: { type: string; status: string }[] };
      };
      const recovered = object.status?.conditions?.some((c) => c.type === 'Recovered' && c.status === 'True');
      if (recovered && !seen.has(object.metadata.name)) seen.set(object.metadata.name, at);
    },
    signal,
  );
  return seen;
}

async function tablesIn(netns: Netns): Promise<string[]> {
  const result = await exec({ argv: ['/usr/sbin/nft', 'list', 'tables'], netnsPath: netns.path });
  if (result.code !== 0) throw new Error(`nft list tables in ${netns.name}: ${result.stderr}`);
  return result.stdout.split('\n').filter((line) => line.includes('chaoscraft_') || line.includes('ccfloor'));
}

/** A table shaped like a packet-loss injection (one chain on output, one random-drop rule), by hand. */
function floorTable(name: string): string {
  return [
    `table inet ${name} {`,
    '  chain egress {',
    '    type filter hook output priority -150; policy accept;',
    '    meta l4proto != icmpv6 numgen random mod 100 < 30 drop',
    '  }',
    '}',
    '',
  ].join('\n');
}

const benchmark: Benchmark = {
  id: 'deadline-recovery',
  description: `the real agent process recovers expired nft injections on its own (50, deadlines ${SPACING_MS} ms apart); p99 deadline -> rule gone`,
  async run({ log, quick, sizes }) {
    const reason = netnsUnavailableReason() ?? (hasProgram('nft') ? undefined : 'nft is not installed');
    if (reason) throw new Error(`deadline-recovery cannot run: ${reason}`);
    const count = quick ? 15 : 50;
    const rounds = quick ? 1 : 3;
    const latencyMs = 2;
    sizes({ injections: count, rounds, spacingMs: SPACING_MS, apiLatencyMs: latencyMs, pods: count });
    const monitors: TableMonitor[] = [];
    const stopWatch = new AbortController();
    const workspace = await mkdtemp(join(tmpdir(), 'chaoscraft-bench-deadline-'));
    let fake: FakePods | undefined;
    let server: KubeApiServer | undefined;
    let agent: ChildProcess | undefined;
    let agentOutput = '';
    try {
      fake = await createFakePods(count);
      const pods = fake.pods;
      server = await startServer();
      server.setLatency(latencyMs);
      const kubeconfig = await writeKubeconfigFile({ server, path: join(workspace, 'kubeconfig') });
      agent = spawn(
        process.execPath,
        [
          cli,
          'agent',
          ...['--node', NODE, '--kubeconfig', kubeconfig, '--cgroup-root', fake.cgroupRoot],
          ...['--controller-lease', 'off', '--health-address', 'off', '--log-level', 'warn'],
        ],
        { stdio: ['ignore', 'pipe', 'pipe'] },
      );
      const collect = (chunk: Buffer) => {
        agentOutput = (agentOutput + String(chunk)).slice(-4000);
      };
      agent.stdout!.on('data', collect);
      agent.stderr!.on('data', collect);
      const recovered = watchRecovered(server, stopWatch.signal);
      for (const pod of pods) monitors.push(await monitorTables(pod.netns.path));

      /** Waits for each table to go and returns (gone - deadline) per item. */
      const lateness = async (items: { table: string; deadlineMs: number }[]) => {
        const lastDeadline = items.at(-1)!.deadlineMs;
        const gone = await Promise.all(
          items.map((item, index) =>
            monitors[index]!.deleted(item.table, lastDeadline - Date.now() + 30_000),
          ),
        );
        const late = items.map((item, index) => gone[index]! - item.deadlineMs);
        const early = late.filter((ms) => ms < 0).length;
        if (early > 0) throw new Error(`${early} tables went before their deadline`);
        return late;
      };

      const agentRound = async (index: number) => {
        // Deadlines far enough ahead that every injection is in place before the first.
        const leadMs = quick ? 8000 : 15_000;
        const firstDeadline = Date.now() + leadMs;
        const items = pods.map((pod: FakePod, i) => {
          const tag = `cc${randomBytes(6).toString('hex')}`;
          return {
            name: `r${index}-expire-${i}`,
            tag,
            table: `chaoscraft_${tag}`,
            deadlineMs: firstDeadline + i * SPACING_MS,
            pod,
          };
        });
        for (const item of items) {
          server!.create(
            injection({
              name: item.name,
              node: NODE,
              fault: { networkLoss: { percent: 30 } },
              podUid: item.pod.uid,
              containerIDs: [item.pod.containerID],
              deadlineMs: item.deadlineMs,
              tag: item.tag,
            }),
          );
        }
        await Promise.all(items.map((item, i) => monitors[i]!.added(item.table, leadMs - 500)));
        const spare = firstDeadline - Date.now();
        if (spare < 500) throw new Error(`set-up took too long: ${spare} ms left before the first deadline`);
        const late = await lateness(items);
        await waitFor({
          what: 'every Recovered status',
          timeoutMs: 30_000,
          intervalMs: 5,
          condition: () => items.every((item) => recovered.has(item.name)),
        });
        const stored = items.map((item) => recovered.get(item.name)! - item.deadlineMs);
        // The run is over: the controller would delete its injections now.
        for (const item of items) {
          server!.delete({
            apiVersion: 'chaoscraft.io/v1alpha1',
            kind: 'ChaosInjection',
            namespace: NAMESPACE,
            name: item.name,
          });
        }
        return { late, stored };
      };

      const floorRound = async (index: number) => {
        const items = pods.map((pod, i) => ({ table: `ccfloor${index}x${i}`, pod, deadlineMs: 0 }));
        for (const item of items) {
          const file = join(workspace, `${item.table}.nft`);
          await writeFile(file, floorTable(item.table));
          const loaded = await exec({ argv: ['/usr/sbin/nft', '-f', file], netnsPath: item.pod.netns.path });
          if (loaded.code !== 0) throw new Error(`loading ${item.table}: ${loaded.stderr}`);
        }
        await Promise.all(items.map((item, i) => monitors[i]!.added(item.table, 10_000)));
        const firstDeadline = Date.now() + 2000;
        items.forEach((item, i) => {
          item.deadlineMs = firstDeadline + i * SPACING_MS;
        });
        const jobs = items.map((item) => ({
          netnsPath: item.pod.netns.path,
          table: item.table,
          deadlineMs: item.deadlineMs,
        }));
        const [late] = await Promise.all([
          lateness(items),
          promisify(execFile)(process.execPath, [bareDeadlines, JSON.stringify(jobs)], { timeout: 60_000 }),
        ]);
        return late;
      };

      const agentLate: number[] = [];
      const storedLate: number[] = [];
      const floorLate: number[] = [];
      const roundP99: number[] = [];
      for (let index = 0; index < rounds; index++) {
        // Interleaved, floor first, so drift in the machine's load hits both alike.
        const floor = await floorRound(index);
        floorLate.push(...floor);
        const { late, stored } = await agentRound(index);
        agentLate.push(...late);
        storedLate.push(...stored);
        const p99 = percentile(
          [...late].sort((a, b) => a - b),
          99,
        );
        roundP99.push(p99);
        log(
          `round ${index}: agent p99 ${p99} ms (p50 ${percentile(
            [...late].sort((a, b) => a - b),
            50,
          )}); bare timer + nft p99 ${percentile(
            [...floor].sort((a, b) => a - b),
            99,
          )} ms`,
        );
      }
      for (const { netns } of pods) {
        const left = await tablesIn(netns);
        if (left.length > 0) throw new Error(`tables left in ${netns.name}: ${left.join(', ')}`);
      }
      const sort = (xs: number[]) => [...xs].sort((a, b) => a - b);
      const agentSorted = sort(agentLate);
      const floorSorted = sort(floorLate);
      const storedSorted = sort(storedLate);
      const p99 = percentile(agentSorted, 99);
      const floorP99 = percentile(floorSorted, 99);
      const figure = (
        name: string,
        value: number,
        unit: string,
        extra: Partial<Pick<Figure, 'baseline' | 'ratio' | 'goal' | 'met'>> = {},
      ): Figure => ({
        id: 'deadline-recovery',
        figure: name,
        value: round(value, 1),
        unit,
        baseline: null,
        ratio: null,
        goal: null,
        met: null,
        ...extra,
      });
      return [
        figure('headline', p99, `ms p99 deadline -> rule gone (${count} injections x ${rounds} rounds)`, {
          baseline: floorP99,
          ratio: round(p99 / Math.max(1, floorP99), 2),
          goal: `<= ${GOAL_MS} ms`,
          met: p99 <= GOAL_MS,
        }),
        figure('p50 deadline -> rule gone', percentile(agentSorted, 50), 'ms', {
          baseline: percentile(floorSorted, 50),
        }),
        figure('max deadline -> rule gone', agentSorted.at(-1)!, 'ms', { baseline: floorSorted.at(-1)! }),
        figure('worst round p99 deadline -> rule gone', Math.max(...roundP99), 'ms'),
        figure('floor: bare timer + nft p99', floorP99, `ms (${count} tables x ${rounds} rounds)`),
        figure('p50 deadline -> Recovered stored', percentile(storedSorted, 50), 'ms'),
        figure('p99 deadline -> Recovered stored', percentile(storedSorted, 99), 'ms'),
      ];
    } catch (error) {
      if (agentOutput) log(`agent output: ${agentOutput}`);
      throw error;
    } finally {
      stopWatch.abort();
      for (const monitor of monitors) monitor.stop();
      if (agent && agent.exitCode === null) {
        const exited = new Promise((resolve) => agent!.once('exit', resolve));
        agent.kill('SIGTERM');
        await exited;
      }
      await server?.close();
      await fake?.destroy();
      await rm(workspace, { recursive: true, force: true });
    }
  },
};

export default benchmark;
