// Shared pieces of the restart-safety tests (kill -9 at every failpoint, then a restart):
// the failpoints the code declares, controller processes that die at one of them, a recording of
// the failpoints a clean run passes, and bounded waits that fail instead of hanging.
import { type ChildProcess, spawn } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import type { TestContext } from 'node:test';
import type { Failpoint } from '../../../controller/runtime/failpoints.ts';
import type { KubeApiServer } from '../../support/kube-api-server/index.ts';
import { waitFor } from '../../support/wait.ts';

export const root = join(import.meta.dirname, '../../..');
const compileCache = join(tmpdir(), 'chaoscraft-test-compile-cache');

/**
 * Every failpoint name the product code passes, found by reading controller/**\/*.ts for
 * `failpoint('name')` (also `failpoint?.('name')`), with the files that declare it. A failpoint
 * added tomorrow is in this list tomorrow, and the restart tests that own its prefix must reach it.
 */
export function failpointsInCode(directory = join(root, 'controller')): Map<string, string[]> {
  const found = new Map<string, string[]>();
  const walk = (dir: string) => {
    for (const entry of readdirSync(dir, { withFileTypes: true })) {
      const path = join(dir, entry.name);
      if (entry.isDirectory()) walk(path);
      else if (entry.name.endsWith('.ts')) {
        for (const match of readFileSync(path, 'utf8').matchAll(/\bfailpoint\??\.?\(\s*'([^']+)'/g)) {
          const files = found.get(match[1]!) ?? [];
          files.push(relative(root, path));
          found.set(match[1]!, files);
        }
      }
    }
  };
  walk(directory);
  return found;
}

/** One crash point: the `n`-th time a process passes failpoint `name` (CHAOSCRAFT_FAILPOINTS syntax). */
export interface Hit {
  name: string;
  n: number;
}

export const specOf = (hit: Hit) => `${hit.name}=${hit.n}`;

/**
 * A failpoint that records the points a clean run passes, in order, instead of dying there, with
 * what the API server held at each (`stateOf`, read synchronously from the in-process server).
 */
export function recorder(stateOf: () => unknown = () => undefined): {
  failpoint: Failpoint;
  hits: () => (Hit & { state: string })[];
} {
  const passed: { name: string; state: string }[] = [];
  return {
    failpoint: (name) => {
      passed.push({ name, state: JSON.stringify(stateOf()) });
    },
    hits: () => {
      const seen = new Map<string, number>();
      return passed.map(({ name, state }) => {
        const n = (seen.get(name) ?? 0) + 1;
        seen.set(name, n);
        return { name, n, state };
      });
    },
  };
}

/**
 * The crash points worth a scenario: the first time each failpoint is passed with the API server
 * in a given state. Passing the same point again in the same state (a step repeated while an agent
 * has not answered yet) leaves a restarted controller exactly the same situation.
 */
export function distinctHits(hits: readonly (Hit & { state: string })[]): Hit[] {
  const seen = new Set<string>();
  const kept: Hit[] = [];
  for (const { name, n, state } of hits) {
    const key = `${name} ${state}`;
    if (seen.has(key)) continue;
    seen.add(key);
    kept.push({ name, n });
  }
  return kept;
}

export interface Process {
  child: ChildProcess;
  /** Settles once the process has exited. */
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  output(): string;
}

/**
 * `chaoscraft <role>` as its own process. Node is started with the V8 flags bin/chaoscraft.js wants, so
 * it does not re-exec itself: the process a failpoint kills is the process the test started.
 */
export function startProcess(options: { args: string[]; failpoints?: string }): Process {
  const child = spawn(
    process.execPath,
    ['--max-semi-space-size=1', '--max-old-space-size=256', join(root, 'bin/chaoscraft.js'), ...options.args],
    {
      // Compiled modules are cached across the processes of a test run: each starts in half the CPU time.
      env: {
        NODE_COMPILE_CACHE: compileCache,
        ...process.env,
        CHAOSCRAFT_FAILPOINTS: options.failpoints ?? '',
      },
      stdio: ['ignore', 'pipe', 'pipe'],
    },
  );
  let output = '';
  const keep = (chunk: unknown) => {
    // The tail is enough to explain a failure; a long run must not grow without bound.
    output = (output + String(chunk)).slice(-20_000);
  };
  child.stdout?.on('data', keep);
  child.stderr?.on('data', keep);
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) =>
    child.once('exit', (code, signal) => resolve({ code, signal })),
  );
  return { child, exited, output: () => output };
}

