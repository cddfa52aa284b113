// The PR planner end to end: a real git repository (native git, read by isomorphic-git), the
// Kubernetes API test server with a workload, an opted-in namespace and a ChaosPolicy, and
// every kind of change a PR can make. The valid plan's Markdown is snapshot-tested.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { kubeClusterReader } from '../../../gitops/planner/kube-cluster-reader.ts';
import { planPullRequest } from '../../../gitops/planner/plan-pull-request.ts';
import { planCommentMarker } from '../../../gitops/planner/types.ts';
import { openRepository } from '../../../gitops/repository/open-repository.ts';
import type { GitRepository } from '../../../gitops/repository/types.ts';
import { grantProcess } from '../../support/chaoscraft-rbac.ts';
import { createGitRepository, type TestGitRepository } from '../../support/git-http-server.ts';
import {
  type KubeApiServer,
  kubeConfigFor,
  makeWorkload,
  startKubeApiServer,
} from '../../support/kube-api-server/index.ts';
import { invalidYaml, latencyYaml, podKillYaml, policyYaml, scheduleYaml } from './manifests.ts';

const GIT_MISSING = spawnSync('git', ['--version']).status === 0 ? false : 'native git is not installed';
const NOW = new Date('2024-05-06T09:00:00Z'); // a Monday, 11:00 in Berlin
const snapshotDir = join(import.meta.dirname, 'snapshots');

let workspace: string;
let repo: TestGitRepository;
let server: KubeApiServer;
let repository: GitRepository;

/** A branch off main with these files written and removed, committed. */
async function branch(name: string, files: Record<string, string>, remove: string[] = []): Promise<string> {
  await repo.checkout({ ref: 'main' });
  await repo.createBranch({ name });
  await repo.checkout({ ref: name });
  await repo.writeFiles({ files });
  if (remove.length) await repo.removeFiles({ paths: remove });
  const sha = await repo.commit({ message: name });
  await repo.checkout({ ref: 'main' });
  return sha;
}

function plan(head: string) {
  return planPullRequest({
    repository,
    base: 'main',
    head,
    cluster: kubeClusterReader({ kubeConfig: kubeConfigFor(server, { user: 'gitops' }) }),
    now: NOW,
  });
}

/** Compares with the stored snapshot; UPDATE_SNAPSHOTS=1 rewrites it. */
async function matchesSnapshot(name: string, actual: string): Promise<void> {
  const path = join(snapshotDir, name);
  if (process.env.UPDATE_SNAPSHOTS === '1') {
    await mkdir(dirname(path), { recursive: true });
    await writeFile(path, actual);
  }
  assert.equal(actual, await readFile(path, 'utf8'), `snapshot ${name} (UPDATE_SNAPSHOTS=1 to accept)`);
}

