// The plan on a PR: one marked comment updated in place (never duplicated, not even after a restart or
// behind pages of other comments, and not rewritten when unchanged), a `chaoscraft/plan` check run
// with batched annotations, the commit-status fallback for plain tokens, and coalescing.
import assert from 'node:assert/strict';
import { after, afterEach, before, beforeEach, test } from 'node:test';
import { createGitHubClient, type GitHubClient } from '../../../gitops/github/client.ts';
import { ContentPacer } from '../../../gitops/github/content-pacer.ts';
import { PlanPublisher } from '../../../gitops/github/plan-publisher.ts';
import { planCommentBody, publishPlan } from '../../../gitops/github/publish-plan.ts';
import { SecretValue } from '../../../gitops/github/secret.ts';
import { planCommentMarker } from '../../../gitops/planner/types.ts';
import {
  installationToken,
  makePlan,
  owner,
  repo,
  type SeededGitHub,
  sha,
  startSeededGitHub,
  userToken,
} from './fixtures.ts';

let github: SeededGitHub;
let pullNumber: number;

function client(token: string): GitHubClient {
  return createGitHubClient({
    auth: { kind: 'token', token: new SecretValue(token) },
    baseUrl: github.server.url,
    pacer: new ContentPacer({ minSpacingMs: 0 }),
    retryAfterBaseMs: 1,
  });
}

function markerComments() {
  return github.server.state
    .commentsOn({ repo: `${owner}/${repo}`, issueNumber: pullNumber })
    .filter((comment) => comment.body.startsWith(planCommentMarker));
}

before(async () => {
  github = await startSeededGitHub();
});

after(async () => {
  await github.server.close();
});

beforeEach(() => {
  const pull = github.server.state.addPullRequest({
    repo: `${owner}/${repo}`,
    title: 'Another experiment',
    head: { ref: `feature-${Date.now()}`, sha: sha('a') },
    base: { ref: 'main', sha: sha('b') },
  });
  pullNumber = pull.number;
  github.server.requests.length = 0;
});

afterEach(() => {
  assert.deepEqual(github.server.contractViolations, []);
});

test('first publish: a check run with 120 annotations in batches of 50, then one comment', async () => {
  const octokit = client(installationToken);
  const plan = makePlan({
    headSha: sha('c'),
    annotationCount: 120,
    valid: false,
    summary: '1 experiment: 1 denied',
  });
  const result = await publishPlan({ octokit, owner, repo, pullNumber, plan });

  assert.equal(result.comment.action, 'created');
  assert.equal(result.check?.kind, 'check-run');
  assert.equal(result.check?.kind === 'check-run' && result.check.requests, 3);
  const runs = github.server.state.checkRunsFor({ repo: `${owner}/${repo}`, headSha: sha('c') });
  assert.equal(runs.length, 1);
  const run = runs[0]!;
  assert.equal(run.name, 'chaoscraft/plan');
  assert.equal(run.status, 'completed');
  assert.equal(run.conclusion, 'failure');
  assert.equal(run.annotations.length, 120);
  assert.deepEqual(
    run.annotations.map((a) => a.start_line),
    Array.from({ length: 120 }, (_, i) => i + 1),
  );
  assert.equal(run.output.title, '1 experiment: 1 denied');
  const writes = github.server.contentCreatingRequests().map((entry) => entry.operationId);
  assert.deepEqual(writes, ['checks/create', 'checks/update', 'checks/update', 'issues/create-comment']);
  const comments = markerComments();
  assert.equal(comments.length, 1);
  assert.equal(comments[0]!.body, planCommentBody(plan));
  assert.match(comments[0]!.body, new RegExp(`chaoscraft:plan-head ${sha('c')}`));
});

test('a valid plan that loosens a guardrail completes the check as neutral: mergeable, marked for review', async () => {
  const octokit = client(installationToken);
  const plan = { ...makePlan({ headSha: sha('9') }), needsReview: true };
  await publishPlan({ octokit, owner, repo, pullNumber, plan });
  const runs = github.server.state.checkRunsFor({ repo: `${owner}/${repo}`, headSha: sha('9') });
  assert.equal(runs[0]?.conclusion, 'neutral');
});

