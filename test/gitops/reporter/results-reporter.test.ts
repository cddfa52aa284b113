// The results reporter against both test servers: experiment → Argo CD tracking id → Application
// revision → merged PR → one result comment (idempotent across restarts); schedule runs → commit
// status and a tracking issue; the cluster is only ever read.
import assert from 'node:assert/strict';
import { after, afterEach, before, test } from 'node:test';
import { createKubeHttp, type KubeHttp } from '../../../controller/kube/kube-http.ts';
import { createGitHubClient, type GitHubClient } from '../../../gitops/github/client.ts';
import { ContentPacer } from '../../../gitops/github/content-pacer.ts';
import { SecretValue } from '../../../gitops/github/secret.ts';
import type { ExperimentObject } from '../../../gitops/reporter/experiment-view.ts';
import { renderResultComment } from '../../../gitops/reporter/result-comment.ts';
import { ResultsReporter, type ResultsReporterOptions } from '../../../gitops/reporter/results-reporter.ts';
import { parseGitHubRepositoryUrl, parseTrackingId } from '../../../gitops/reporter/revision.ts';
import { grantProcess } from '../../support/chaoscraft-rbac.ts';
import {
  type KubeApiServer,
  kubeConfigFor,
  startKubeApiServer,
} from '../../support/kube-api-server/index.ts';
import {
  installationToken,
  logSink,
  owner,
  repo,
  type SeededGitHub,
  sha,
  startSeededGitHub,
} from '../github/fixtures.ts';

let github: SeededGitHub;
let kube: KubeApiServer;
let http: KubeHttp;
let octokit: GitHubClient;
const fullName = `${owner}/${repo}`;

function finishedExperiment(options: {
  name: string;
  uid: string;
  tracking?: string;
  revision?: string;
  schedule?: string;
  verdict?: 'Passed' | 'Failed';
  probeMessage?: string;
  /** metadata.generation, and the generation the run observed (default 1). */
  generation?: number;
  /** When the object was created, i.e. when generation 1 of the spec was written. */
  createdAt?: string;
}): ExperimentObject {
  const passed = (options.verdict ?? 'Passed') === 'Passed';
  const generation = options.generation ?? 1;
  return {
    apiVersion: 'chaoscraft.io/v1alpha1',
    kind: 'ChaosExperiment',
    metadata: {
      name: options.name,
      namespace: 'shop',
      uid: options.uid,
      generation,
      ...(options.createdAt ? { creationTimestamp: options.createdAt } : {}),
      annotations: options.tracking ? { 'argocd.argoproj.io/tracking-id': options.tracking } : {},
      ...(options.schedule
        ? {
            ownerReferences: [
              {
                apiVersion: 'chaoscraft.io/v1alpha1',
                kind: 'ChaosSchedule',
                name: options.schedule,
                uid: 'sched-uid',
                controller: true,
              },
            ],
          }
        : {}),
    },
    spec: {
      selector: { labelSelector: { matchLabels: { app: 'web' } } },
      faults: [{ podKill: {} }],
      duration: '1s',
    },
    status: {
      observedGeneration: generation,
      startTime: '2024-05-01T10:00:00Z',
      completionTime: '2024-05-01T10:00:03Z',
      ...(options.revision ? { revision: options.revision } : {}),
      conditions: [
        {
          type: 'Succeeded',
          status: passed ? 'True' : 'False',
          reason: passed ? 'Completed' : 'HypothesisFailed',
          message: passed ? 'done' : 'web-up failed 3 times',
          lastTransitionTime: '2024-05-01T10:00:03Z',
          observedGeneration: generation,
        },
      ],
      targets: [
        {
          kind: 'Pod',
          namespace: 'shop',
          name: 'web-abc12',
          node: 'node-1',
          fault: 'podKill-0',
          faultKind: 'podKill',
          state: 'recovered',
          injectedAt: '2024-05-01T10:00:01Z',
          recoveredAt: '2024-05-01T10:00:02Z',
        },
      ],
      probes: [
        {
          name: 'web-up',
          phase: 'before',
          outcome: 'Passed',
          time: '2024-05-01T10:00:00Z',
          message: 'HTTP 200',
        },
        {
          name: 'web-up',
          phase: 'during',
          outcome: passed ? 'Passed' : 'Failed',
          time: '2024-05-01T10:00:01.500Z',
          message: options.probeMessage ?? 'HTTP 200',
        },
      ],
      report: {
        verdict: passed ? 'Passed' : 'Failed',
        targetsHit: 1,
        timeToInjectSeconds: 1,
        timeToRecoverSeconds: 0.5,
        summary: passed
          ? '1 target(s) hit and recovered in 3s; the hypothesis held'
          : 'the hypothesis did not hold',
      },
    },
  };
}

