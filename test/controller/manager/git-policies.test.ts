// The kill switch from Git: the real controller against the Kubernetes API test server, with
// ChaosPolicies also read from a real smart-HTTP Git server (git http-backend) with a token.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import {
  createGitRepository,
  type GitHttpServer,
  startGitHttpServer,
  type TestGitRepository,
} from '../../support/git-http-server.ts';
import type { KubeApiServer } from '../../support/kube-api-server/index.ts';
import { waitFor } from '../../support/wait.ts';
import {
  condition,
  experiment,
  finished,
  getExperiment,
  startCluster,
  startController,
  waitForExperiment,
} from './harness.ts';

const GIT_MISSING = spawnSync('git', ['--version']).status === 0 ? false : 'native git is not installed';
const TOKEN = 'ghs_killSwitchToken_0a9b8c7d';

const policy = (name: string, spec: string) =>
  `apiVersion: chaoscraft.io/v1alpha1\nkind: ChaosPolicy\nmetadata:\n  name: ${name}\nspec:\n${spec}`;

async function gauge(
  controller: Awaited<ReturnType<typeof startController>>,
  name: string,
): Promise<number | undefined> {
  const metric = (await controller.manager.metrics.registry.getMetricsAsJSON()).find((m) => m.name === name);
  return metric?.values.find((v) => v.labels.source === 'git')?.value as number | undefined;
}

const clusterPolicies = (server: KubeApiServer) =>
  server.list({ apiVersion: 'chaoscraft.io/v1alpha1', kind: 'ChaosPolicy' });

let workspace: string;
let repo: TestGitRepository;
let git: GitHttpServer;
let server: KubeApiServer;
let controller: Awaited<ReturnType<typeof startController>>;

