// The whole GitOps loop on one machine, with every piece real except GitHub and the cluster (their test
// servers): PR opened (signed webhook) → the real planner reads the repository over smart HTTP and the
// cluster read-only → plan comment + check run; PR updated → the same comment updated; merge → the
// test plays Argo CD (applies the manifest with its tracking id, records the sync in the
// Application's history) → the real controller kills a pod → the reporter posts the result on the PR.
import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { parse } from 'yaml';
import { loadGitHubAuth } from '../../gitops/github/auth.ts';
import { ContentPacer } from '../../gitops/github/content-pacer.ts';
import { SecretValue } from '../../gitops/github/secret.ts';
import { planCommentMarker } from '../../gitops/planner/types.ts';
import { startGitOpsProcess } from '../../gitops/webhooks/gitops-process.ts';
import { finished, startCluster, startController, waitForExperiment } from '../controller/manager/harness.ts';
import { logSink } from '../gitops/github/fixtures.ts';
import { examplePullRequest, sendWebhook } from '../gitops/webhooks/webhook-client.ts';
import { grantProcess } from '../support/chaoscraft-rbac.ts';
import { createGitRepository, runGit, startGitHttpServer } from '../support/git-http-server.ts';
import { kubeConfigFor } from '../support/kube-api-server/index.ts';
import { createGitHubAppCredentialsFor, playArgoCdSync, seedGitHub } from './gitops-loop-support.ts';

const secret = 'e2e-webhook-secret-value-0001';
const gitToken = 'ghp_e2eGitTokenNeverLogged0001';

function experimentYaml(duration: string): string {
  return `apiVersion: chaoscraft.io/v1alpha1
kind: ChaosExperiment
metadata:
  name: web-kill
  namespace: shop
spec:
  selector:
    labelSelector:
      matchLabels:
        app: web
  mode: one
  faults:
    - podKill:
        gracePeriodSeconds: 0
  duration: ${duration}
`;
}

async function until<T>(what: string, check: () => T | undefined, timeoutMs = 10_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    const value = check();
    if (value !== undefined) return value;
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
  throw new Error(`timed out waiting for ${what}`);
}

