// The GitHub API test server driven by the real @octokit/rest: every endpoint we use, auth failures and
// the contract checks on requests and responses.

import assert from 'node:assert/strict';
import { after, afterEach, before, describe, test } from 'node:test';
import { Octokit } from '@octokit/rest';
import { createTestAppCredentials, type GitHubApiServer, startGitHubApiServer } from './index.ts';

const PAT = 'ghp_test_token_for_chaos_bot';
const INSTALLATION_TOKEN = 'ghs_test_installation_token';
const REPO = { owner: 'acme', repo: 'chaos' };
const sha = (char: string) => char.repeat(40);
// Octokit logs every failed request; the failures here are deliberate.
const quiet = { debug() {}, info() {}, warn() {}, error() {} };

let server: GitHubApiServer;
let octokit: InstanceType<typeof Octokit>;
let asApp: InstanceType<typeof Octokit>;

before(async () => {
  server = await startGitHubApiServer({ tokens: [{ token: PAT, login: 'chaos-bot' }] });
  server.state.addRepo({ owner: 'acme', name: 'chaos' });
  server.state.addRepo({ owner: 'acme', name: 'other' });
  server.state.addPullRequest({
    repo: 'acme/chaos',
    title: 'Add pod-kill experiment',
    body: 'adds experiments/pod-kill.yaml',
    user: 'alice',
    head: { ref: 'pod-kill', sha: sha('a') },
    base: { ref: 'main', sha: sha('b') },
    commits: [sha('9')],
    files: [
      { filename: 'experiments/pod-kill.yaml', status: 'added', additions: 12, patch: '@@ -0,0 +1,12 @@' },
      { filename: 'README.md', additions: 1, deletions: 1 },
    ],
  });
  server.state.addPullRequest({
    repo: 'acme/chaos',
    title: 'Fork: network loss',
    user: 'mallory',
    head: { ref: 'loss', sha: sha('c'), repo: 'mallory/chaos' },
    base: { ref: 'main', sha: sha('b') },
  });
  server.state.addPullRequest({
    repo: 'acme/chaos',
    title: 'Merged latency experiment',
    user: 'alice',
    merged: true,
    mergeCommitSha: sha('d'),
    head: { ref: 'latency', sha: sha('e') },
    base: { ref: 'main', sha: sha('b') },
  });
  const credentials = createTestAppCredentials({ appId: 42 });
  server.state.addApp({ id: 42, publicKey: credentials.publicKey, slug: 'chaoscraft' });
  server.state.addInstallation({ id: 7, appId: 42, account: 'acme', repositories: ['acme/chaos'] });
  server.state.addInstallationToken({ token: INSTALLATION_TOKEN, installationId: 7 });
  octokit = new Octokit({ auth: PAT, baseUrl: server.url, log: quiet });
  asApp = new Octokit({ auth: INSTALLATION_TOKEN, baseUrl: server.url, log: quiet });
});

after(async () => {
  await server.close();
});

afterEach(() => {
  assert.deepEqual(
    server.contractViolations,
    [],
    'the server and its client must honour the OpenAPI contract',
  );
});

async function rejection(
  promise: Promise<unknown>,
): Promise<{ status: number; message: string; data: unknown }> {
  try {
    await promise;
  } catch (error) {
    const { status, message, response } = error as {
      status: number;
      message: string;
      response?: { data: unknown };
    };
    return { status, message, data: response?.data };
  }
  assert.fail('expected the request to fail');
}