interface SyncRecord {
  revision: string;
  deployStartedAt: string;
  deployedAt: string;
}

/** An Application synced to `revision`, with Argo CD's sync history when given. */
function application(name: string, revision: string, history?: SyncRecord[]) {
  return {
    apiVersion: 'argoproj.io/v1alpha1',
    kind: 'Application',
    metadata: { name, namespace: 'argocd' },
    spec: {
      project: 'default',
      source: { repoURL: `https://github.com/${fullName}.git`, path: 'experiments', targetRevision: 'main' },
      destination: { server: 'https://kubernetes.default.svc', namespace: 'shop' },
    },
    status: {
      sync: { status: 'Synced', revision },
      ...(history ? { history: history.map((entry, id) => ({ id, ...entry })) } : {}),
    },
  };
}

function reporter(options: { trackingIssues?: boolean; logger?: ResultsReporterOptions['logger'] } = {}) {
  return new ResultsReporter({
    kube: http,
    octokit,
    coalesceWindowMs: 5,
    trackingIssues: options.trackingIssues,
    logger: options.logger,
    links: { htmlBaseUrl: 'https://github.com', argocdUrl: 'https://argocd.example' },
  });
}

before(async () => {
  github = await startSeededGitHub();
  kube = await startKubeApiServer({ crdDirectory: 'charts/chaoscraft/crds' });
  kube.create({ apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'argocd' } });
  kube.create({ apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'shop' } });
  await grantProcess(kube, 'gitops');
  http = createKubeHttp(kubeConfigFor(kube, { user: 'gitops' }));
  octokit = createGitHubClient({
    auth: { kind: 'token', token: new SecretValue(installationToken) },
    baseUrl: github.server.url,
    pacer: new ContentPacer({ minSpacingMs: 0 }),
    retryAfterBaseMs: 1,
  });
});

after(async () => {
  await github.server.close();
  await kube.close();
});

afterEach(() => {
  assert.deepEqual(github.server.contractViolations, []);
  const writes = Object.entries(kube.requestCounts()).filter(
    ([key]) => !/^(get|list|watch|discovery) /.test(key),
  );
  assert.deepEqual(writes, [], 'the reporter never writes to the cluster');
});

