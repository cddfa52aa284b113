import assert from 'node:assert/strict';
import { createServer, type Server } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import { after, before, describe, it } from 'node:test';
import { Gauge, Registry } from 'prom-client';
import type { PrometheusProbe } from '../../../controller/api/types.generated.ts';
import {
  createPrometheusProbeProvider,
  prometheusQueryUrl,
  singleSample,
} from '../../../controller/probes/prometheus-probe.ts';
import {
  PROMETHEUS_JOB,
  type PrometheusServer,
  prometheusUnavailableReason,
  startPrometheus,
} from '../../support/prometheus-server.ts';

const signal = () => new AbortController().signal;

/** A node:http server on 127.0.0.1:0 that destroys its open sockets on close (a hanging one may be open). */
async function listen(
  handler: Parameters<typeof createServer>[1],
): Promise<{ server: Server; base: string; close(): Promise<void> }> {
  const server = createServer(handler);
  const sockets = new Set<Socket>();
  server.on('connection', (socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    server,
    base: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    close: async () => {
      for (const socket of sockets) socket.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

describe('prometheus probe without a server', () => {
  it('builds the query URL under a path prefix, with the probe timeout', () => {
    const url = new URL(
      prometheusQueryUrl({ address: 'http://prom:9090/prom/', query: 'up == 1', timeoutMs: 5000 }),
    );
    assert.equal(url.pathname, '/prom/api/v1/query');
    assert.equal(url.searchParams.get('query'), 'up == 1');
    assert.equal(url.searchParams.get('timeout'), '5000ms');
  });

  it('reads exactly one sample and explains everything else', () => {
    const vector = (result: unknown[]) => ({ status: 'success', data: { resultType: 'vector', result } });
    assert.deepEqual(singleSample(vector([{ metric: {}, value: [1, '2.5'] }])), { value: 2.5, raw: '2.5' });
    assert.deepEqual(
      singleSample({ status: 'success', data: { resultType: 'scalar', result: [1, '+Inf'] } }),
      {
        value: Number.POSITIVE_INFINITY,
        raw: '+Inf',
      },
    );
    const problems = [
      singleSample(vector([])),
      singleSample(vector([{ value: [1, '1'] }, { value: [1, '2'] }])),
      singleSample({ status: 'success', data: { resultType: 'matrix', result: [] } }),
      singleSample(vector([{ value: [1, 'NaN'] }])),
      singleSample({ status: 'error', errorType: 'bad_data', error: 'parse error' }),
      singleSample(null),
    ].map((reading) => ('problem' in reading ? reading.problem : 'no problem'));
    assert.match(problems[0]!, /no series matched/);
    assert.match(problems[1]!, /2 series matched/);
    assert.match(problems[2]!, /result type matrix/);
    assert.match(problems[3]!, /NaN/);
    assert.match(problems[4]!, /rejected it \(bad_data\): parse error/);
    assert.match(problems[5]!, /no object/);
  });

  it('is an Error without an address', async () => {
    const result = await createPrometheusProbeProvider().run({
      probe: { name: 'p', prometheus: { query: 'up', comparison: { op: '==', value: 1 } } },
      signal: signal(),
    });
    assert.equal(result.outcome, 'Error');
    assert.match(result.message, /no Prometheus address/);
  });

  it('uses the default address and an injected fetch', async () => {
    const urls: string[] = [];
    const provider = createPrometheusProbeProvider({
      defaultAddress: 'http://prometheus.monitoring:9090',
      fetch: async (input) => {
        urls.push(input);
        return Response.json({ status: 'success', data: { resultType: 'scalar', result: [1, '0.02'] } });
      },
    });
    const result = await provider.run({
      probe: { name: 'p', prometheus: { query: 'error_ratio', comparison: { op: '<', value: 0.05 } } },
      signal: signal(),
    });
    assert.deepEqual(result, { outcome: 'Passed', message: 'value 0.02 satisfies < 0.05', value: '0.02' });
    assert.match(urls[0]!, /^http:\/\/prometheus\.monitoring:9090\/api\/v1\/query\?query=error_ratio/);
  });

  it('is an Error on connection refused, a timeout and a non-JSON answer', async () => {
    const hanging = await listen((request, response) => {
      if (request.url?.includes('query=html')) response.writeHead(502).end('<html>bad gateway</html>');
    });
    const refused = await listen(() => {});
    const refusedBase = refused.base;
    await refused.close();
    const run = (address: string, query: string, timeout?: string) =>
      createPrometheusProbeProvider().run({
        probe: { name: 'p', timeout, prometheus: { address, query, comparison: { op: '==', value: 1 } } },
        signal: signal(),
      });
    try {
      const results = [
        await run(refusedBase, 'up'),
        await run(hanging.base, 'up', '150ms'),
        await run(hanging.base, 'html'),
      ];
      assert.deepEqual(
        results.map((result) => result.outcome),
        ['Error', 'Error', 'Error'],
      );
      assert.match(results[0]!.message, /ECONNREFUSED/);
      assert.match(results[1]!.message, /timed out after 150ms/);
      assert.match(results[2]!.message, /answered 502 without JSON/);
    } finally {
      await hanging.close();
    }
  });
});

describe('prometheus probe against the real Prometheus', {
  skip: prometheusUnavailableReason() ?? false,
}, () => {
  const registry = new Registry();
  const gauge = new Gauge({
    name: 'probe_test_gauge',
    help: 'A value the test changes.',
    registers: [registry],
  });
  const multi = new Gauge({
    name: 'probe_test_multi',
    help: 'Two series.',
    labelNames: ['series'],
    registers: [registry],
  });
  let metrics: Awaited<ReturnType<typeof listen>>;
  let prometheus: PrometheusServer | undefined;

  before(async () => {
    gauge.set(1);
    multi.set({ series: 'a' }, 1);
    multi.set({ series: 'b' }, 2);
    metrics = await listen(async (_request, response) => {
      response.writeHead(200, { 'content-type': registry.contentType }).end(await registry.metrics());
    });
    prometheus = await startPrometheus({ targets: [metrics.base.replace('http://', '')] });
  });

  after(async () => {
    await prometheus?.stop();
    await metrics?.close();
  });

  const run = (prometheusSpec: Omit<PrometheusProbe, 'address'>) =>
    createPrometheusProbeProvider({ defaultAddress: prometheus!.url }).run({
      probe: { name: 'p', timeout: '3s', prometheus: prometheusSpec },
      signal: signal(),
    });

  it('passes when the scrape target is up', async () => {
    const result = await run({ query: `up{job="${PROMETHEUS_JOB}"}`, comparison: { op: '==', value: 1 } });
    assert.deepEqual(result, { outcome: 'Passed', message: 'value 1 satisfies == 1', value: '1' });
  });

  it('follows a gauge the test changes: Passed, then Failed with value and threshold, then Passed', async () => {
    const spec = { query: 'probe_test_gauge', comparison: { op: '<', value: 3 } } as const;
    await prometheus!.waitForValue({ query: 'probe_test_gauge', value: '1' });
    assert.equal((await run(spec)).outcome, 'Passed');
    gauge.set(5);
    await prometheus!.waitForValue({ query: 'probe_test_gauge', value: '5' });
    const failed = await run(spec);
    assert.deepEqual(failed, { outcome: 'Failed', message: 'value 5 violates < 3', value: '5' });
    gauge.set(2);
    await prometheus!.waitForValue({ query: 'probe_test_gauge', value: '2' });
    assert.equal((await run(spec)).outcome, 'Passed');
  });

  it('accepts a scalar result', async () => {
    const result = await run({ query: 'scalar(sum(probe_test_multi))', comparison: { op: '>=', value: 3 } });
    assert.equal(result.outcome, 'Passed');
    assert.equal(result.value, '3');
  });

  it('is an Error for an empty result', async () => {
    const result = await run({ query: 'probe_test_gauge{absent="yes"}', comparison: { op: '<', value: 3 } });
    assert.equal(result.outcome, 'Error');
    assert.match(result.message, /no series matched/);
  });

  it('is an Error when several series match', async () => {
    const result = await run({ query: 'probe_test_multi', comparison: { op: '<', value: 3 } });
    assert.equal(result.outcome, 'Error');
    assert.match(result.message, /2 series matched; aggregate/);
  });

  it('is an Error for bad PromQL, with the parser message', async () => {
    const result = await run({ query: 'sum(rate(', comparison: { op: '<', value: 3 } });
    assert.equal(result.outcome, 'Error');
    assert.match(result.message, /rejected it \(bad_data\): .*parse error/);
  });

  it('is an Error for a range vector and for NaN', async () => {
    const range = await run({ query: 'probe_test_gauge[1m]', comparison: { op: '<', value: 3 } });
    assert.match(range.message, /result type matrix is not supported/);
    // scalar() of more than one series is NaN by definition.
    const nan = await run({ query: 'scalar(probe_test_multi)', comparison: { op: '!=', value: 3 } });
    assert.equal(nan.outcome, 'Error');
    assert.match(nan.message, /the value is NaN, which cannot be compared/);
  });
});
