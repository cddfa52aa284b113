// Rate limits of the GitHub API test server, as seen by the real @octokit/plugin-throttling and
// @octokit/plugin-retry: primary limits wait for the reset, secondary limits honour retry-after, 5xx retry.

import assert from 'node:assert/strict';
import { after, afterEach, before, beforeEach, describe, test } from 'node:test';
import { retry } from '@octokit/plugin-retry';
import { throttling } from '@octokit/plugin-throttling';
import { Octokit } from '@octokit/rest';
import { type GitHubApiServer, startGitHubApiServer } from './index.ts';

const PAT = 'ghp_rate_limit_tests';
const REPO = { owner: 'acme', repo: 'chaos' };
const quiet = { debug() {}, info() {}, warn() {}, error() {} };
const ThrottledOctokit = Octokit.plugin(throttling, retry);

interface LimitEvent {
  kind: 'primary' | 'secondary';
  retryAfter: number;
  retryCount: number;
}

let server: GitHubApiServer;
/** The server's clock runs at real time plus this offset, so a test can jump past a rate-limit reset. */
let clockOffsetMs = 0;
let events: LimitEvent[] = [];
/** What the limit handlers answer (retry or give up); also advances the clock for primary limits. */
let maxRetries = 3;

function client(): InstanceType<typeof ThrottledOctokit> {
  return new ThrottledOctokit({
    auth: PAT,
    baseUrl: server.url,
    log: quiet,
    // Waits are retryAfter × 1 ms instead of × 1 s, so the plugins' arithmetic is exercised without sleeping.
    retry: { retryAfterBaseValue: 1 },
    throttle: {
      retryAfterBaseValue: 1,
      onRateLimit: (retryAfter, _options, _octokit, retryCount) => {
        events.push({ kind: 'primary', retryAfter, retryCount });
        clockOffsetMs += retryAfter * 1000;
        return retryCount < maxRetries;
      },
      onSecondaryRateLimit: (retryAfter, _options, _octokit, retryCount) => {
        events.push({ kind: 'secondary', retryAfter, retryCount });
        return retryCount < maxRetries;
      },
    },
  });
}

before(async () => {
  server = await startGitHubApiServer({
    tokens: [{ token: PAT, login: 'chaos-bot' }],
    now: () => new Date(Date.now() + clockOffsetMs),
  });
  server.state.addRepo({ owner: 'acme', name: 'chaos' });
  server.state.addIssue({ repo: 'acme/chaos', title: 'tracking' });
});

after(async () => {
  await server.close();
});

beforeEach(() => {
  events = [];
  maxRetries = 3;
  server.requests.length = 0;
});

afterEach(() => {
  assert.deepEqual(server.contractViolations, []);
});

describe('primary rate limit', () => {
  test('403 with remaining 0 and the reset time; the throttling plugin waits for the reset and retries', async () => {
    server.controls.primaryLimit({ remaining: 0, resetAt: new Date(Date.now() + clockOffsetMs + 60_000) });
    const listed = await client().rest.issues.listForRepo(REPO);
    assert.equal(listed.status, 200);
    assert.equal(events.length, 1);
    assert.equal(events[0]!.kind, 'primary');
    assert.ok(
      events[0]!.retryAfter >= 60 && events[0]!.retryAfter <= 62,
      `retryAfter ${events[0]!.retryAfter}`,
    );
    assert.deepEqual(
      server.requests.map((entry) => entry.status),
      [403, 200],
    );
    assert.equal(
      Number(listed.headers['x-ratelimit-remaining']),
      4999,
      'the window refilled after the reset',
    );
  });

  test('the 403 carries GitHub headers and message; giving up surfaces it', async () => {
    const resetAt = new Date(Date.now() + clockOffsetMs + 30_000);
    server.controls.primaryLimit({ remaining: 1, resetAt });
    const raw = async () =>
      fetch(`${server.url}/repos/acme/chaos/issues`, { headers: { authorization: `Bearer ${PAT}` } });
    assert.equal((await raw()).status, 200);
    const limited = await raw();
    assert.equal(limited.status, 403);
    assert.equal(limited.headers.get('x-ratelimit-remaining'), '0');
    assert.equal(limited.headers.get('x-ratelimit-reset'), String(Math.ceil(resetAt.getTime() / 1000)));
    assert.match(
      ((await limited.json()) as { message: string }).message,
      /^API rate limit exceeded for user chaos-bot/,
    );

    maxRetries = 0;
    const error = await client()
      .rest.issues.listForRepo(REPO)
      .then(
        () => undefined,
        (failure: { status: number }) => failure,
      );
    assert.equal(error?.status, 403);
    assert.equal(events.length, 1);
    server.controls.primaryLimit({
      remaining: 5000,
      resetAt: new Date(Date.now() + clockOffsetMs + 3600_000),
    });
  });
});

describe('secondary rate limit', () => {
  test('retry-after is honoured and the status is created exactly once', async () => {
    // A commit status, not a comment: the throttling plugin paces writes 1 s apart but comments 3 s apart.
    const sha = '5'.repeat(40);
    server.controls.secondaryLimit({ count: 2, retryAfterSeconds: 3 });
    const created = await client().rest.repos.createCommitStatus({
      ...REPO,
      sha,
      state: 'success',
      context: 'x',
    });
    assert.equal(created.status, 201);
    assert.deepEqual(events, [
      { kind: 'secondary', retryAfter: 3, retryCount: 0 },
      { kind: 'secondary', retryAfter: 3, retryCount: 1 },
    ]);
    assert.deepEqual(
      server.requests.map((entry) => entry.status),
      [403, 403, 201],
    );
    assert.equal(server.state.statusesFor({ repo: 'acme/chaos', sha }).length, 1);
  });

  test('the 403 has retry-after and the documented message', async () => {
    server.controls.secondaryLimit({ count: 1, retryAfterSeconds: 5 });
    const limited = await fetch(`${server.url}/repos/acme/chaos/issues`, {
      headers: { authorization: `token ${PAT}` },
    });
    assert.equal(limited.status, 403);
    assert.equal(limited.headers.get('retry-after'), '5');
    assert.match(
      ((await limited.json()) as { message: string }).message,
      /You have exceeded a secondary rate limit/,
    );
  });

  test('retryAfterSeconds below 1 is refused (Octokit would wait 60 s for retry-after: 0)', () => {
    assert.throws(() => server.controls.secondaryLimit({ count: 1, retryAfterSeconds: 0 }), RangeError);
  });
});

describe('server errors', () => {
  test('5xx answers are retried by the retry plugin', async () => {
    server.controls.failNext({ count: 2, status: 502 });
    const listed = await client().rest.pulls.list(REPO);
    assert.equal(listed.status, 200);
    assert.deepEqual(
      server.requests.map((entry) => entry.status),
      [502, 502, 200],
    );
  });
});