/** The controller, reconciling only `namespace`, dying at `failpoints`. */
export function startControllerProcess(options: {
  kubeconfig: string;
  namespace: string;
  failpoints: string;
}): Process {
  return startProcess({
    args: [
      'controller',
      '--kubeconfig',
      options.kubeconfig,
      '--leader-elect',
      'false',
      '--health-address',
      'off',
      '--watch-namespaces',
      options.namespace,
      '--log-level',
      'debug',
    ],
    failpoints: options.failpoints,
  });
}

/**
 * Waits for a process to kill itself at its failpoint. When the run reaches its end (`ended`) with
 * the process alive, the process is asked to stop (SIGTERM): a graceful stop finishes the reconcile
 * in flight, so a failpoint right after the last write still fires (the process dies by SIGKILL),
 * and a clean exit says the failpoint was not passed this time. Passing a point the n-th time
 * depends on timing when n > 1 (how many steps were repeated while an agent had not answered), and
 * on the schedule's deletion path even the first time, so callers say what a 'not-reached' may
 * mean: most fail on it for n = 1. Bounded: a process that
 * neither dies nor ends its run fails the wait after `timeoutMs`, and is killed.
 */
export async function crashAt(
  proc: Process,
  hit: Hit,
  ended: () => boolean,
  timeoutMs = 90_000,
): Promise<'crashed' | 'not-reached'> {
  let exit: Awaited<Process['exited']> | undefined;
  void proc.exited.then((value) => {
    exit = value;
  });
  try {
    await waitFor({
      condition: () => exit !== undefined || ended(),
      timeoutMs,
      intervalMs: 20,
      what: `the process to die at ${specOf(hit)}; its output ends: ${proc.output().slice(-3000)}`,
    });
    if (!exit) {
      proc.child.kill('SIGTERM');
      await waitFor({
        condition: () => exit,
        timeoutMs: 30_000,
        intervalMs: 20,
        what: `the process to stop after SIGTERM (${specOf(hit)} was not passed before the run ended)`,
      });
    }
  } finally {
    if (!exit) proc.child.kill('SIGKILL');
  }
  if (exit!.signal === 'SIGKILL') return 'crashed';
  if (exit!.code === 0) return 'not-reached';
  throw new Error(
    `the process ended with ${JSON.stringify(exit)} instead of dying at ${specOf(hit)}: ${proc.output().slice(-3000)}`,
  );
}

/** Runs `scenarios` as subtests of `t`, at most `limit` at a time, and waits for all of them. */
export async function runAll<T>(
  t: TestContext,
  scenarios: readonly T[],
  title: (scenario: T) => string,
  body: (scenario: T, index: number) => Promise<void>,
  limit: number,
): Promise<void> {
  let next = 0;
  const lane = async () => {
    while (next < scenarios.length) {
      const index = next++;
      const scenario = scenarios[index]!;
      await t.test(title(scenario), () => body(scenario, index));
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, scenarios.length) }, lane));
}

type Json = Record<string, unknown> & {
  metadata: { name: string; uid: string; finalizers?: string[]; deletionTimestamp?: string };
  status?: Record<string, unknown>;
};

export const experimentAddress = (namespace: string, name: string) => ({
  apiVersion: 'chaoscraft.io/v1alpha1',
  kind: 'ChaosExperiment',
  namespace,
  name,
});

export function getExperiment(server: KubeApiServer, namespace: string, name: string): Json | undefined {
  return server.get(experimentAddress(namespace, name)) as Json | undefined;
}

export function succeeded(object: Json | undefined): Record<string, string> | undefined {
  const conditions = (object?.status?.conditions ?? []) as Record<string, string>[];
  return conditions.find((c) => c.type === 'Succeeded');
}

export const isFinished = (object: Json | undefined) => {
  const condition = succeeded(object);
  return condition !== undefined && condition.status !== 'Unknown';
};

export function waitForExperiment(
  server: KubeApiServer,
  namespace: string,
  name: string,
  check: (object: Json | undefined) => boolean,
  what: string,
  timeoutMs = 60_000,
): Promise<Json | undefined> {
  return waitFor({
    condition: () => {
      const object = getExperiment(server, namespace, name);
      return check(object) ? { object } : undefined;
    },
    timeoutMs,
    intervalMs: 20,
    what: `${namespace}/${name} ${what}; last seen ${JSON.stringify(getExperiment(server, namespace, name)?.status)}`,
  }).then((found) => found.object);
}

export type TargetRecord = { name: string; uid?: string; state: string; node?: string; injection?: string };

export const targetsOf = (object: Json | undefined) => (object?.status?.targets ?? []) as TargetRecord[];
