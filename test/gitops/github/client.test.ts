// The GitHub client: token and GitHub App auth, rate limits through the real throttling and retry
// plugins, our pacing of writes, and credentials that never reach logs or error messages.
import assert from 'node:assert/strict';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, afterEach, before, beforeEach, test } from 'node:test';
import { inspect } from 'node:util';
import { loadGitHubAuth } from '../../../gitops/github/auth.ts';
import { createGitHubClient } from '../../../gitops/github/client.ts';
import { ContentPacer } from '../../../gitops/github/content-pacer.ts';
import { GitHubIntegrationError } from '../../../gitops/github/errors.ts';
import { redactSecrets } from '../../../gitops/github/redact.ts';
import { SecretValue } from '../../../gitops/github/secret.ts';
import {
  appId,
  installationId,
  logSink,
  owner,
  repo,
  type SeededGitHub,
  startSeededGitHub,
  userToken,
} from './fixtures.ts';

let github: SeededGitHub;
let folder: string;

before(async () => {
  github = await startSeededGitHub();
  folder = await mkdtemp(join(tmpdir(), 'chaoscraft-auth-'));
});

after(async () => {
  await github.server.close();
  await rm(folder, { recursive: true, force: true });
});

beforeEach(() => {
  github.server.requests.length = 0;
  github.clock.offsetMs = 0;
});

afterEach(() => {
  assert.deepEqual(github.server.contractViolations, []);
});

function tokenClient(options: { logger?: ReturnType<typeof logSink>['logger']; maxRetries?: number } = {}) {
  return createGitHubClient({
    auth: { kind: 'token', token: new SecretValue(userToken) },
    baseUrl: github.server.url,
    logger: options.logger,
    pacer: new ContentPacer({ minSpacingMs: 0 }),
    retryAfterBaseMs: 1,
    maxRateLimitRetries: options.maxRetries,
  });
}

test('a token file is read, trimmed and wrapped; the value never prints', async () => {
  const path = join(folder, 'token');
  await writeFile(path, `${userToken}\n`);
  const auth = await loadGitHubAuth({ tokenFile: path });
  assert.equal(auth.kind, 'token');
  assert.equal(auth.kind === 'token' && auth.token.reveal(), userToken);
  for (const printed of [JSON.stringify(auth), String(auth.kind === 'token' && auth.token), inspect(auth)]) {
    assert.ok(!printed.includes(userToken), printed);
  }
});

test('auth configuration mistakes have stable codes and never show file contents', async () => {
  const empty = join(folder, 'empty');
  await writeFile(empty, '\n');
  const notPem = join(folder, 'not-pem');
  await writeFile(notPem, 'ghp_notAKeyButATokenValue123');
  const cases: Array<[Parameters<typeof loadGitHubAuth>[0], string]> = [
    [{}, 'AuthConfig'],
    [{ tokenFile: empty }, 'AuthConfig'],
    [{ tokenFile: join(folder, 'missing') }, 'AuthFileUnreadable'],
    [{ tokenFile: empty, appId: 1 }, 'AuthConfig'],
    [{ appId: 1, installationId: 2 }, 'AuthConfig'],
    [{ appId: 'x', installationId: 2, privateKeyFile: notPem }, 'AuthConfig'],
    [{ appId: 1, installationId: 2, privateKeyFile: notPem }, 'AuthConfig'],
  ];
  for (const [options, code] of cases) {
    const error = await loadGitHubAuth(options).then(
      () => undefined,
      (failure: unknown) => failure,
    );
    assert.ok(error instanceof GitHubIntegrationError, JSON.stringify(options));
    assert.equal(error.code, code, JSON.stringify(options));
    assert.ok(!error.message.includes('ghp_notAKey'), error.message);
  }
});

test('GitHub App: installation tokens through auth-app; check runs allowed; key and tokens stay out of logs', async () => {
  const keyPath = join(folder, 'app.pem');
  await writeFile(keyPath, github.app.privateKey);
  const auth = await loadGitHubAuth({ appId, installationId, privateKeyFile: keyPath });
  const sink = logSink();
  const octokit = createGitHubClient({
    auth,
    baseUrl: github.server.url,
    logger: sink.logger,
    retryAfterBaseMs: 1,
  });
  const created = await octokit.rest.checks.create({
    owner,
    repo,
    name: 'chaoscraft/plan',
    head_sha: 'c'.repeat(40),
  });
  assert.equal(created.data.app?.id, appId);
  const minted = github.server.requests.filter(
    (e) => e.operationId === 'apps/create-installation-access-token',
  );
  assert.equal(minted.length, 1);
  const error = await octokit.rest.pulls.get({ owner, repo: 'not-installed', pull_number: 1 }).then(
    () => undefined,
    (failure: Error) => failure,
  );
  assert.equal((error as { status?: number }).status, 404);
  const everything = `${sink.text()}\n${error?.message}\n${inspect(error, { depth: 5 })}`;
  assert.ok(sink.lines.length > 0, 'requests were logged');
  const keyBody = github.app.privateKey.split('\n').slice(1, 3).join('');
  assert.ok(!everything.includes(keyBody), 'private key leaked');
  assert.ok(!/ghs_[A-Za-z0-9]/.test(everything), 'installation token leaked');
});