describe('planPullRequest against a repository and the Kubernetes API test server', {
  skip: GIT_MISSING,
}, () => {
  before(async () => {
    workspace = await mkdtemp(join(tmpdir(), 'chaoscraft-plan-'));
    repo = await createGitRepository({ root: workspace, name: 'chaos' });
    await repo.writeFiles({
      files: { 'policies/default.yaml': policyYaml(), 'experiments/latency.yaml': latencyYaml },
    });
    await repo.commit({ message: 'policy and latency experiment' });
    server = await startKubeApiServer({ crdDirectory: 'charts/chaoscraft/crds' });
    await grantProcess(server, 'gitops');
    server.seed([
      {
        apiVersion: 'v1',
        kind: 'Namespace',
        metadata: { name: 'shop', labels: { 'chaoscraft.io/allow': 'true' } },
      },
      { apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'media' } },
      ...makeWorkload({ name: 'checkout', namespace: 'shop', replicas: 4, nodeNames: ['node-a', 'node-b'] })
        .objects,
      {
        apiVersion: 'chaoscraft.io/v1alpha1',
        kind: 'ChaosPolicy',
        metadata: { name: 'default' },
        spec: {
          namespaces: { allow: ['shop', 'media'] },
          deniedFaults: ['containerKill'],
          maxTargetsPercent: 50,
        },
      },
    ]);
    repository = await openRepository({ dir: repo.dir });
  });

  after(async () => {
    await server?.close();
    if (workspace) await rm(workspace, { recursive: true, force: true });
  });

  test('a valid experiment: live targets, blast radius, guardrails, probes (snapshot)', async () => {
    const headSha = await branch('valid', { 'experiments/pod-kill.yaml': podKillYaml() });
    server.resetRequestLog();
    const result = await plan('valid');
    assert.equal(result.valid, true);
    assert.equal(result.headSha, headSha);
    assert.equal(result.baseSha, await repository.resolve('main'));
    assert.equal(result.summary, '1 experiment: 1 would run');
    assert.ok(result.markdown.startsWith(`${planCommentMarker}\n`));
    const pods = server.list({ apiVersion: 'v1', kind: 'Pod', namespace: 'shop' });
    const shown = pods.filter((p) =>
      result.markdown.includes(`shop/${(p.metadata as { name: string }).name}`),
    );
    assert.equal(shown.length, 1, 'mode one shows exactly one of the live pods');
    assert.match(result.markdown, /1 of 4 matching pods/);
    assert.match(result.markdown, /\| `shop\/ReplicaSet\/checkout-5d9c7b8f4` \| 1 \| 4 \| 25% \|/);
    assert.match(result.markdown, /GET http:\/\/checkout\.shop\.svc:8080\/healthz → 200/);
    assert.ok(!result.markdown.includes('probe-secret-value'), 'no probe query string');
    assert.ok(!result.markdown.includes('probe-header-secret'), 'no probe headers');
    assert.deepEqual(
      result.annotations.filter((a) => a.level === 'failure'),
      [],
    );
    // Read-only: the planner only ever GETs.
    const verbs = new Set(server.requestLog.map((r) => r.method));
    assert.deepEqual([...verbs], ['GET']);
    await matchesSnapshot('valid-plan.md', result.markdown);
    // Same inputs, same comment: nothing churns between updates.
    assert.equal((await plan('valid')).markdown, result.markdown);
  });

  test('an invalid manifest: a failure annotation on its line, plan invalid', async () => {
    await branch('invalid', { 'experiments/broken.yaml': invalidYaml });
    const result = await plan('invalid');
    assert.equal(result.valid, false);
    assert.equal(result.summary, '1 experiment: 1 invalid');
    const annotation = result.annotations.find((a) => a.path === 'experiments/broken.yaml');
    assert.ok(annotation, 'an annotation on the broken file');
    assert.equal(annotation.level, 'failure');
    assert.equal(annotation.startLine, 14);
    assert.match(annotation.message, /spec\.duration/);
    assert.match(
      result.markdown,
      /broken\.yaml:14\]\(\.\.\/blob\/[0-9a-f]{40}\/experiments\/broken\.yaml#L14\)/,
    );
    assert.match(result.markdown, /❌ \*\*Blocked\*\*/);
  });

  test('denied by policy: the plan cites the guardrail and the policy', async () => {
    await branch('denied', {
      'experiments/failure.yaml': podKillYaml({ name: 'checkout-failure', fault: 'containerKill: {}' }),
      'experiments/media.yaml': podKillYaml({ name: 'media-kill', namespace: 'media' }),
    });
    const result = await plan('denied');
    assert.equal(result.valid, false);
    assert.equal(result.summary, '2 experiments: 2 denied by policy');
    const failures = result.annotations.filter((a) => a.level === 'failure');
    const byTitle = new Map(failures.map((a) => [a.title, a]));
    assert.match(
      byTitle.get('chaoscraft policy: fault-kinds')!.message,
      /ChaosPolicy default denies containerKill/,
    );
    assert.equal(byTitle.get('chaoscraft policy: fault-kinds')!.path, 'experiments/failure.yaml');
    assert.match(byTitle.get('chaoscraft policy: namespace-opt-in')!.message, /media has not opted in/);
    assert.match(
      result.markdown,
      /\| `fault-kinds` \| ❌ denied \| ChaosPolicy default denies containerKill \|/,
    );
  });

  test('a mode that hits too much of a workload is denied by max-targets-percent', async () => {
    await branch('too-wide', { 'experiments/all.yaml': podKillYaml({ name: 'all-pods', mode: 'all' }) });
    const result = await plan('too-wide');
    assert.equal(result.valid, false);
    assert.match(result.markdown, /4 of 4 matching pods/);
    assert.match(result.markdown, /`max-targets-percent` \| ❌ denied \| hits 4 of 4 pods \(100%\)/);
  });

  test('a schedule: the next three fire times in its time zone, and the template plan', async () => {
    await branch('schedule', { 'schedules/weekday.yaml': scheduleYaml });
    const result = await plan('schedule');
    assert.equal(result.valid, true);
    assert.equal(result.summary, '1 schedule: 1 would run');
    // 09:00 UTC on Monday is 11:00 in Berlin: Monday's 10:00 has passed, so Tuesday comes first.
    assert.match(result.markdown, /Tue 2024-05-07 10:00 Europe\/Berlin \| 2024-05-07 08:00 UTC/);
    assert.match(result.markdown, /Wed 2024-05-08 10:00 Europe\/Berlin \| 2024-05-08 08:00 UTC/);
    assert.match(result.markdown, /Thu 2024-05-09 10:00 Europe\/Berlin \| 2024-05-09 08:00 UTC/);
    assert.match(result.markdown, /1 of 4 matching pods/);
  });

  test('a removed experiment will stop', async () => {
    await branch('removal', {}, ['experiments/latency.yaml']);
    const result = await plan('removal');
    assert.equal(result.valid, true);
    assert.equal(result.summary, '1 experiment will stop');
    assert.match(result.markdown, /ChaosExperiment <code>shop\/old-latency<\/code> · 🛑 will stop/);
    assert.match(result.markdown, /controller recovers every fault/);
    assert.deepEqual(result.annotations, [], 'nothing to annotate in a file that is gone');
  });

  test("a PR that changes the policy is planned with the PR's policy", async () => {
    await branch('policy-change', {
      'policies/default.yaml': policyYaml().replace('[containerKill]', '[containerKill, podKill]'),
      'experiments/pod-kill.yaml': podKillYaml(),
    });
    const result = await plan('policy-change');
    assert.equal(result.valid, false);
    assert.equal(result.summary, '1 experiment: 1 denied by policy; 1 policy changed');
    assert.match(result.markdown, /ChaosPolicy default denies podKill/);
    assert.match(
      result.markdown,
      /\| `spec.deniedFaults` \| `\["containerKill"\]` \| `\["containerKill","podKill"\]` \|/,
    );
    const notice = result.annotations.find((a) => a.level === 'notice');
    assert.equal(notice?.path, 'policies/default.yaml');
  });

  test('a PR that relaxes the policy lets an experiment the cluster policy denies run', async () => {
    await branch('policy-relax', {
      'policies/default.yaml': policyYaml().replace('deniedFaults: [containerKill]', 'deniedFaults: []'),
      'experiments/failure.yaml': podKillYaml({ name: 'checkout-failure', fault: 'containerKill: {}' }),
    });
    const result = await plan('policy-relax');
    assert.equal(result.valid, true, result.summary);
    assert.equal(result.summary, '1 experiment: 1 would run; 1 policy loosens guardrails (review)');
  });

  test('changes on the base branch after the fork are not part of the plan (three-dot diff)', async () => {
    await branch('fork', { 'experiments/pod-kill.yaml': podKillYaml() });
    await repo.checkout({ ref: 'main' });
    await repo.writeFiles({ files: { 'experiments/main-only.yaml': podKillYaml({ name: 'main-only' }) } });
    await repo.commit({ message: 'main moves on' });
    const result = await plan('fork');
    assert.ok(!result.markdown.includes('main-only'));
    assert.equal(result.summary, '1 experiment: 1 would run');
  });
});
