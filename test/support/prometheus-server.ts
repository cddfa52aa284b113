// The real Prometheus server for tests (Debian package `prometheus`): started on 127.0.0.1 with a free
// port, a temporary TSDB and a config that scrapes the targets a test serves every second. `start` returns
// once every target has been scraped successfully, so queries see real series from the first test on.

import { type ChildProcess, spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { stringify } from 'yaml';

export const PROMETHEUS_BINARY = '/usr/bin/prometheus';
export const PROMETHEUS_JOB = 'chaoscraft-probe-test';

export class PrometheusTestError extends Error {
  readonly code: string;
  readonly data: Record<string, unknown>;
  constructor(options: { code: string; message: string; data?: Record<string, unknown> }) {
    super(options.message);
    this.name = 'PrometheusTestError';
    this.code = options.code;
    this.data = options.data ?? {};
  }
}

/** Why Prometheus tests cannot run here, or undefined when they can. */
export function prometheusUnavailableReason(): string | undefined {
  return existsSync(PROMETHEUS_BINARY)
    ? undefined
    : `${PROMETHEUS_BINARY} is missing (apt-get install prometheus; CI does it in scripts/setup.sh)`;
}

export interface PrometheusServer {
  /** Base URL, e.g. http://127.0.0.1:41234 */
  url: string;
  /** Runs an instant query and returns the parsed JSON answer. */
  query(promql: string): Promise<unknown>;
  /** Polls `promql` (bounded) until its single sample equals `value`; throws when it never does. */
  waitForValue(options: { query: string; value: string; timeoutMs?: number }): Promise<void>;
  stop(): Promise<void>;
}

export interface StartPrometheusOptions {
  /** `host:port` of each metrics endpoint to scrape. */
  targets: string[];
  /** Bound on start-up plus the first successful scrape of every target (default 20 s). */
  readyTimeoutMs?: number;
}

export async function startPrometheus(options: StartPrometheusOptions): Promise<PrometheusServer> {
  const reason = prometheusUnavailableReason();
  if (reason) throw new PrometheusTestError({ code: 'PrometheusMissing', message: reason });
  for (const target of options.targets) {
    if (!/^127\.0\.0\.1:[0-9]{1,5}$/.test(target)) {
      throw new PrometheusTestError({
        code: 'BadTarget',
        message: 'targets must be 127.0.0.1:<port>',
        data: { target },
      });
    }
  }
  const directory = await mkdtemp(join(tmpdir(), 'chaoscraft-prometheus-'));
  const deadline = Date.now() + (options.readyTimeoutMs ?? 20_000);
  // A free port can be taken between probing and binding; a second attempt is almost always enough.
  let lastError: unknown;
  for (let attempt = 0; attempt < 3 && Date.now() < deadline; attempt++) {
    try {
      return await launch({ directory, targets: options.targets, deadline });
    } catch (error) {
      lastError = error;
      if ((error as PrometheusTestError).code !== 'PrometheusExited') break;
    }
  }
  await rm(directory, { recursive: true, force: true });
  throw lastError;
}

async function launch(options: {
  directory: string;
  targets: string[];
  deadline: number;
}): Promise<PrometheusServer> {
  const port = await freePort();
  const url = `http://127.0.0.1:${port}`;
  const configPath = join(options.directory, 'prometheus.yml');
  await writeFile(
    configPath,
    stringify({
      global: { scrape_interval: '1s', scrape_timeout: '1s', evaluation_interval: '1s' },
      scrape_configs: [{ job_name: PROMETHEUS_JOB, static_configs: [{ targets: options.targets }] }],
    }),
  );
  const child = spawn(
    PROMETHEUS_BINARY,
    [
      `--config.file=${configPath}`,
      `--storage.tsdb.path=${join(options.directory, 'data')}`,
      `--web.listen-address=127.0.0.1:${port}`,
      '--log.level=warn',
    ],
    { stdio: ['ignore', 'ignore', 'pipe'] },
  );
  let stderrTail = '';
  child.stderr?.setEncoding('utf8');
  child.stderr?.on('data', (chunk: string) => {
    stderrTail = (stderrTail + chunk).slice(-2000);
  });
  const killOnExit = () => child.kill('SIGKILL');
  process.once('exit', killOnExit);
  const server: PrometheusServer = {
    url,
    query: (promql) => queryPrometheus({ url, promql }),
    waitForValue: (wait) => waitForValue({ url, ...wait }),
    stop: async () => {
      process.removeListener('exit', killOnExit);
      await stopChild(child);
      await rm(options.directory, { recursive: true, force: true });
    },
  };
  try {
    await waitUntilScraped({ url, child, targets: options.targets.length, deadline: options.deadline });
    return server;
  } catch (error) {
    process.removeListener('exit', killOnExit);
    await stopChild(child);
    if (error instanceof PrometheusTestError) error.data.stderr = stderrTail;
    throw error;
  }
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const probe = createServer();
    probe.once('error', reject);
    probe.listen(0, '127.0.0.1', () => {
      const address = probe.address();
      const port = typeof address === 'object' && address ? address.port : 0;
      probe.close(() => resolve(port));
    });
  });
}

async function queryPrometheus(options: { url: string; promql: string }): Promise<unknown> {
  const response = await fetch(
    `${options.url}/api/v1/query?${new URLSearchParams({ query: options.promql })}`,
    {
      signal: AbortSignal.timeout(2_000),
    },
  );
  return response.json();
}

/** The single sample's value of a query answer, if it has exactly one. */
function singleValue(answer: unknown): string | undefined {
  const data = (answer as { data?: { resultType?: string; result?: unknown } } | undefined)?.data;
  if (data?.resultType === 'scalar') return (data.result as [number, string])[1];
  if (data?.resultType !== 'vector' || !Array.isArray(data.result) || data.result.length !== 1)
    return undefined;
  return (data.result[0] as { value: [number, string] }).value[1];
}

async function waitUntilScraped(options: {
  url: string;
  child: ChildProcess;
  targets: number;
  deadline: number;
}): Promise<void> {
  let exited = false;
  options.child.once('exit', () => {
    exited = true;
  });
  // Bounded by the deadline; each poll is bounded by its own 2 s request timeout.
  while (Date.now() < options.deadline) {
    if (exited) {
      throw new PrometheusTestError({
        code: 'PrometheusExited',
        message: 'prometheus exited during start-up',
      });
    }
    try {
      const answer = await queryPrometheus({
        url: options.url,
        promql: `count(up{job="${PROMETHEUS_JOB}"} == 1)`,
      });
      if (singleValue(answer) === String(options.targets)) return;
    } catch {
      // Not listening yet.
    }
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  throw new PrometheusTestError({
    code: 'PrometheusNotReady',
    message: 'prometheus did not scrape every target in time',
    data: { url: options.url },
  });
}

async function waitForValue(options: {
  url: string;
  query: string;
  value: string;
  timeoutMs?: number;
}): Promise<void> {
  const deadline = Date.now() + (options.timeoutMs ?? 10_000);
  let last: string | undefined;
  while (Date.now() < deadline) {
    last = singleValue(
      await queryPrometheus({ url: options.url, promql: options.query }).catch(() => undefined),
    );
    if (last === options.value) return;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  throw new PrometheusTestError({
    code: 'ValueNotSeen',
    message: `${options.query} did not become ${options.value} (last ${String(last)})`,
  });
}

async function stopChild(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  child.kill('SIGTERM');
  const timer = setTimeout(() => child.kill('SIGKILL'), 5_000);
  await exited;
  clearTimeout(timer);
}