test('PR opened → plan; updated → same comment; merged and synced → pod killed → result on the PR', {
  timeout: 30_000,
}, async (t) => {
  const folder = await mkdtemp(join(tmpdir(), 'chaoscraft-e2e-gitops-'));
  const sink = logSink();
  const cleanups: Array<() => Promise<unknown>> = [];
  t.after(async () => {
    for (const cleanup of cleanups.reverse()) await cleanup().catch(() => undefined);
    await rm(folder, { recursive: true, force: true });
  });

  // Git: main with a README, feature adding the experiment; GitHub's refs/pull/N/head mirrors it.
  const gitRoot = join(folder, 'git');
  const repository = await createGitRepository({ root: gitRoot, name: 'chaos' });
  await repository.writeFiles({ files: { 'README.md': '# chaos\n' } });
  const baseSha = await repository.commit({ message: 'init' });
  await repository.createBranch({ name: 'feature' });
  await repository.checkout({ ref: 'feature' });
  await repository.writeFiles({ files: { 'experiments/web-kill.yaml': experimentYaml('1s') } });
  let headSha = await repository.commit({ message: 'add web-kill' });
  const git = await startGitHttpServer({ root: gitRoot, auth: { token: gitToken } });
  cleanups.push(() => git.close());

  const kube = await startCluster({ replicas: 3 });
  cleanups.push(() => kube.close());
  kube.create({ apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'argocd' } });

  const github = await seedGitHub({ baseSha, headSha });
  cleanups.push(() => github.server.close());
  const { pullNumber, fullName } = github;
  await runGit({ cwd: repository.dir, args: ['update-ref', `refs/pull/${pullNumber}/head`, headSha] });
  const app = await createGitHubAppCredentialsFor({ github, folder });
  const auth = await loadGitHubAuth(app);

  kube.resetRequestLog();
  await grantProcess(kube, 'gitops');
  const gitops = await startGitOpsProcess({
    auth,
    githubApiUrl: github.server.url,
    logger: sink.logger,
    repositories: [{ owner: 'acme', repo: 'chaos' }],
    webhook: { secret: new SecretValue(secret) },
    kubeConfig: kubeConfigFor(kube, { user: 'gitops' }),
    reportIntervalMs: 100,
    argocdNamespace: 'argocd',
    cacheDir: join(folder, 'cache'),
    gitToken: new SecretValue(gitToken),
    cloneUrlFor: () => `${git.url}/chaos`,
    coalesceWindowMs: 20,
    retryAfterBaseMs: 1,
    pacer: new ContentPacer({ minSpacingMs: 0 }),
  });
  cleanups.push(() => gitops.stop());

  const prPayload = (action: string) => {
    const payload = examplePullRequest();
    payload.action = action;
    payload.number = pullNumber;
    Object.assign(payload.pull_request, { number: pullNumber });
    payload.pull_request.head.sha = headSha;
    payload.pull_request.head.repo = { full_name: fullName };
    payload.pull_request.base.sha = baseSha;
    payload.pull_request.base.repo.full_name = fullName;
    payload.repository.full_name = fullName;
    return payload;
  };
  const planComments = () =>
    github.server.state
      .commentsOn({ repo: fullName, issueNumber: pullNumber })
      .filter((c) => c.body.startsWith(planCommentMarker));

  // 1. Opened → plan comment and check run.
  assert.equal(
    (
      await sendWebhook({
        url: gitops.webhook!.url,
        secret,
        event: 'pull_request',
        payload: prPayload('opened'),
      })
    ).status,
    202,
  );
  await gitops.idle();
  assert.equal(
    planComments().length,
    1,
    sink
      .text()
      .split('\n')
      .filter((l) => l.includes('"level":50'))
      .join('\n'),
  );
  assert.match(planComments()[0]!.body, /web-kill/);
  const { head, base } = prPayload('opened').pull_request;
  assert.match(
    planComments()[0]!.body,
    new RegExp(`\\(\`${head.ref}\`\\)`),
    'the head branch next to its SHA',
  );
  assert.match(
    planComments()[0]!.body,
    new RegExp(`merge base with \`${base.ref}\``),
    'the base branch next to its SHA',
  );
  const firstRuns = github.server.state.checkRunsFor({ repo: fullName, headSha });
  assert.equal(firstRuns.length, 1);
  assert.equal(firstRuns[0]!.name, 'chaoscraft/plan');
  assert.equal(firstRuns[0]!.status, 'completed');
  const readsOnly = Object.keys(kube.requestCounts()).every((key) =>
    /^(get|list|watch|discovery) /.test(key),
  );
  assert.ok(readsOnly, `the receiver only reads the cluster: ${JSON.stringify(kube.requestCounts())}`);

  // 2. Synchronize with a changed experiment → the same comment, updated.
  await repository.writeFiles({ files: { 'experiments/web-kill.yaml': experimentYaml('2s') } });
  headSha = await repository.commit({ message: 'longer' });
  await runGit({ cwd: repository.dir, args: ['update-ref', `refs/pull/${pullNumber}/head`, headSha] });
  github.server.state.findIssue({ repo: fullName, number: pullNumber })!.pull!.head.sha = headSha;
  const commentId = planComments()[0]!.id;
  await sendWebhook({
    url: gitops.webhook!.url,
    secret,
    event: 'pull_request',
    payload: prPayload('synchronize'),
  });
  await gitops.idle();
  assert.equal(planComments().length, 1);
  assert.equal(planComments()[0]!.id, commentId);
  assert.match(planComments()[0]!.body, new RegExp(headSha));
  assert.equal(github.server.state.checkRunsFor({ repo: fullName, headSha }).length, 1);
  assert.ok(Object.keys(kube.requestCounts()).every((key) => /^(get|list|watch|discovery) /.test(key)));

  // 3. Merge (squash) and play Argo CD: apply the manifest with its tracking id, record the revision.
  await repository.checkout({ ref: 'main' });
  await repository.writeFiles({ files: { 'experiments/web-kill.yaml': experimentYaml('2s') } });
  const mergeSha = await repository.commit({ message: 'Add web-kill (#1)' });
  github.server.state.mergePullRequest({ repo: fullName, number: pullNumber, mergeCommitSha: mergeSha });
  await sendWebhook({
    url: gitops.webhook!.url,
    secret,
    event: 'pull_request',
    payload: prPayload('closed'),
  });
  kube.create({
    apiVersion: 'argoproj.io/v1alpha1',
    kind: 'Application',
    metadata: { name: 'chaos', namespace: 'argocd' },
    spec: {
      project: 'default',
      source: { repoURL: 'https://github.com/acme/chaos.git', path: 'experiments' },
    },
  });
  playArgoCdSync({
    kube,
    application: 'chaos',
    revision: mergeSha,
    manifests: [parse(experimentYaml('2s')) as Record<string, unknown>],
  });

  // 4. The real controller runs the experiment. It is not told where Argo CD lives, so it records no
  //    revision: the reporter finds the sync that applied the experiment in the Application's history.
  const controller = await startController(kube);
  cleanups.push(() => controller.close());
  const done = await waitForExperiment(kube, 'web-kill', finished, 15_000);
  assert.equal((done.status as { report?: { verdict?: string } }).report?.verdict, 'Passed');

  // 5. The reporter posts the result on the PR that merged it.
  const result = await until('the result comment', () =>
    github.server.state
      .commentsOn({ repo: fullName, issueNumber: pullNumber })
      .find((comment) => comment.body.startsWith('<!-- chaoscraft:result shop/web-kill')),
  );
  assert.match(result.body, /✅ ChaosCraft result: `shop\/web-kill` — Passed/);
  assert.match(result.body, /\| Targets hit \| 1 \|/);
  assert.match(result.body, new RegExp(mergeSha.slice(0, 7)));
  assert.equal(planComments().length, 1, 'still one plan comment');

  assert.deepEqual(github.server.contractViolations, []);
  assert.deepEqual(kube.forbiddenRequests(), [], 'the chart allows all the controller and gitops do');
  for (const leak of [secret, gitToken, app.privateKeyText.split('\n')[1]!]) {
    assert.ok(!sink.text().includes(leak), 'a secret reached the log');
    for (const comment of github.server.state.comments) assert.ok(!comment.body.includes(leak));
  }
});
