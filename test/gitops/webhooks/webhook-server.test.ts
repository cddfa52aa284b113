// The webhook receiver: GitHub's signature test vector, signatures checked before parsing, body limit,
// duplicate deliveries, and the meaning of real example payloads from @octokit/webhooks-examples.
import assert from 'node:assert/strict';
import { request as httpRequest } from 'node:http';
import { connect } from 'node:net';
import { after, before, beforeEach, test } from 'node:test';
import { sign } from '@octokit/webhooks-methods';
import { SecretValue } from '../../../gitops/github/secret.ts';
import { DeliveryCache } from '../../../gitops/webhooks/delivery-cache.ts';
import type { GitOpsEvent } from '../../../gitops/webhooks/events.ts';
import { interpretWebhook } from '../../../gitops/webhooks/events.ts';
import { verifyWebhookSignature } from '../../../gitops/webhooks/signature.ts';
import { startWebhookServer, type WebhookServer } from '../../../gitops/webhooks/webhook-server.ts';
import { logSink } from '../github/fixtures.ts';
import { examplePayload, sendWebhook } from './webhook-client.ts';

const secret = 'webhook-secret-for-tests-0123456789';
let server: WebhookServer;
let events: GitOpsEvent[] = [];
const sink = logSink();

before(async () => {
  server = await startWebhookServer({
    secret: new SecretValue(secret),
    maxBodyBytes: 1024 * 1024,
    deliveryCacheSize: 100,
    logger: sink.logger,
    onEvent: (event) => {
      events.push(event);
    },
  });
});

after(async () => {
  await server.close();
  assert.ok(!sink.text().includes(secret), 'the webhook secret never reaches the log');
});

beforeEach(() => {
  events = [];
});

test("GitHub's documented test vector verifies; anything else does not", async () => {
  const vector = new SecretValue("It's a Secret to Everybody");
  const signature = 'sha256=757107ea0eb2509fc211221cce984b8a37570b6d7586c22c46f4379c8b043e17';
  assert.equal(await verifyWebhookSignature({ secret: vector, body: 'Hello, World!', signature }), true);
  assert.equal(await verifyWebhookSignature({ secret: vector, body: 'Hello, World?', signature }), false);
  const other = new SecretValue('another secret');
  assert.equal(await verifyWebhookSignature({ secret: other, body: 'Hello, World!', signature }), false);
  for (const bad of [undefined, '', 'sha1=abc', signature.toUpperCase(), `${signature}0`]) {
    assert.equal(
      await verifyWebhookSignature({ secret: vector, body: 'Hello, World!', signature: bad }),
      false,
    );
  }
  assert.equal(await verifyWebhookSignature({ secret: vector, body: '', signature }), false);
});

test('pull_request opened (example payload) → a plan event for that PR', async () => {
  const payload = examplePayload('pull_request', 'opened');
  const answer = await sendWebhook({ url: server.url, secret, event: 'pull_request', payload });
  assert.equal(answer.status, 202);
  await server.idle();
  assert.equal(events.length, 1);
  const event = events[0]!;
  assert.equal(event.kind, 'plan');
  assert.deepEqual(event.kind === 'plan' && event.pullRequest, {
    owner: 'Codertocat',
    repo: 'Hello-World',
    pullNumber: 2,
    headSha: 'ec26c3e57ca3a959ca5aad62de7213c562f8c821',
    headRef: 'changes',
    baseSha: (payload.pull_request as { base: { sha: string } }).base.sha,
    baseRef: 'master',
    fromFork: false,
    cloneUrl: 'https://github.com/Codertocat/Hello-World.git',
  });
});

test('synchronize and reopened plan; closed and labeled do not; push to a branch refreshes, tags do not', () => {
  const kinds = (event: string, action?: string) =>
    interpretWebhook({ event, payload: examplePayload(event, action) }).kind;
  assert.equal(kinds('pull_request', 'synchronize'), 'plan');
  assert.equal(kinds('pull_request', 'reopened'), 'plan');
  assert.equal(kinds('pull_request', 'closed'), 'ignore');
  assert.equal(kinds('pull_request', 'labeled'), 'ignore');
  assert.equal(kinds('ping'), 'ping');
  const pushes = examplePayload('push');
  assert.equal(interpretWebhook({ event: 'push', payload: pushes }).kind, 'ignore', 'tag push');
  const branchPush = { ...pushes, ref: 'refs/heads/main', deleted: false };
  assert.deepEqual(interpretWebhook({ event: 'push', payload: branchPush }), {
    kind: 'refresh',
    owner: 'Codertocat',
    repo: 'Hello-World',
    branch: 'main',
    headSha: pushes.after,
  });
  assert.equal(interpretWebhook({ event: 'issues', payload: {} }).kind, 'ignore');
  assert.equal(interpretWebhook({ event: 'pull_request', payload: { action: 'opened' } }).kind, 'ignore');
  assert.equal(interpretWebhook({ event: 'pull_request', payload: [] }).kind, 'ignore');
});