test('secondary rate limit: retried after retry-after, and the warning log holds no token', async () => {
  const sink = logSink();
  github.server.controls.secondaryLimit({ count: 2, retryAfterSeconds: 5 });
  const response = await tokenClient({ logger: sink.logger }).rest.issues.listForRepo({ owner, repo });
  assert.equal(response.status, 200);
  assert.deepEqual(
    github.server.requests.map((entry) => entry.status),
    [403, 403, 200],
  );
  assert.match(sink.text(), /secondary rate limit/);
  assert.ok(!sink.text().includes(userToken));
});

test('primary rate limit: waits for the reset and retries; gives up after the configured retries', async () => {
  const resetAt = new Date(Date.now() + 30_000);
  github.server.controls.primaryLimit({ remaining: 0, resetAt });
  // The server's clock passes the reset while the (1 ms per second) wait runs.
  const waiting = tokenClient().rest.pulls.list({ owner, repo });
  github.clock.offsetMs = 31_000;
  const listed = await waiting;
  assert.equal(listed.status, 200);

  github.clock.offsetMs = 0;
  github.server.controls.primaryLimit({ remaining: 0, resetAt: new Date(Date.now() + 120_000) });
  const error = await tokenClient({ maxRetries: 1 })
    .rest.pulls.list({ owner, repo })
    .then(
      () => undefined,
      (failure: { status?: number; message?: string }) => failure,
    );
  assert.equal(error?.status, 403);
  assert.match(error?.message ?? '', /rate limit/);
  github.clock.offsetMs = 130_000;
  assert.equal((await tokenClient().rest.pulls.list({ owner, repo })).status, 200);
});

test('5xx answers are retried by plugin-retry', async () => {
  github.server.controls.failNext({ count: 2, status: 502 });
  const response = await tokenClient().rest.pulls.list({ owner, repo });
  assert.equal(response.status, 200);
  assert.deepEqual(
    github.server.requests.map((entry) => entry.status),
    [502, 502, 200],
  );
});

test('writes go through the pacer: spacing between content-creating requests, reads unpaced', async () => {
  const pacer = new ContentPacer({ minSpacingMs: 40 });
  const octokit = createGitHubClient({
    auth: { kind: 'token', token: new SecretValue(userToken) },
    baseUrl: github.server.url,
    pacer,
    retryAfterBaseMs: 1,
  });
  const issue = github.server.state.addIssue({ repo: `${owner}/${repo}`, title: 'pacing' });
  const started = performance.now();
  await Promise.all(
    [1, 2, 3].map((n) =>
      octokit.rest.issues.createComment({ owner, repo, issue_number: issue.number, body: `${n}` }),
    ),
  );
  assert.ok(performance.now() - started >= 75, 'three writes need two gaps of 40 ms');
  // How long the pacer itself slept depends on machine load (a slow request already makes a gap);
  // what must hold is the spacing of the writes as the server saw them arrive.
  const arrivals = github.server.requests
    .filter((r) => r.method === 'POST' && r.path.endsWith('/comments'))
    .slice(-3)
    .map((r) => r.time.getTime() - r.durationMs);
  assert.equal(arrivals.length, 3);
  for (let i = 1; i < arrivals.length; i++) {
    assert.ok(
      arrivals[i]! - arrivals[i - 1]! >= 30,
      `writes ${i} and ${i + 1} were ${arrivals[i]! - arrivals[i - 1]!} ms apart`,
    );
  }
  const waitedBeforeReads = pacer.waitedMs;
  await Promise.all([1, 2, 3].map(() => octokit.rest.pulls.list({ owner, repo })));
  assert.equal(pacer.waitedMs, waitedBeforeReads);
});

test('errors and logs of a rejected token never contain it', async () => {
  const sink = logSink();
  const bad = 'ghp_rejectedTokenValueThatMustNotLeak01';
  const octokit = createGitHubClient({
    auth: { kind: 'token', token: new SecretValue(bad) },
    baseUrl: github.server.url,
    logger: sink.logger,
    retryAfterBaseMs: 1,
  });
  const error = await octokit.rest.pulls.list({ owner, repo }).then(
    () => undefined,
    (failure: Error) => failure,
  );
  assert.equal((error as { status?: number }).status, 401);
  for (const text of [
    sink.text(),
    error?.message ?? '',
    inspect(error, { depth: 6 }),
    JSON.stringify(error),
  ]) {
    assert.ok(!text.includes(bad), text.slice(0, 300));
  }
});

test('redactSecrets scrubs known values and anything shaped like a credential', () => {
  const text = [
    'token ghp_abcdefghijklmnop used',
    'authorization: bearer eyJhbGciOi.eyJpc3MiOjF9.c2lnbmF0dXJl',
    '-----BEGIN RSA PRIVATE KEY-----\nMIIEow\n-----END RSA PRIVATE KEY-----',
    'custom s3cr3t-value-123',
  ].join('\n');
  const redacted = redactSecrets(text, ['s3cr3t-value-123']);
  for (const leak of ['ghp_abcdefghijklmnop', 'eyJhbGciOi', 'MIIEow', 's3cr3t-value-123']) {
    assert.ok(!redacted.includes(leak), leak);
  }
  assert.match(redacted, /authorization: \[redacted\]/);
});