test('the same plan again writes nothing; a new head updates the one comment in place', async () => {
  const octokit = client(installationToken);
  const first = makePlan({ headSha: sha('d') });
  await publishPlan({ octokit, owner, repo, pullNumber, plan: first });
  const writesAfterFirst = github.server.contentCreatingRequests().length;

  const again = await publishPlan({ octokit, owner, repo, pullNumber, plan: first });
  assert.equal(again.comment.action, 'unchanged');
  assert.equal(again.check, undefined);
  assert.equal(
    github.server.contentCreatingRequests().length,
    writesAfterFirst,
    'no write for an unchanged plan',
  );

  const second = makePlan({ headSha: sha('e'), markdown: `${planCommentMarker}\nupdated plan` });
  const updated = await publishPlan({ octokit, owner, repo, pullNumber, plan: second });
  assert.equal(updated.comment.action, 'updated');
  assert.equal(updated.comment.commentId, again.comment.commentId);
  const comments = markerComments();
  assert.equal(comments.length, 1);
  assert.match(comments[0]!.body, /updated plan/);
  assert.equal(github.server.state.checkRunsFor({ repo: `${owner}/${repo}`, headSha: sha('e') }).length, 1);
});

test('after a restart the comment is found behind 230 other comments (three pages) and updated', async () => {
  for (let index = 0; index < 230; index += 1) {
    github.server.state.addComment({
      repo: `${owner}/${repo}`,
      issueNumber: pullNumber,
      body: `lgtm ${index}`,
    });
  }
  // Someone quoting the plan does not count as the plan comment.
  github.server.state.addComment({
    repo: `${owner}/${repo}`,
    issueNumber: pullNumber,
    body: `> ${planCommentMarker}\n> quoted`,
  });
  const plan = makePlan({ headSha: sha('f') });
  await publishPlan({ octokit: client(installationToken), owner, repo, pullNumber, plan });
  github.server.requests.length = 0;
  // A fresh client and publisher: nothing remembered in memory.
  const restarted = new PlanPublisher({ octokit: client(installationToken), windowMs: 1 });
  await restarted.publish({ owner, repo, pullNumber, plan: makePlan({ headSha: sha('1') }) });
  const comments = markerComments();
  assert.equal(comments.length, 1);
  assert.match(comments[0]!.body, new RegExp(sha('1')));
  const listCalls = github.server.requests.filter((entry) => entry.operationId === 'issues/list-comments');
  assert.equal(listCalls.length, 3);
});

test('a plain token cannot create check runs: commit status chaoscraft/plan, remembered afterwards', async () => {
  const publisher = new PlanPublisher({ octokit: client(userToken), windowMs: 1 });
  await publisher.publish({ owner, repo, pullNumber, plan: makePlan({ headSha: sha('2'), valid: false }) });
  const statuses = github.server.state.statusesFor({ repo: `${owner}/${repo}`, sha: sha('2') });
  assert.equal(statuses.length, 1);
  assert.equal(statuses[0]!.context, 'chaoscraft/plan');
  assert.equal(statuses[0]!.state, 'failure');
  assert.equal(statuses[0]!.description, '1 experiment: 1 would run');
  assert.equal(publisher.capabilities.checkRuns, false);
  assert.equal(github.server.requests.filter((entry) => entry.status === 403).length, 1);

  await publisher.publish({ owner, repo, pullNumber, plan: makePlan({ headSha: sha('3') }) });
  assert.equal(github.server.requests.filter((entry) => entry.operationId === 'checks/create').length, 1);
  assert.equal(
    github.server.state.statusesFor({ repo: `${owner}/${repo}`, sha: sha('3') })[0]!.state,
    'success',
  );
  assert.equal(markerComments().length, 1);
});

test('five plans for one PR within the window are published once, the latest', async () => {
  const publisher = new PlanPublisher({ octokit: client(installationToken), windowMs: 40 });
  const heads = ['4', '5', '6', '7', '8'].map(sha);
  await Promise.all(
    heads.map((headSha) => publisher.publish({ owner, repo, pullNumber, plan: makePlan({ headSha }) })),
  );
  assert.equal(publisher.publishCount, 1);
  const writes = github.server.contentCreatingRequests().map((entry) => entry.operationId);
  assert.deepEqual(writes, ['checks/create', 'issues/create-comment']);
  assert.match(markerComments()[0]!.body, new RegExp(sha('8')));
  assert.equal(github.server.state.checkRunsFor({ repo: `${owner}/${repo}`, headSha: sha('4') }).length, 0);
});
