// Results on the right PR after back-to-back merges. Two PRs each add an experiment; Argo CD (played
// by the test, history and all) syncs the first merge, then the second, so the Application now shows
// the second. The controller only starts after both syncs, and the reporter is restarted between the
// merges: each run must still record the commit its spec came from (status.revision, from the sync
// history) and its result must land on its own PR, none on the other.
import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { parse } from 'yaml';
import { loadGitHubAuth } from '../../gitops/github/auth.ts';
import { ContentPacer } from '../../gitops/github/content-pacer.ts';
import { startGitOpsProcess } from '../../gitops/webhooks/gitops-process.ts';
import { finished, startCluster, startController, waitForExperiment } from '../controller/manager/harness.ts';
import { logSink } from '../gitops/github/fixtures.ts';
import { grantProcess } from '../support/chaoscraft-rbac.ts';
import { createGitRepository, runGit } from '../support/git-http-server.ts';
import { kubeConfigFor } from '../support/kube-api-server/index.ts';
import { waitFor } from '../support/wait.ts';
import { createGitHubAppCredentialsFor, playArgoCdSync, seedGitHub } from './gitops-loop-support.ts';

function experimentYaml(name: string): string {
  return `apiVersion: chaoscraft.io/v1alpha1
kind: ChaosExperiment
metadata:
  name: ${name}
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
  duration: 1s
`;
}

/** Every manifest under experiments/ at a commit, as Argo CD renders a plain directory. */
async function manifestsAt(dir: string, revision: string): Promise<Record<string, unknown>[]> {
  const listing = await runGit({ cwd: dir, args: ['ls-tree', '--name-only', revision, 'experiments/'] });
  const manifests: Record<string, unknown>[] = [];
  for (const path of listing.split('\n').filter(Boolean)) {
    const shown = await runGit({ cwd: dir, args: ['show', `${revision}:${path}`] });
    manifests.push(parse(shown) as Record<string, unknown>);
  }
  return manifests;
}

/** Until the wall clock is two whole seconds past `time`: the next sync is then told apart from it. */
async function pastSecondsOf(time: string): Promise<void> {
  const wait = Date.parse(time) + 2_050 - Date.now();
  if (wait > 0) await new Promise((resolve) => setTimeout(resolve, wait));
}

