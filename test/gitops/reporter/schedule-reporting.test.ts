// Schedule reporting end to end, on real runs: the controller (its own RBAC identity) runs a
// ChaosSchedule stamped with its Git revision against the Kubernetes API test server; the results
// reporter (the gitops identity, read-only) finds the finished runs and reports them to the GitHub
// API test server: the commit status of the schedule's revision and one tracking issue with a
// comment per run, nothing twice after a restart of the reporter.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { createKubeHttp } from '../../../controller/kube/kube-http.ts';
import { createGitHubClient, type GitHubClient } from '../../../gitops/github/client.ts';
import { ContentPacer } from '../../../gitops/github/content-pacer.ts';
import { SecretValue } from '../../../gitops/github/secret.ts';
import { ResultsReporter } from '../../../gitops/reporter/results-reporter.ts';
import { experiment, finished, startCluster, startController } from '../../controller/manager/harness.ts';
import { grantProcess } from '../../support/chaoscraft-rbac.ts';
import { type KubeApiServer, kubeConfigFor } from '../../support/kube-api-server/index.ts';
import { waitFor } from '../../support/wait.ts';
import {
  installationToken,
  owner,
  repo,
  type SeededGitHub,
  sha,
  startSeededGitHub,
} from '../github/fixtures.ts';

const GROUP = 'chaoscraft.io/v1alpha1';
const fullName = `${owner}/${repo}`;
const revision = sha('d');
let github: SeededGitHub;
let kube: KubeApiServer;
let controller: Awaited<ReturnType<typeof startController>>;
let octokit: GitHubClient;

type Run = {
  metadata: { name: string; ownerReferences?: { kind: string; name: string }[] };
  status?: { revision?: string; conditions?: { type: string; status: string }[] };
};

before(async () => {
  github = await startSeededGitHub();
  kube = await startCluster({ replicas: 3 });
  controller = await startController(kube);
  await grantProcess(kube, 'gitops');
  octokit = createGitHubClient({
    auth: { kind: 'token', token: new SecretValue(installationToken) },
    baseUrl: github.server.url,
    pacer: new ContentPacer({ minSpacingMs: 0 }),
    retryAfterBaseMs: 1,
  });
});
after(async () => {
  await controller?.close();
  await kube?.close();
  await github?.server.close();
});

function reporter() {
  return new ResultsReporter({
    kube: createKubeHttp(kubeConfigFor(kube, { user: 'gitops' })),
    octokit,
    defaultRepository: { owner, repo },
    trackingIssues: true,
    coalesceWindowMs: 5,
  });
}

const finishedRuns = () =>
  (kube.list({ apiVersion: GROUP, kind: 'ChaosExperiment', namespace: 'shop' }) as Run[]).filter(
    (run) => run.metadata.ownerReferences?.some((o) => o.kind === 'ChaosSchedule') && finished(run as never),
  );

test('runs of a schedule stamped with its revision: commit status on that revision and one tracking issue, a comment per run', async () => {
  kube.create({
    apiVersion: GROUP,
    kind: 'ChaosSchedule',
    metadata: { name: 'nightly', namespace: 'shop', annotations: { 'chaoscraft.io/revision': revision } },
    spec: {
      schedule: '@every 2s',
      successfulHistoryLimit: 2,
      template: { spec: experiment('run', { duration: '1s' }).spec },
    },
  });
  const runs = await waitFor({
    condition: () => finishedRuns().length >= 2 && finishedRuns(),
    what: 'two runs of the schedule to finish',
    timeoutMs: 20_000,
  });
  for (const run of runs)
    assert.equal(run.status?.revision, revision, 'the run records the schedule’s revision');

  const first = reporter();
  assert.ok((await first.scanOnce()) >= 2);
  const outcomes = [...first.outcomes.values()];
  assert.ok(
    outcomes.every((o) => o.kind === 'schedule'),
    JSON.stringify(outcomes),
  );
  const statuses = github.server.state.statusesFor({ repo: fullName, sha: revision });
  assert.ok(statuses.length >= 2);
  assert.ok(statuses.every((s) => s.context === 'chaoscraft/schedule/shop/nightly' && s.state === 'success'));
  const issues = github.server.state.issues.filter(
    (issue) => issue.title === 'ChaosCraft schedule shop/nightly',
  );
  assert.equal(issues.length, 1, 'one tracking issue per schedule');
  const comments = github.server.state.commentsOn({ repo: fullName, issueNumber: issues[0]!.number });
  const reported = runs.map((run) => run.metadata.name);
  for (const name of reported)
    assert.ok(
      comments.some((c) => c.body.includes(name)),
      `a comment for ${name}`,
    );
  assert.equal(comments.length, new Set(first.outcomes.keys()).size, 'one comment per run');

  // A restarted reporter finds the same runs reported: nothing is written twice.
  const writes = github.server.contentCreatingRequests().length;
  const known = new Set(first.outcomes.keys());
  const restarted = reporter();
  await restarted.scanOnce();
  const again = [...restarted.outcomes.entries()].filter(([key]) => known.has(key));
  assert.ok(again.length >= 2);
  const newRuns = restarted.outcomes.size - again.length;
  assert.ok(
    github.server.contentCreatingRequests().length - writes <= newRuns * 2,
    'only runs finished since the first scan are reported (a status and a comment each)',
  );
  assert.deepEqual(github.server.contractViolations, []);
  kube.delete({ apiVersion: GROUP, kind: 'ChaosSchedule', namespace: 'shop', name: 'nightly' });
  await waitFor({
    condition: () =>
      !kube.get({ apiVersion: GROUP, kind: 'ChaosSchedule', namespace: 'shop', name: 'nightly' }),
    what: 'the schedule to go',
    timeoutMs: 15_000,
  });
});
