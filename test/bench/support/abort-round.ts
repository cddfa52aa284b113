// Pieces of the abort-latency benchmark that need no product code: the probe's source the benchmark
// switches, plain watches that time what the API server stores, and CPU read from /proc.
import { readdirSync, readFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { KubeApiServer } from '../../support/kube-api-server/index.ts';
import { bareClient } from './bare-client.ts';

/** USER_HZ: 100 on every Linux this runs on (`getconf CLK_TCK`). */
const CLOCK_TICKS = 100;
export const injectionsPath = '/apis/chaoscraft.io/v1alpha1/namespaces/bench/chaosinjections';
export const experimentsPath = '/apis/chaoscraft.io/v1alpha1/namespaces/bench/chaosexperiments';

/** The probe's source: 200 until `fail()`, 500 after it, 200 again after `heal()`. */
export async function startProbeSource() {
  const answers: { arrivedAt: number; answeredAt: number; status: number }[] = [];
  const waiters = new Set<(arrivedAt: number) => void>();
  let status = 200;
  const server: Server = createServer((request, response) => {
    const arrivedAt = Date.now();
    const answer = status;
    request.resume();
    response.writeHead(answer, { 'Content-Type': 'text/plain' });
    response.end(answer === 200 ? 'ok\n' : 'bad\n', () => {
      answers.push({ arrivedAt, answeredAt: Date.now(), status: answer });
      if (answers.length > 2000) answers.splice(0, 1000);
    });
    for (const waiter of waiters) waiter(arrivedAt);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}/healthz`,
    /** Answers 500 from now on; the wall-clock ms of the switch. */
    fail(): number {
      status = 500;
      return Date.now();
    },
    heal(): void {
      status = 200;
    },
    /** Wall-clock ms at which the next request arrives. */
    nextRequest(timeoutMs: number): Promise<number> {
      return new Promise((resolve, reject) => {
        const timer = setTimeout(() => {
          waiters.delete(waiter);
          reject(new Error(`no probe request within ${timeoutMs} ms`));
        }, timeoutMs);
        const waiter = (at: number) => {
          clearTimeout(timer);
          waiters.delete(waiter);
          resolve(at);
        };
        waiters.add(waiter);
      });
    },
    /** When the first 500 sent after `since` was written out, if one was. */
    firstFailureAnswered(since: number): number | undefined {
      return answers.find((a) => a.status !== 200 && a.arrivedAt >= since)?.answeredAt;
    },
    close(): Promise<void> {
      server.closeAllConnections();
      return new Promise((resolve) => server.close(() => resolve()));
    },
  };
}

/** What plain HTTP watches see of one round's experiment and its injections (wall-clock ms). */
export interface Marks {
  probeFailedAt?: number;
  recoveringAt?: number;
  deleting: Map<string, number>;
  /** The agent's Recovered True stored, per injection. */
  recovered: Map<string, number>;
  /** The object gone (the agent released its finalizer), per injection. */
  removed: Map<string, number>;
}

export function watchRound(server: KubeApiServer, experiment: string, signal: AbortSignal): Marks {
  const marks: Marks = { deleting: new Map(), recovered: new Map(), removed: new Map() };
  const client = bareClient(server);
  client.watch(
    experimentsPath,
    (event) => {
      const at = Date.now();
      const object = event.object as {
        metadata: { name: string };
        status?: {
          probes?: { phase: string; outcome: string }[];
          conditions?: { type: string; reason: string }[];
        };
      };
      if (object.metadata.name !== experiment) return;
      if (
        !marks.probeFailedAt &&
        object.status?.probes?.some((p) => p.phase === 'during' && p.outcome !== 'Passed')
      )
        marks.probeFailedAt = at;
      if (
        !marks.recoveringAt &&
        object.status?.conditions?.some((c) => c.type === 'Succeeded' && c.reason === 'Recovering')
      )
        marks.recoveringAt = at;
    },
    signal,
  );
  client.watch(
    injectionsPath,
    (event) => {
      const at = Date.now();
      const object = event.object as {
        metadata: { name: string; deletionTimestamp?: string };
        spec?: { experiment?: { name?: string } };
        status?: { conditions?: { type: string; status: string }[] };
      };
      if (object.spec?.experiment?.name !== experiment) return;
      const { name } = object.metadata;
      if (object.metadata.deletionTimestamp && !marks.deleting.has(name)) marks.deleting.set(name, at);
      const recovered = object.status?.conditions?.some((c) => c.type === 'Recovered' && c.status === 'True');
      if (recovered && !marks.recovered.has(name)) marks.recovered.set(name, at);
      if (event.type === 'DELETED' && !marks.removed.has(name)) marks.removed.set(name, at);
    },
    signal,
  );
  return marks;
}

/**
 * CPU time (ms) from /proc/<pid>/stat: of the process and its reaped children, or of its reaped
 * children alone.
 */
export function cpuMsOf(pid: number, which: 'all' | 'children' = 'all'): number {
  // The fields after the command name (which may hold spaces): utime is the 14th, cutime the 16th.
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  const indices = which === 'all' ? [11, 12, 13, 14] : [13, 14];
  const ticks = indices.reduce((sum, i) => sum + Number(fields[i]), 0);
  return (ticks * 1000) / CLOCK_TICKS;
}

/**
 * CPU time (ms) of a process, its reaped children and its live children with theirs: for the agent,
 * its spawn helper and every nsenter and nft the helper ran (a live child's CPU reaches its parent's
 * count only when it exits). A child that starts or ends between two readings moves its share from
 * one term to another; over a round's window that is noise of a few ms.
 */
export function cpuMsOfTree(pid: number): number {
  let total = cpuMsOf(pid);
  for (const child of liveChildren(pid)) {
    try {
      total += cpuMsOf(child);
    } catch {
      // Gone since it was listed: its time is in the parent's reaped count now.
    }
  }
  return total;
}

function liveChildren(pid: number): number[] {
  const children: number[] = [];
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const stat = readFileSync(`/proc/${entry}/stat`, 'utf8');
      const ppid = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
      if (ppid === pid) children.push(Number(entry));
    } catch {
      // Exited while the list was read.
    }
  }
  return children;
}