test('a PR from a fork is marked fromFork (also when the fork was deleted)', () => {
  const payload = examplePayload('pull_request', 'opened') as { pull_request: { head: { repo: unknown } } };
  const headRepo = payload.pull_request.head.repo as Record<string, unknown>;
  payload.pull_request.head.repo = { ...headRepo, full_name: 'mallory/Hello-World' };
  const fork = interpretWebhook({ event: 'pull_request', payload });
  assert.equal(fork.kind === 'plan' && fork.pullRequest.fromFork, true);
  assert.equal(
    fork.kind === 'plan' && fork.pullRequest.owner,
    'Codertocat',
    'the plan goes on the base repository',
  );
  payload.pull_request.head.repo = null;
  const deleted = interpretWebhook({ event: 'pull_request', payload });
  assert.equal(deleted.kind === 'plan' && deleted.pullRequest.fromFork, true);
});

test('a missing or wrong signature is refused before the body is parsed', async () => {
  const notJson = '{ this is not json';
  assert.equal(
    (await sendWebhook({ url: server.url, secret: undefined, event: 'pull_request', body: notJson })).status,
    401,
  );
  const wrong = await sendWebhook({
    url: server.url,
    secret: 'not-the-secret',
    event: 'pull_request',
    body: notJson,
  });
  assert.equal(wrong.status, 401, 'a parse error (400) would prove the body was parsed first');
  const signed = await sendWebhook({ url: server.url, secret, event: 'pull_request', body: notJson });
  assert.equal(signed.status, 400);
  // A genuine signature of one body does not cover another.
  const payload = examplePayload('pull_request', 'opened');
  const signature = await sign(secret, JSON.stringify(payload));
  (payload as { number: number }).number = 99;
  const tampered = await sendWebhook({
    url: server.url,
    secret: undefined,
    event: 'pull_request',
    payload,
    signature,
  });
  assert.equal(tampered.status, 401);
  await server.idle();
  assert.equal(events.length, 0);
});

test('bodies over the limit get 413, whether declared or streamed', async () => {
  const small = await startWebhookServer({
    secret: new SecretValue(secret),
    maxBodyBytes: 1000,
    onEvent: () => {},
  });
  try {
    const big = JSON.stringify({ padding: 'x'.repeat(5000) });
    assert.equal((await sendWebhook({ url: small.url, secret, event: 'push', body: big })).status, 413);
    // Chunked, without a content-length: the limit applies while reading.
    const status = await new Promise<number>((resolve, reject) => {
      const request = httpRequest(
        small.url,
        { method: 'POST', headers: { 'transfer-encoding': 'chunked' } },
        (response) => {
          response.resume();
          resolve(response.statusCode ?? 0);
        },
      );
      request.on('error', reject);
      for (let index = 0; index < 10; index += 1) request.write('y'.repeat(500));
      request.end();
    });
    assert.equal(status, 413);
    assert.equal(small.stats.tooLarge, 2);
  } finally {
    await small.close();
  }
});

test('a redelivered webhook (same X-GitHub-Delivery) is acknowledged once and handled once', async () => {
  const payload = examplePayload('pull_request', 'synchronize');
  const first = await sendWebhook({
    url: server.url,
    secret,
    event: 'pull_request',
    payload,
    deliveryId: 'd-1',
  });
  const second = await sendWebhook({
    url: server.url,
    secret,
    event: 'pull_request',
    payload,
    deliveryId: 'd-1',
  });
  assert.equal(first.status, 202);
  assert.equal(second.status, 200);
  assert.match(second.message, /duplicate/);
  await server.idle();
  assert.equal(events.length, 1);
});

test('other methods and paths; health', async () => {
  assert.equal((await fetch(server.url)).status, 405);
  assert.equal((await fetch(server.url.replace('/webhook', '/other'), { method: 'POST' })).status, 404);
  assert.equal((await fetch(server.url.replace('/webhook', '/healthz'))).status, 200);
});

test('the delivery cache is bounded and forgets the least recently seen id first', () => {
  const cache = new DeliveryCache({ capacity: 3 });
  for (const id of ['a', 'b', 'c']) assert.equal(cache.checkAndRecord(id), false);
  assert.equal(cache.checkAndRecord('a'), true, 'a is now the most recent');
  assert.equal(cache.checkAndRecord('d'), false);
  assert.equal(cache.size, 3);
  assert.equal(cache.checkAndRecord('b'), false, 'b was evicted');
  assert.equal(cache.checkAndRecord('a'), true);
});

test('a sender that disconnects mid-body is counted, not logged as an error; the receiver carries on', async () => {
  const before = server.stats.clientAborts;
  const { port } = new URL(server.url);
  for (const sent of ['{"zen": "half a bo', '']) {
    const socket = connect(Number(port), '127.0.0.1');
    await new Promise((resolve) => socket.once('connect', resolve));
    const head = [
      'POST /webhook HTTP/1.1',
      'Host: 127.0.0.1',
      'Content-Type: application/json',
      'X-GitHub-Event: ping',
      'Content-Length: 4096',
      '',
      '',
    ].join('\r\n');
    socket.write(head + sent);
    await new Promise((resolve) => setTimeout(resolve, 50));
    socket.destroy();
  }
  for (let attempt = 0; attempt < 100 && server.stats.clientAborts < before + 2; attempt += 1) {
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
  assert.equal(server.stats.clientAborts, before + 2);
  const errors = sink.lines.filter((line) => (JSON.parse(line) as { level: number }).level >= 50);
  assert.deepEqual(errors, []);
  assert.match(sink.text(), /webhook sender disconnected before the body was complete/);
  const answer = await sendWebhook({
    url: server.url,
    secret,
    event: 'ping',
    payload: { zen: 'still here' },
  });
  assert.equal(answer.status, 200);
});