test('two PRs merged back to back, the reporter restarted between them: each result on its own PR', {
  timeout: 40_000,
}, async (t) => {
  const folder = await mkdtemp(join(tmpdir(), 'chaoscraft-e2e-two-merges-'));
  const sink = logSink();
  const cleanups: Array<() => Promise<unknown>> = [];
  t.after(async () => {
    for (const cleanup of cleanups.reverse()) await cleanup().catch(() => undefined);
    await rm(folder, { recursive: true, force: true });
  });

  // Git: main, and two branches each adding one experiment.
  const repository = await createGitRepository({ root: join(folder, 'git'), name: 'chaos' });
  await repository.writeFiles({ files: { 'README.md': '# chaos\n' } });
  const baseSha = await repository.commit({ message: 'init' });
  await repository.createBranch({ name: 'api' });
  await repository.checkout({ ref: 'api' });
  await repository.writeFiles({ files: { 'experiments/api-kill.yaml': experimentYaml('api-kill') } });
  const headA = await repository.commit({ message: 'add api-kill' });
  await repository.checkout({ ref: 'main' });
  await repository.createBranch({ name: 'cache' });
  await repository.checkout({ ref: 'cache' });
  await repository.writeFiles({ files: { 'experiments/cache-kill.yaml': experimentYaml('cache-kill') } });
  const headB = await repository.commit({ message: 'add cache-kill' });

  const github = await seedGitHub({ baseSha, headSha: headA });
  cleanups.push(() => github.server.close());
  const { fullName } = github;
  const pullA = github.pullNumber;
  const pullB = github.server.state.addPullRequest({
    repo: fullName,
    title: 'Add cache-kill',
    head: { ref: 'cache', sha: headB },
    base: { ref: 'main', sha: baseSha },
  }).number;
  const app = await createGitHubAppCredentialsFor({ github, folder });
  const auth = await loadGitHubAuth(app);

  const kube = await startCluster({ replicas: 3 });
  cleanups.push(() => kube.close());
  kube.create({ apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'argocd' } });
  kube.create({
    apiVersion: 'argoproj.io/v1alpha1',
    kind: 'Application',
    metadata: { name: 'chaos', namespace: 'argocd' },
    spec: {
      project: 'default',
      source: { repoURL: 'https://github.com/acme/chaos.git', path: 'experiments', targetRevision: 'main' },
      destination: { server: 'https://kubernetes.default.svc', namespace: 'shop' },
    },
  });

  await grantProcess(kube, 'gitops');
  const startReporter = () =>
    startGitOpsProcess({
      auth,
      githubApiUrl: github.server.url,
      logger: sink.logger,
      repositories: [{ owner: 'acme', repo: 'chaos' }],
      kubeConfig: kubeConfigFor(kube, { user: 'gitops' }),
      reportIntervalMs: 100,
      argocdNamespace: 'argocd',
      cacheDir: join(folder, 'cache'),
      coalesceWindowMs: 20,
      retryAfterBaseMs: 1,
      pacer: new ContentPacer({ minSpacingMs: 0 }),
    });
  const first = await startReporter();
  // Stopped on purpose below; also here, so a failure before that leaves nothing polling.
  cleanups.push(() => first.stop());

  // 1. PR A merges (squash) and Argo CD syncs it: api-kill appears.
  await repository.checkout({ ref: 'main' });
  await repository.writeFiles({ files: { 'experiments/api-kill.yaml': experimentYaml('api-kill') } });
  const mergeA = await repository.commit({ message: 'Add api-kill (#1)' });
  github.server.state.mergePullRequest({ repo: fullName, number: pullA, mergeCommitSha: mergeA });
  const syncA = playArgoCdSync({
    kube,
    application: 'chaos',
    revision: mergeA,
    manifests: await manifestsAt(repository.dir, mergeA),
  });

  // 2. The reporter goes down; PR B merges right after and is synced on its own: cache-kill appears,
  //    api-kill is unchanged, and the Application now shows merge B.
  await first.stop();
  await repository.writeFiles({ files: { 'experiments/cache-kill.yaml': experimentYaml('cache-kill') } });
  const mergeB = await repository.commit({ message: 'Add cache-kill (#2)' });
  github.server.state.mergePullRequest({ repo: fullName, number: pullB, mergeCommitSha: mergeB });
  await pastSecondsOf(syncA.finishedAt);
  playArgoCdSync({
    kube,
    application: 'chaos',
    revision: mergeB,
    manifests: await manifestsAt(repository.dir, mergeB),
  });
  const application = kube.get({
    apiVersion: 'argoproj.io/v1alpha1',
    kind: 'Application',
    namespace: 'argocd',
    name: 'chaos',
  }) as { status: { sync: { revision: string }; history: unknown[] } };
  assert.equal(application.status.sync.revision, mergeB);
  assert.equal(application.status.history.length, 2);

  // 3. The controller starts only now, after both syncs: each run records the commit of its own sync.
  const controller = await startController(kube, { argocdNamespace: 'argocd' });
  cleanups.push(() => controller.close());
  const doneA = await waitForExperiment(kube, 'api-kill', finished, 15_000);
  const doneB = await waitForExperiment(kube, 'cache-kill', finished, 15_000);
  assert.equal(doneA.status?.revision, mergeA, 'api-kill came from merge A, though the Application shows B');
  assert.equal(doneB.status?.revision, mergeB);

  // 4. The restarted reporter posts each result on its own PR, and nothing on the other.
  const second = await startReporter();
  cleanups.push(() => second.stop());
  const resultsOn = (pullNumber: number) =>
    github.server.state
      .commentsOn({ repo: fullName, issueNumber: pullNumber })
      .filter((comment) => comment.body.startsWith('<!-- chaoscraft:result '));
  await waitFor({
    condition: () => (resultsOn(pullA).length > 0 && resultsOn(pullB).length > 0 ? true : undefined),
    timeoutMs: 10_000,
    what: 'a result comment on each PR',
  });
  await second.stop();
  assert.deepEqual(
    resultsOn(pullA).map((comment) => comment.body.split('\n')[0]!.split(' uid=')[0]),
    ['<!-- chaoscraft:result shop/api-kill'],
  );
  assert.deepEqual(
    resultsOn(pullB).map((comment) => comment.body.split('\n')[0]!.split(' uid=')[0]),
    ['<!-- chaoscraft:result shop/cache-kill'],
  );
  assert.match(resultsOn(pullA)[0]!.body, new RegExp(`\\| Revision \\| \`${mergeA.slice(0, 7)}\``));
  assert.match(resultsOn(pullB)[0]!.body, new RegExp(`\\| Revision \\| \`${mergeB.slice(0, 7)}\``));

  assert.deepEqual(github.server.contractViolations, []);
  assert.ok(!sink.text().includes(app.privateKeyText.split('\n')[1]!), 'the private key reached the log');
});