describe('issue comments', () => {
  test('create, list with pagination, update in place', async () => {
    const created = await octokit.rest.issues.createComment({
      ...REPO,
      issue_number: 1,
      body: '<!-- plan --> v1',
    });
    assert.equal(created.status, 201);
    assert.equal(created.data.user?.login, 'chaos-bot');
    for (let i = 0; i < 4; i += 1) {
      await octokit.rest.issues.createComment({ ...REPO, issue_number: 1, body: `noise ${i}` });
    }
    const firstPage = await octokit.rest.issues.listComments({ ...REPO, issue_number: 1, per_page: 2 });
    assert.equal(firstPage.data.length, 2);
    assert.match(firstPage.headers.link ?? '', /rel="next"/);
    const all = await octokit.paginate(octokit.rest.issues.listComments, {
      ...REPO,
      issue_number: 1,
      per_page: 2,
    });
    assert.equal(all.length, 5);
    assert.deepEqual(
      all.map((comment) => comment.id),
      [...all.map((comment) => comment.id)].sort((a, b) => a - b),
    );
    const updated = await octokit.rest.issues.updateComment({
      ...REPO,
      comment_id: created.data.id,
      body: '<!-- plan --> v2',
    });
    assert.equal(updated.data.body, '<!-- plan --> v2');
    assert.equal(server.state.commentsOn({ repo: 'acme/chaos', issueNumber: 1 }).length, 5);
    assert.equal(server.state.comments.find((c) => c.id === created.data.id)?.body, '<!-- plan --> v2');
  });

  test('unknown issue and unknown comment are 404', async () => {
    assert.equal(
      (await rejection(octokit.rest.issues.listComments({ ...REPO, issue_number: 999 }))).status,
      404,
    );
    assert.equal(
      (await rejection(octokit.rest.issues.updateComment({ ...REPO, comment_id: 1, body: 'x' }))).status,
      404,
    );
  });
});

describe('pull requests', () => {
  test('get returns head/base, fork head repo, merge state', async () => {
    const own = await octokit.rest.pulls.get({ ...REPO, pull_number: 1 });
    assert.equal(own.data.head.sha, sha('a'));
    assert.equal(own.data.head.repo?.full_name, 'acme/chaos');
    assert.equal(own.data.base.ref, 'main');
    assert.equal(own.data.changed_files, 2);
    assert.equal(own.data.merged, false);
    const fork = await octokit.rest.pulls.get({ ...REPO, pull_number: 2 });
    assert.equal(fork.data.head.repo?.full_name, 'mallory/chaos');
    assert.equal(fork.data.head.repo?.fork, true);
    const merged = await octokit.rest.pulls.get({ ...REPO, pull_number: 3 });
    assert.equal(merged.data.merged, true);
    assert.equal(merged.data.state, 'closed');
    assert.equal(merged.data.merge_commit_sha, sha('d'));
    assert.equal((await rejection(octokit.rest.pulls.get({ ...REPO, pull_number: 404 }))).status, 404);
  });

  test('list filters by state, head and base', async () => {
    const open = await octokit.rest.pulls.list({ ...REPO });
    assert.deepEqual(open.data.map((pull) => pull.number).sort(), [1, 2]);
    const all = await octokit.rest.pulls.list({ ...REPO, state: 'all' });
    assert.equal(all.data.length, 3);
    const byHead = await octokit.rest.pulls.list({ ...REPO, state: 'all', head: 'mallory:loss' });
    assert.deepEqual(
      byHead.data.map((pull) => pull.number),
      [2],
    );
    const byBase = await octokit.rest.pulls.list({ ...REPO, base: 'release' });
    assert.equal(byBase.data.length, 0);
  });

  test('files of a pull request', async () => {
    const files = await octokit.rest.pulls.listFiles({ ...REPO, pull_number: 1 });
    assert.deepEqual(
      files.data.map((file) => [file.filename, file.status, file.changes]),
      [
        ['experiments/pod-kill.yaml', 'added', 12],
        ['README.md', 'modified', 2],
      ],
    );
  });

  test('pull requests of a commit: head commit, inner commit, merge commit, unknown', async () => {
    const list = async (commit_sha: string) =>
      (await octokit.rest.repos.listPullRequestsAssociatedWithCommit({ ...REPO, commit_sha })).data.map(
        (p) => p.number,
      );
    assert.deepEqual(await list(sha('a')), [1]);
    assert.deepEqual(await list(sha('9')), [1]);
    assert.deepEqual(await list(sha('d')), [3]);
    assert.deepEqual(await list(sha('f')), []);
  });
});

