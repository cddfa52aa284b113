// The receiver end to end against the GitHub API test server, with a stub planner: webhook → plan →
// one comment and a check; bursts coalesced; push re-plans the PRs on that branch; forks flagged;
// polling plans only PRs whose head moved.
import assert from 'node:assert/strict';
import { after, afterEach, before, beforeEach, test } from 'node:test';
import { createGitHubClient, type GitHubClient } from '../../../gitops/github/client.ts';
import { ContentPacer } from '../../../gitops/github/content-pacer.ts';
import { PlanPublisher } from '../../../gitops/github/plan-publisher.ts';
import { SecretValue } from '../../../gitops/github/secret.ts';
import { planCommentMarker } from '../../../gitops/planner/types.ts';
import {
  createGitOpsService,
  type GitOpsService,
  type PlanRequest,
} from '../../../gitops/webhooks/gitops-service.ts';
import { PullRequestPoller } from '../../../gitops/webhooks/pull-request-poller.ts';
import { startWebhookServer, type WebhookServer } from '../../../gitops/webhooks/webhook-server.ts';
import {
  installationToken,
  makePlan,
  owner,
  repo,
  type SeededGitHub,
  sha,
  startSeededGitHub,
} from '../github/fixtures.ts';
import { examplePayload, examplePullRequest, sendWebhook } from './webhook-client.ts';

const secret = 'service-test-webhook-secret-42';
let github: SeededGitHub;
let octokit: GitHubClient;
let service: GitOpsService;
let receiver: WebhookServer;
let requests: PlanRequest[];

function prPayload(options: { number: number; head: string; action?: string; fork?: boolean }) {
  const payload = examplePullRequest();
  payload.action = options.action ?? 'opened';
  payload.number = options.number;
  payload.pull_request.number = options.number;
  payload.pull_request.head.sha = options.head;
  payload.pull_request.base.sha = sha('b');
  payload.pull_request.base.repo.full_name = `${owner}/${repo}`;
  payload.pull_request.head.repo = {
    full_name: options.fork ? `mallory/${repo}` : `${owner}/${repo}`,
  };
  payload.repository.full_name = `${owner}/${repo}`;
  return payload;
}

function planComments(pullNumber: number) {
  return github.server.state
    .commentsOn({ repo: `${owner}/${repo}`, issueNumber: pullNumber })
    .filter((comment) => comment.body.startsWith(planCommentMarker));
}

before(async () => {
  github = await startSeededGitHub();
  octokit = createGitHubClient({
    auth: { kind: 'token', token: new SecretValue(installationToken) },
    baseUrl: github.server.url,
    pacer: new ContentPacer({ minSpacingMs: 0 }),
    retryAfterBaseMs: 1,
  });
});

beforeEach(async () => {
  requests = [];
  service = createGitOpsService({
    octokit,
    planner: async (request) => {
      requests.push(request);
      return makePlan({
        headSha: request.headSha,
        markdown: `${planCommentMarker}\nplan of ${request.headSha}`,
      });
    },
    publisher: new PlanPublisher({ octokit, windowMs: 1 }),
    coalesceWindowMs: 50,
  });
  receiver = await startWebhookServer({
    secret: new SecretValue(secret),
    onEvent: (event) => service.handle(event),
  });
});

afterEach(async () => {
  await receiver.close();
  assert.deepEqual(github.server.contractViolations, []);
});

after(async () => {
  await github.server.close();
});

function addPull(head: string, baseRef = 'main', headRepo?: string) {
  return github.server.state.addPullRequest({
    repo: `${owner}/${repo}`,
    title: `PR ${head.slice(0, 4)}`,
    head: { ref: `feature-${head.slice(0, 6)}`, sha: head, ...(headRepo ? { repo: headRepo } : {}) },
    base: { ref: baseRef, sha: sha('b') },
  }).number;
}

test('opened then three quick synchronizes: planned once for the newest head, one comment', async () => {
  const number = addPull(sha('1'));
  await sendWebhook({
    url: receiver.url,
    secret,
    event: 'pull_request',
    payload: prPayload({ number, head: sha('1') }),
  });
  await receiver.idle();
  assert.equal(planComments(number).length, 1);
  assert.match(planComments(number)[0]!.body, new RegExp(`plan of ${sha('1')}`));
  assert.equal(github.server.state.checkRunsFor({ repo: `${owner}/${repo}`, headSha: sha('1') }).length, 1);

  requests = [];
  await Promise.all(
    ['2', '3', '4'].map((seed) =>
      sendWebhook({
        url: receiver.url,
        secret,
        event: 'pull_request',
        payload: prPayload({ number, head: sha(seed), action: 'synchronize' }),
      }),
    ),
  );
  await receiver.idle();
  assert.equal(requests.length, 1, 'coalesced into one plan');
  const comments = planComments(number);
  assert.equal(comments.length, 1);
  assert.match(comments[0]!.body, /plan of/);
  assert.equal(requests[0]!.headSha, comments[0]!.body.match(/plan of ([0-9a-f]{40})/)![1]);
});

test('a fork PR is planned with fromFork set; closing does nothing', async () => {
  const number = addPull(sha('5'), 'main', `mallory/${repo}`);
  await sendWebhook({
    url: receiver.url,
    secret,
    event: 'pull_request',
    payload: prPayload({ number, head: sha('5'), fork: true }),
  });
  await receiver.idle();
  assert.equal(requests.length, 1);
  assert.equal(requests[0]!.fromFork, true);
  const writes = github.server.contentCreatingRequests().length;
  await sendWebhook({
    url: receiver.url,
    secret,
    event: 'pull_request',
    payload: prPayload({ number, head: sha('5'), action: 'closed' }),
  });
  await receiver.idle();
  assert.equal(requests.length, 1);
  assert.equal(github.server.contentCreatingRequests().length, writes);
});

test('a push to a branch re-plans the open PRs based on it', async () => {
  const onRelease = [addPull(sha('6'), 'release'), addPull(sha('7'), 'release')];
  addPull(sha('8'), 'main');
  const example = examplePayload('push');
  const push = {
    ...example,
    ref: 'refs/heads/release',
    deleted: false,
    repository: { ...(example.repository as object), full_name: `${owner}/${repo}` },
  };
  await sendWebhook({ url: receiver.url, secret, event: 'push', payload: push });
  await receiver.idle();
  assert.deepEqual(requests.map((request) => request.pullNumber).sort(), onRelease.sort());
  assert.equal(requests[0]!.cloneUrl, `https://github.test/${owner}/${repo}.git`);
});

test('polling: the first look plans every open PR, later looks only those whose head moved', async () => {
  const poller = new PullRequestPoller({
    octokit,
    service,
    repositories: [{ owner, repo }],
    intervalMs: 10_000,
  });
  const first = await poller.pollOnce();
  const open = github.server.state.issues.filter((issue) => issue.pull && issue.state === 'open').length;
  assert.equal(first, open);
  assert.equal(await poller.pollOnce(), 0);
  const moved = github.server.state.issues.find((issue) => issue.pull && issue.state === 'open')!;
  moved.pull!.head.sha = sha('9');
  requests = [];
  assert.equal(await poller.pollOnce(), 1);
  assert.equal(requests[0]!.pullNumber, moved.number);
  assert.equal(requests[0]!.headSha, sha('9'));
  poller.start();
  await poller.stop();
});
