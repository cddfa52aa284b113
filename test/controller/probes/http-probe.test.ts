import assert from 'node:assert/strict';
import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, before, describe, it } from 'node:test';
import type { Probe } from '../../../controller/api/types.generated.ts';
import { createHttpProbeProvider } from '../../../controller/probes/http-probe.ts';

const SECRET = 'Bearer s3cr3t-token-value';

interface Seen {
  method: string;
  authorization: string | undefined;
  body: string;
}

describe('http probe against a local server', () => {
  let server: Server;
  let base: string;
  const seen: Seen[] = [];
  const sockets = new Set<import('node:net').Socket>();

  before(async () => {
    server = createServer(async (request: IncomingMessage, response) => {
      let body = '';
      for await (const chunk of request) body += chunk;
      seen.push({ method: request.method ?? '', authorization: request.headers.authorization, body });
      const path = request.url ?? '/';
      if (path === '/healthy') {
        response.writeHead(200, { 'content-type': 'text/plain' }).end('status: ok\n');
      } else if (path === '/unavailable') {
        response.writeHead(503).end('down');
      } else if (path === '/created') {
        response.writeHead(201).end('made');
      } else if (path === '/echo') {
        response.writeHead(200).end(`got ${body}`);
      } else if (path === '/hang') {
        // Never answers: the probe's timeout must end the request.
      } else if (path === '/redirect') {
        response.writeHead(302, { location: '/healthy' }).end();
      } else {
        response.writeHead(404).end();
      }
    });
    server.on('connection', (socket) => {
      sockets.add(socket);
      socket.on('close', () => sockets.delete(socket));
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });

  after(async () => {
    for (const socket of sockets) socket.destroy();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  });

  const provider = createHttpProbeProvider();
  const run = (http: Probe['http'], extra: Partial<Probe> = {}) =>
    provider.run({ probe: { name: 'web', http, ...extra }, signal: new AbortController().signal });

  it('passes on the default expected status 200', async () => {
    const result = await run({ url: `${base}/healthy` });
    assert.equal(result.outcome, 'Passed');
    assert.equal(result.value, '200');
    assert.match(result.message, /GET http:\/\/127\.0\.0\.1:\d+\/healthy answered 200/);
  });

  it('fails on an unexpected status and says what was expected', async () => {
    const result = await run({ url: `${base}/unavailable` });
    assert.equal(result.outcome, 'Failed');
    assert.equal(result.value, '503');
    assert.match(result.message, /answered 503, expected 200/);
  });

  it('accepts any status listed in expectStatus', async () => {
    assert.equal((await run({ url: `${base}/created`, expectStatus: [200, 201] })).outcome, 'Passed');
    assert.equal((await run({ url: `${base}/unavailable`, expectStatus: [503] })).outcome, 'Passed');
  });

  it('checks bodyContains', async () => {
    assert.equal((await run({ url: `${base}/healthy`, bodyContains: 'status: ok' })).outcome, 'Passed');
    const missing = await run({ url: `${base}/healthy`, bodyContains: 'status: degraded' });
    assert.equal(missing.outcome, 'Failed');
    assert.match(missing.message, /does not contain "status: degraded"/);
  });

  it('sends method and body', async () => {
    const result = await run({ url: `${base}/echo`, method: 'POST', body: 'ping', bodyContains: 'got ping' });
    assert.equal(result.outcome, 'Passed');
    assert.equal(seen.at(-1)?.method, 'POST');
    assert.equal(seen.at(-1)?.body, 'ping');
  });

  it('follows redirects and judges the final status', async () => {
    assert.equal((await run({ url: `${base}/redirect` })).outcome, 'Passed');
  });

  it('is an Error when the request outlives the timeout', async () => {
    const started = Date.now();
    const result = await run({ url: `${base}/hang` }, { timeout: '200ms' });
    assert.equal(result.outcome, 'Error');
    assert.match(result.message, /timed out after 200ms/);
    assert.ok(Date.now() - started < 3_000, 'the timeout ended the request promptly');
  });

  it('is an Error when the connection is refused', async () => {
    const closed = createServer();
    await new Promise<void>((resolve) => closed.listen(0, '127.0.0.1', resolve));
    const port = (closed.address() as AddressInfo).port;
    await new Promise<void>((resolve) => closed.close(() => resolve()));
    const result = await run({ url: `http://127.0.0.1:${port}/` });
    assert.equal(result.outcome, 'Error');
    assert.match(result.message, /ECONNREFUSED/);
  });

  it('is an Error when the caller aborts', async () => {
    const controller = new AbortController();
    const pending = provider.run({
      probe: { name: 'web', http: { url: `${base}/hang` } },
      signal: controller.signal,
    });
    setTimeout(() => controller.abort(), 50);
    const result = await pending;
    assert.equal(result.outcome, 'Error');
    assert.match(result.message, /aborted/);
  });

  it('sends the Authorization header but never repeats it in a message', async () => {
    const headers = { Authorization: SECRET };
    const outcomes = [
      await run({ url: `${base}/healthy`, headers }),
      await run({ url: `${base}/unavailable`, headers }),
      await run({ url: `${base}/hang`, headers }, { timeout: '100ms' }),
      // A header value fetch rejects: undici's own error message quotes the value.
      await run({ url: `${base}/healthy`, headers: { Authorization: `${SECRET}\nx` } }),
    ];
    assert.equal(seen.find((request) => request.authorization === SECRET)?.authorization, SECRET);
    assert.deepEqual(
      outcomes.map((outcome) => outcome.outcome),
      ['Passed', 'Failed', 'Error', 'Error'],
    );
    for (const outcome of outcomes) {
      assert.ok(!outcome.message.includes('s3cr3t'), `message leaks the token: ${outcome.message}`);
      assert.ok(!(outcome.value ?? '').includes('s3cr3t'));
    }
  });

  it('keeps query strings and userinfo out of messages', async () => {
    const result = await run({ url: `${base}/unavailable?token=abc123` });
    assert.equal(result.outcome, 'Failed');
    assert.ok(!result.message.includes('abc123'));
    assert.match(result.message, /\/unavailable\?…/);
  });

  it('uses an injected fetch', async () => {
    const calls: string[] = [];
    const fake = createHttpProbeProvider({
      fetch: async (input) => {
        calls.push(input);
        return new Response(null, { status: 204 });
      },
    });
    const result = await fake.run({
      probe: { name: 'web', http: { url: 'http://example.invalid/x', expectStatus: [204] } },
      signal: new AbortController().signal,
    });
    assert.equal(result.outcome, 'Passed');
    assert.deepEqual(calls, ['http://example.invalid/x']);
  });
});