describe('ChaosPolicies from Git', { skip: GIT_MISSING }, () => {
  before(async () => {
    workspace = await mkdtemp(join(tmpdir(), 'chaoscraft-git-kill-switch-'));
    repo = await createGitRepository({ root: join(workspace, 'served'), name: 'guardrails' });
    await repo.writeFiles({ files: { 'policies/none.yaml': '# no Git policy yet\n' } });
    await repo.commit({ message: 'empty policy folder' });
    git = await startGitHttpServer({ root: join(workspace, 'served'), auth: { token: TOKEN } });
    server = await startCluster({ replicas: 3 });
    controller = await startController(server, {
      policyRepository: {
        url: `${git.url}/guardrails`,
        path: 'policies',
        pollIntervalMs: 200,
        token: async () => TOKEN,
        workDir: workspace,
      },
    });
  });
  after(async () => {
    await controller?.close();
    await server?.close();
    await git?.close();
    if (workspace) await rm(workspace, { recursive: true, force: true });
  });

  test('suspend: true committed to Git aborts a running experiment; no cluster policy changed', async () => {
    server.create(experiment('long-run', { mode: 'one', duration: '60s' }));
    await waitForExperiment(server, 'long-run', (o) => condition(o, 'Succeeded')?.reason === 'Running');

    await repo.writeFiles({
      files: { 'policies/kill-switch.yaml': policy('kill-switch', '  suspend: true\n') },
    });
    await repo.commit({ message: 'Emergency: suspend all chaos' });
    // Far sooner than the run's own end (60 s): the Git change itself wakes the experiment.
    const done = await waitForExperiment(server, 'long-run', finished, 10_000);
    const succeeded = condition(done, 'Succeeded');
    assert.equal(succeeded?.status, 'False', JSON.stringify(done.status));
    assert.equal(succeeded?.reason, 'Aborted');
    assert.match(succeeded?.message ?? '', /git:kill-switch/);
    const targets = (done.status?.targets ?? []) as { state: string }[];
    assert.ok(targets.length > 0);
    assert.ok(
      targets.every((t) => t.state !== 'injected'),
      `nothing left injected: ${JSON.stringify(targets)}`,
    );
    assert.deepEqual(clusterPolicies(server), [], 'the cluster has no ChaosPolicy at all');
    assert.deepEqual(controller.manager.caches.policySourceProblems(), []);

    await repo.removeFiles({ paths: ['policies/kill-switch.yaml'] });
    await repo.commit({ message: 'Lift the suspension' });
    await waitFor({
      condition: () => controller.manager.caches.policies().length === 0,
      what: 'the lifted suspension to be read',
    });
  });

  test('an invalid Git commit does not loosen the policies in force', async () => {
    await repo.writeFiles({
      files: { 'policies/no-pod-kill.yaml': policy('no-pod-kill', '  deniedFaults: [podKill]\n') },
    });
    await repo.commit({ message: 'No pod kills' });
    await waitFor({
      condition: () => controller.manager.caches.policies().some((p) => p.name === 'git:no-pod-kill'),
      what: 'git:no-pod-kill to be in force',
    });

    // Removes the restriction and breaks another file in the same commit.
    await repo.removeFiles({ paths: ['policies/no-pod-kill.yaml'] });
    await repo.writeFiles({ files: { 'policies/typo.yaml': policy('typo', '  maxTargetsPercent: lots\n') } });
    const broken = await repo.commit({ message: 'Broken policy change' });
    await waitFor({
      condition: () =>
        controller.manager.caches.policySourceProblems().some((p) => p.includes(broken.slice(0, 12))),
      what: 'the broken commit to be refused',
    });
    assert.equal(await gauge(controller, 'chaoscraft_policy_source_refused'), 1);

    server.create(experiment('after-broken-commit', { mode: 'one' }));
    const done = await waitForExperiment(server, 'after-broken-commit', finished);
    assert.equal(condition(done, 'Succeeded')?.reason, 'PolicyDenied', JSON.stringify(done.status));
    assert.match(condition(done, 'Succeeded')?.message ?? '', /git:no-pod-kill denies podKill/);
    const [problem] = controller.manager.caches.policySourceProblems();
    assert.match(problem!, /typo\.yaml:6: spec\.maxTargetsPercent/);
    assert.match(problem!, /the 1 policy of commit [0-9a-f]{12} .*stay in force/);
  });

  test('Git unreachable: cluster and last Git policies apply, up is 0, problems say why, no token anywhere', async () => {
    const otherRoot = join(workspace, 'other');
    const other = await createGitRepository({ root: otherRoot, name: 'guardrails' });
    await other.writeFiles({
      files: { 'policies/no-pod-kill.yaml': policy('no-pod-kill', '  deniedFaults: [podKill]\n') },
    });
    await other.commit({ message: 'No pod kills' });
    const otherGit = await startGitHttpServer({ root: otherRoot, auth: { token: TOKEN } });
    const cluster = await startCluster({ replicas: 2 });
    cluster.create({
      apiVersion: 'chaoscraft.io/v1alpha1',
      kind: 'ChaosPolicy',
      metadata: { name: 'cluster-guard' },
      spec: { namespaces: { deny: ['shop'] } },
    });
    const second = await startController(cluster, {
      policyRepository: {
        url: `${otherGit.url}/guardrails`,
        path: 'policies',
        pollIntervalMs: 200,
        token: async () => TOKEN,
        workDir: workspace,
      },
    });
    try {
      assert.equal(await gauge(second, 'chaoscraft_policy_source_up'), 1);
      await otherGit.close();
      await waitFor({
        condition: async () => (await gauge(second, 'chaoscraft_policy_source_up')) === 0,
        what: 'the outage to show in the metric',
      });
      const [problem, ...rest] = second.manager.caches.policySourceProblems();
      assert.deepEqual(rest, []);
      assert.match(
        problem!,
        new RegExp(
          `^Git policy source ${otherGit.url}/guardrails \\(branch main\\) unreachable since \\S+Z: `,
        ),
      );
      assert.match(problem!, /the 1 policy of commit [0-9a-f]{12} .*stay in force/);

      cluster.create(experiment('during-outage', { mode: 'one' }));
      const done = await waitForExperiment(cluster, 'during-outage', finished);
      const message = condition(done, 'Succeeded')?.message ?? '';
      assert.equal(condition(done, 'Succeeded')?.reason, 'PolicyDenied', JSON.stringify(done.status));
      assert.match(message, /ChaosPolicy cluster-guard denies namespace shop/, 'the cluster policy applies');
      assert.match(message, /git:no-pod-kill denies podKill/, 'the last Git set applies');

      const everything = [
        ...second.logs,
        ...second.manager.caches.policySourceProblems(),
        JSON.stringify(getExperiment(cluster, 'during-outage')),
        await second.manager.metrics.registry.metrics(),
      ];
      assert.ok(second.logs.some((line) => line.includes('Git policy source unreachable')));
      for (const text of everything) assert.ok(!text.includes(TOKEN), 'the token appears nowhere');
    } finally {
      await second.close();
      await cluster.close();
    }
  });

  test('deleting a cluster policy wakes every unfinished experiment', async () => {
    server.create({
      apiVersion: 'chaoscraft.io/v1alpha1',
      kind: 'ChaosPolicy',
      metadata: { name: 'temporary' },
      spec: { deniedFaults: ['cpuStress'] },
    });
    await repo.writeFiles({ files: { 'policies/typo.yaml': '# fixed\n' } });
    await repo.commit({ message: 'Fix the broken file, allow pod kills again' });
    await waitFor({
      condition: () => controller.manager.caches.policies().every((p) => !p.name.startsWith('git:')),
      what: 'the Git set to be empty again',
    });
    server.create(experiment('woken', { mode: 'one', duration: '60s' }));
    await waitForExperiment(server, 'woken', (o) => condition(o, 'Succeeded')?.reason === 'Running');
    const added: string[] = [];
    let lastAdd = performance.now();
    const queue = controller.manager.controller('chaosexperiment')!.queue;
    const add = queue.add.bind(queue);
    queue.add = (key: string) => {
      added.push(key);
      lastAdd = performance.now();
      return add(key);
    };
    try {
      // The run's own writes come back through the watch a little later; let them pass first.
      await waitFor({ condition: () => performance.now() - lastAdd > 500, what: 'a quiet queue' });
      added.length = 0;
      server.delete({ apiVersion: 'chaoscraft.io/v1alpha1', kind: 'ChaosPolicy', name: 'temporary' });
      await waitFor({ condition: () => added.includes('shop/woken'), what: 'shop/woken to be enqueued' });
    } finally {
      queue.add = add;
    }
  });
});