test('tracking id → Application revision → merged PR: one result comment, not repeated after a restart', async () => {
  const merge = sha('5');
  const pull = github.server.state.addPullRequest({
    repo: fullName,
    title: 'Add web-kill',
    head: { ref: 'web-kill', sha: sha('4') },
    base: { ref: 'main', sha: sha('b') },
  });
  github.server.state.mergePullRequest({ repo: fullName, number: pull.number, mergeCommitSha: merge });
  kube.seed([
    application('chaos', merge, [
      { revision: merge, deployStartedAt: '2024-05-01T09:59:57Z', deployedAt: '2024-05-01T09:59:59Z' },
    ]),
    finishedExperiment({
      name: 'web-kill',
      uid: 'uid-1',
      tracking: 'chaos:chaoscraft.io/ChaosExperiment:shop/web-kill',
      createdAt: '2024-05-01T09:59:58Z',
    }),
    { ...finishedExperiment({ name: 'still-running', uid: 'uid-2' }), status: { conditions: [] } },
  ] as unknown as Parameters<KubeApiServer['seed']>[0]);
  const first = reporter();
  assert.equal(await first.scanOnce(), 1);
  const outcome = [...first.outcomes.values()][0];
  assert.deepEqual(outcome, { kind: 'pull-request', pullNumber: pull.number, comment: 'created' });
  const comments = github.server.state.commentsOn({ repo: fullName, issueNumber: pull.number });
  assert.equal(comments.length, 1);
  const body = comments[0]!.body;
  assert.ok(body.startsWith('<!-- chaoscraft:result shop/web-kill uid=uid-1 generation=1 -->'));
  assert.match(body, /✅ ChaosCraft result: `shop\/web-kill` — Passed/);
  assert.match(body, /\| Targets hit \| 1 \|/);
  assert.match(body, /\| Time to recover \| 500ms \|/);
  assert.match(body, /shop\/web-abc12 \| node-1 \| podKill-0 \| recovered \| \+1s \| \+2s/);
  assert.match(body, /\| \+2s \| web-up \| during \| ✅ Passed \| HTTP 200 \|/);
  assert.match(body, new RegExp(`commit/${merge}\\)`));
  assert.match(
    body,
    /synced by Argo CD \[argocd\/chaos\]\(https:\/\/argocd\.example\/applications\/argocd\/chaos\)/,
  );

  // The same process sees it again: nothing to do. A restarted reporter finds the marker: no write.
  assert.equal(await first.scanOnce(), 0);
  const writes = github.server.contentCreatingRequests().length;
  const restarted = reporter();
  await restarted.scanOnce();
  assert.deepEqual(
    [...restarted.outcomes.values()],
    [{ kind: 'pull-request', pullNumber: pull.number, comment: 'unchanged' }],
  );
  assert.equal(github.server.contentCreatingRequests().length, writes);
  kube.delete({
    apiVersion: 'chaoscraft.io/v1alpha1',
    kind: 'ChaosExperiment',
    namespace: 'shop',
    name: 'web-kill',
  });
  kube.delete({
    apiVersion: 'chaoscraft.io/v1alpha1',
    kind: 'ChaosExperiment',
    namespace: 'shop',
    name: 'still-running',
  });
  kube.resetRequestLog();
});

test('status.revision wins; a failed run says why; credentials in probe output are scrubbed', async () => {
  const head = sha('6');
  const pull = github.server.state.addPullRequest({
    repo: fullName,
    title: 'Add db-kill',
    head: { ref: 'db-kill', sha: head },
    base: { ref: 'main', sha: sha('b') },
    commits: [sha('7')],
  });
  github.server.state.mergePullRequest({ repo: fullName, number: pull.number, mergeCommitSha: sha('8') });
  const experiment = finishedExperiment({
    name: 'db-kill',
    uid: 'uid-3',
    revision: sha('7'),
    verdict: 'Failed',
    probeMessage: 'got 401 with header authorization: Bearer ghp_leakedTokenFromAProbe123',
  });
  const local = new ResultsReporter({
    kube: http,
    octokit,
    coalesceWindowMs: 5,
    defaultRepository: { owner, repo },
  });
  const outcome = await local.report(experiment);
  assert.deepEqual(outcome, { kind: 'pull-request', pullNumber: pull.number, comment: 'created' });
  const body = github.server.state.commentsOn({ repo: fullName, issueNumber: pull.number })[0]!.body;
  assert.match(body, /❌ ChaosCraft result: `shop\/db-kill` — Failed/);
  assert.match(body, /\| Why \| web-up failed 3 times \|/);
  assert.ok(!body.includes('ghp_leakedTokenFromAProbe123'));
  assert.ok(!body.includes(installationToken));
});

test('no revision, or no merged PR: skipped with a reason and nothing written', async () => {
  const writes = github.server.contentCreatingRequests().length;
  const local = new ResultsReporter({
    kube: http,
    octokit,
    coalesceWindowMs: 5,
    defaultRepository: { owner, repo },
  });
  const none = await local.report(finishedExperiment({ name: 'a', uid: 'uid-4' }));
  assert.equal(none?.kind, 'skipped');
  const orphan = await local.report(finishedExperiment({ name: 'b', uid: 'uid-5', revision: sha('9') }));
  assert.deepEqual(orphan, { kind: 'skipped', reason: `no merged pull request for ${sha('9')}` });
  const copied = await local.report(
    finishedExperiment({
      name: 'c',
      uid: 'uid-6',
      tracking: 'chaos:chaoscraft.io/ChaosExperiment:shop/other',
    }),
  );
  assert.equal(copied?.kind, 'skipped', 'a tracking id naming another object is not trusted');
  assert.equal(github.server.contentCreatingRequests().length, writes);
});