describe('issues', () => {
  test('create, update, list (pull requests included, labels filter)', async () => {
    const created = await octokit.rest.issues.create({
      ...REPO,
      title: 'Chaos schedule results',
      labels: ['chaoscraft'],
    });
    assert.equal(created.status, 201);
    assert.equal(created.data.state, 'open');
    const number = created.data.number;
    assert.ok(number > 3, 'issues and pull requests share one number sequence');
    const closed = await octokit.rest.issues.update({
      ...REPO,
      issue_number: number,
      state: 'closed',
      body: 'done',
    });
    assert.equal(closed.data.state, 'closed');
    assert.equal(closed.data.body, 'done');
    assert.ok(closed.data.closed_at);
    const labelled = await octokit.rest.issues.listForRepo({ ...REPO, state: 'all', labels: 'chaoscraft' });
    assert.deepEqual(
      labelled.data.map((issue) => issue.number),
      [number],
    );
    const open = await octokit.rest.issues.listForRepo({ ...REPO });
    assert.ok(open.data.every((issue) => issue.state === 'open'));
    assert.ok(open.data.some((issue) => issue.pull_request !== undefined));
  });
});

describe('commit statuses and check runs', () => {
  test('commit status is recorded with its creator', async () => {
    const created = await octokit.rest.repos.createCommitStatus({
      ...REPO,
      sha: sha('a'),
      state: 'pending',
      context: 'chaoscraft/plan',
      description: 'planning',
    });
    assert.equal(created.status, 201);
    assert.equal(created.data.creator?.login, 'chaos-bot');
    assert.deepEqual(
      server.state.statusesFor({ repo: 'acme/chaos', sha: sha('a') }).map((s) => [s.context, s.state]),
      [['chaoscraft/plan', 'pending']],
    );
  });

  test('check run: created by an app, annotations accumulate over updates', async () => {
    const annotation = (line: number) => ({
      path: 'experiments/pod-kill.yaml',
      start_line: line,
      end_line: line,
      annotation_level: 'failure' as const,
      message: `bad field on line ${line}`,
    });
    const created = await asApp.rest.checks.create({
      ...REPO,
      name: 'chaoscraft/plan',
      head_sha: sha('a'),
      status: 'in_progress',
      output: { title: 'Plan', summary: 'checking', annotations: [annotation(3)] },
    });
    assert.equal(created.status, 201);
    assert.equal(created.data.app?.slug, 'chaoscraft');
    assert.deepEqual(
      created.data.pull_requests.map((pull) => pull.number),
      [1],
    );
    const updated = await asApp.rest.checks.update({
      ...REPO,
      check_run_id: created.data.id,
      conclusion: 'failure',
      output: { title: 'Plan', summary: '2 errors', annotations: [annotation(7)] },
    });
    assert.equal(updated.data.status, 'completed');
    assert.equal(updated.data.conclusion, 'failure');
    assert.ok(updated.data.completed_at);
    assert.equal(updated.data.output.annotations_count, 2);
    const run = server.state.checkRunsFor({ repo: 'acme/chaos', headSha: sha('a') })[0]!;
    assert.deepEqual(
      run.annotations.map((a) => a.start_line),
      [3, 7],
    );
  });

  test('check run rules: completed needs a conclusion, tokens of users are refused', async () => {
    const incomplete = await rejection(
      asApp.rest.checks.create({ ...REPO, name: 'x', head_sha: sha('a'), status: 'completed' }),
    );
    assert.equal(incomplete.status, 422);
    const asUser = await rejection(octokit.rest.checks.create({ ...REPO, name: 'x', head_sha: sha('a') }));
    assert.equal(asUser.status, 403);
    assert.match(asUser.message, /GitHub App/);
  });
});