test('schedule runs: commit status on the synced revision and one tracking issue, created once', async () => {
  const synced = sha('c');
  kube.seed([application('nightly', synced)]);
  const tracking = (name: string) => `nightly:chaoscraft.io/ChaosExperiment:shop/${name}`;
  const runs = [
    finishedExperiment({
      name: 'web-nightly-1',
      uid: 'uid-n1',
      tracking: tracking('web-nightly-1'),
      schedule: 'web-nightly',
    }),
    finishedExperiment({
      name: 'web-nightly-2',
      uid: 'uid-n2',
      tracking: tracking('web-nightly-2'),
      schedule: 'web-nightly',
      verdict: 'Failed',
    }),
  ];
  const plain = new ResultsReporter({ kube: http, octokit, coalesceWindowMs: 5 });
  const statusOnly = await plain.report(runs[0]!);
  assert.equal(statusOnly?.kind, 'schedule');
  const statuses = github.server.state.statusesFor({ repo: fullName, sha: synced });
  assert.equal(statuses.length, 1);
  assert.equal(statuses[0]!.context, 'chaoscraft/schedule/shop/web-nightly');
  assert.equal(statuses[0]!.state, 'success');

  const withIssues = reporter({ trackingIssues: true });
  const first = await withIssues.report(runs[0]!);
  const second = await withIssues.report(runs[1]!);
  assert.equal(
    first?.kind === 'schedule' && first.issueNumber,
    second?.kind === 'schedule' && second.issueNumber,
  );
  const issues = github.server.state.issues.filter(
    (issue) => issue.title === 'ChaosCraft schedule shop/web-nightly',
  );
  assert.equal(issues.length, 1);
  assert.deepEqual(issues[0]!.labels, ['chaoscraft']);
  assert.match(issues[0]!.body ?? '', /Latest run:\*\* `web-nightly-2` — Failed/);
  const issueComments = github.server.state.commentsOn({ repo: fullName, issueNumber: issues[0]!.number });
  assert.equal(issueComments.length, 2);
  assert.equal(github.server.state.statusesFor({ repo: fullName, sha: synced }).at(-1)!.state, 'failure');

  const writes = github.server.contentCreatingRequests().length;
  const restarted = reporter({ trackingIssues: true });
  for (const run of runs) await restarted.report(run);
  assert.equal(github.server.contentCreatingRequests().length, writes, 'a restart replays nothing');
});

function mergedPull(title: string, head: string, merge: string): number {
  const pull = github.server.state.addPullRequest({
    repo: fullName,
    title,
    head: { ref: title.toLowerCase().replaceAll(' ', '-'), sha: head },
    base: { ref: 'main', sha: sha('b') },
  });
  github.server.state.mergePullRequest({ repo: fullName, number: pull.number, mergeCommitSha: merge });
  return pull.number;
}

const resultsOn = (pullNumber: number) =>
  github.server.state
    .commentsOn({ repo: fullName, issueNumber: pullNumber })
    .filter((comment) => comment.body.startsWith('<!-- chaoscraft:result '));

test('no status.revision and a later merge synced since: the result goes to the PR whose sync applied the spec', async () => {
  const first = sha('d');
  const second = sha('e');
  const pullA = mergedPull('Add api kill', sha('2'), first);
  const pullB = mergedPull('Add cache kill', sha('3'), second);
  // Argo CD synced the first merge (creating api-kill), then the second; it now shows the second.
  kube.seed([
    application('two-merges', second, [
      { revision: first, deployStartedAt: '2024-05-01T09:59:57Z', deployedAt: '2024-05-01T09:59:59Z' },
      { revision: second, deployStartedAt: '2024-05-01T10:00:01Z', deployedAt: '2024-05-01T10:00:02Z' },
    ]),
  ]);
  const outcome = await reporter().report(
    finishedExperiment({
      name: 'api-kill',
      uid: 'uid-7',
      tracking: 'two-merges:chaoscraft.io/ChaosExperiment:shop/api-kill',
      createdAt: '2024-05-01T09:59:58Z',
    }),
  );
  assert.deepEqual(outcome, { kind: 'pull-request', pullNumber: pullA, comment: 'created' });
  assert.equal(resultsOn(pullA).length, 1);
  assert.match(resultsOn(pullA)[0]!.body, new RegExp(`commit/${first}\\)`));
  assert.equal(resultsOn(pullB).length, 0, 'the later merge gets nothing');
});

test('no status.revision and the history cannot tell: the current revision only if no sync came after the run started', async () => {
  const settled = sha('f');
  const pull = mergedPull('Tune web kill', sha('0'), settled);
  // Generation 2 with no managedFields: when this spec was written is unknown.
  const experiment = (name: string, uid: string, app: string) =>
    finishedExperiment({
      name,
      uid,
      generation: 2,
      tracking: `${app}:chaoscraft.io/ChaosExperiment:shop/${name}`,
    });
  kube.seed([
    // Its last sync started before the run (10:00:00): what it shows now, it showed then.
    application('quiet', settled, [
      { revision: settled, deployStartedAt: '2024-05-01T09:59:50Z', deployedAt: '2024-05-01T09:59:52Z' },
    ]),
    // It synced again after the run started: what it shows now may be a later merge.
    application('busy', settled, [
      { revision: settled, deployStartedAt: '2024-05-01T10:00:02Z', deployedAt: '2024-05-01T10:00:04Z' },
    ]),
    // No history at all: when it last synced is unknown.
    application('bare', settled),
  ]);
  const sink = logSink();
  const local = reporter({ logger: sink.logger });
  const quiet = await local.report(experiment('quiet-kill', 'uid-8', 'quiet'));
  assert.deepEqual(quiet, { kind: 'pull-request', pullNumber: pull, comment: 'created' });
  const writes = github.server.contentCreatingRequests().length;
  for (const [name, app] of [
    ['busy-kill', 'busy'],
    ['bare-kill', 'bare'],
  ] as const) {
    const outcome = await local.report(experiment(name, `uid-${name}`, app));
    assert.equal(outcome?.kind, 'skipped', name);
    assert.match(
      outcome?.kind === 'skipped' ? outcome.reason : '',
      /not reporting rather than risking the wrong pull request/,
    );
  }
  assert.equal(github.server.contentCreatingRequests().length, writes, 'nothing written for them');
  const warnings = sink.lines.filter((line) => line.includes('result not reported'));
  assert.equal(warnings.length, 2);
  assert.match(warnings[0]!, /argocd\/busy synced again at 2024-05-01T10:00:02.000Z, after the run started/);
  assert.match(warnings[1]!, /argocd\/bare does not record when it last synced/);
});

test('tracking ids and repository URLs', () => {
  assert.deepEqual(parseTrackingId('chaos:chaoscraft.io/ChaosExperiment:shop/web-kill'), {
    application: 'chaos',
    group: 'chaoscraft.io',
    kind: 'ChaosExperiment',
    namespace: 'shop',
    name: 'web-kill',
  });
  assert.equal(
    parseTrackingId('team-a_chaos:chaoscraft.io/ChaosExperiment:shop/x')?.applicationNamespace,
    'team-a',
  );
  assert.equal(parseTrackingId('not a tracking id'), undefined);
  for (const url of [
    'https://github.com/acme/chaos.git',
    'https://github.com/acme/chaos',
    'git@github.com:acme/chaos.git',
  ]) {
    assert.deepEqual(parseGitHubRepositoryUrl(url), { owner: 'acme', repo: 'chaos' }, url);
  }
  assert.equal(parseGitHubRepositoryUrl('https://gitlab.com/group/sub/repo'), undefined);
  const body = renderResultComment({ experiment: finishedExperiment({ name: 'x|y', uid: 'u' }) });
  assert.ok(body.startsWith('<!-- chaoscraft:result shop/x|y uid=u generation=1 -->'));
});