describe('auth and limits', () => {
  test('missing, malformed and unknown credentials are 401', async () => {
    const anonymous = new Octokit({ baseUrl: server.url, log: quiet });
    assert.equal((await rejection(anonymous.rest.pulls.get({ ...REPO, pull_number: 1 }))).status, 401);
    const wrong = new Octokit({ auth: 'ghp_wrong', baseUrl: server.url, log: quiet });
    const refused = await rejection(wrong.rest.pulls.get({ ...REPO, pull_number: 1 }));
    assert.equal(refused.status, 401);
    assert.equal(refused.message.includes('ghp_wrong'), false, 'credentials never echoed');
  });

  test('an installation only sees its repositories', async () => {
    await octokit.rest.pulls.list({ owner: 'acme', repo: 'other' });
    assert.equal((await rejection(asApp.rest.pulls.list({ owner: 'acme', repo: 'other' }))).status, 404);
  });

  test('rate_limit and x-ratelimit headers on every response', async () => {
    const before = await octokit.rest.rateLimit.get();
    assert.equal(before.data.resources.core.limit, 5000);
    const response = await octokit.rest.pulls.list({ ...REPO });
    assert.equal(response.headers['x-ratelimit-limit'], '5000');
    assert.equal(Number(response.headers['x-ratelimit-remaining']), before.data.resources.core.remaining - 1);
    assert.ok(Number(response.headers['x-ratelimit-reset']) > Date.now() / 1000);
  });

  test('request log counts content-creating requests', async () => {
    const beforeCount = server.contentCreatingRequests().length;
    await octokit.rest.issues.createComment({ ...REPO, issue_number: 2, body: 'hello' });
    await octokit.rest.issues.listComments({ ...REPO, issue_number: 2 });
    const entries = server.contentCreatingRequests();
    assert.equal(entries.length, beforeCount + 1);
    const last = entries.at(-1)!;
    assert.equal(last.operationId, 'issues/create-comment');
    assert.equal(last.status, 201);
    assert.ok(last.time instanceof Date);
  });
});

describe('contract checks', () => {
  test('a request body that breaks the schema is a 422 and a recorded violation', async () => {
    const bad = await rejection(
      octokit.request('POST /repos/{owner}/{repo}/statuses/{sha}', {
        ...REPO,
        sha: sha('a'),
        state: 'green' as 'success',
      }),
    );
    assert.equal(bad.status, 422);
    assert.match(bad.message, /Invalid request/);
    const violations = server.contractViolations.splice(0);
    assert.equal(violations.length, 1);
    assert.equal(violations[0]!.kind, 'request');
    assert.equal(violations[0]!.code, 'InvalidBody');
    assert.match(violations[0]!.details.join(' '), /\/state/);
  });

  test('a missing required field, malformed JSON and an unknown operation are caught', async () => {
    // `body` is deliberately missing, which the route's types would rightly refuse.
    const withoutBody = { ...REPO, issue_number: 1 } as unknown as {
      owner: string;
      repo: string;
      issue_number: number;
      body: string;
    };
    const missing = await rejection(
      octokit.request('POST /repos/{owner}/{repo}/issues/{issue_number}/comments', withoutBody),
    );
    assert.equal(missing.status, 422);
    const malformed = await fetch(`${server.url}/repos/acme/chaos/issues`, {
      method: 'POST',
      headers: { authorization: `token ${PAT}`, 'content-type': 'application/json' },
      body: '{"title":',
    });
    assert.equal(malformed.status, 400);
    assert.equal(((await malformed.json()) as { message: string }).message, 'Problems parsing JSON');
    const unknown = await rejection(octokit.request('DELETE /repos/{owner}/{repo}', REPO));
    assert.equal(unknown.status, 404);
    assert.deepEqual(
      server.contractViolations.splice(0).map((v) => v.code),
      ['InvalidBody', 'InvalidJson', 'UnknownOperation'],
    );
  });

  test('a response that breaks the schema throws inside the server and is recorded', async () => {
    server.controls.tamperNextResponse({
      mutate: (body) => ({ ...(body as Record<string, unknown>), id: 'not-a-number' }),
    });
    const broken = await rejection(octokit.rest.pulls.get({ ...REPO, pull_number: 1 }));
    assert.equal(broken.status, 500);
    const violations = server.contractViolations.splice(0);
    assert.equal(violations.length, 1);
    assert.equal(violations[0]!.kind, 'response');
    assert.equal(violations[0]!.operationId, 'pulls/get');
    assert.match(violations[0]!.details.join(' '), /\/id must be integer/);
  });
});
