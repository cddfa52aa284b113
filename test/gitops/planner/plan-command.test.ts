// `chaoscraft plan` through the CLI's own dispatcher: offline and with a kubeconfig, Markdown and
// JSON, exit codes, and a private repository over smart HTTP whose token never shows.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { run } from '../../../controller/cli/main.ts';
import { createPlanCommand } from '../../../controller/cli/plan-command.ts';
import { grantProcess } from '../../support/chaoscraft-rbac.ts';
import {
  createGitRepository,
  type GitHttpServer,
  startGitHttpServer,
} from '../../support/git-http-server.ts';
import {
  type KubeApiServer,
  makeWorkload,
  startKubeApiServer,
  writeKubeconfigFile,
} from '../../support/kube-api-server/index.ts';
import { podKillYaml, policyYaml } from './manifests.ts';

const GIT_MISSING = spawnSync('git', ['--version']).status === 0 ? false : 'native git is not installed';
const TOKEN = 'ghp_cliTestToken_0c4d1e';
const NOW = new Date('2024-05-06T09:00:00Z');

let workspace: string;
let repoDir: string;
let kubeconfig: string;
let server: KubeApiServer;
let git: GitHttpServer;

function capture() {
  const out: string[] = [];
  const err: string[] = [];
  return { io: { stdout: (t: string) => out.push(t), stderr: (t: string) => err.push(t) }, out, err };
}

async function planCli(argv: string[], env: Record<string, string> = {}) {
  const { io, out, err } = capture();
  const command = createPlanCommand({ env, now: () => NOW, inCluster: () => false });
  let code: number;
  try {
    code = await command(argv, io);
  } catch (error) {
    // What main.ts does with usage mistakes.
    io.stderr(String((error as Error).message));
    code = 2;
  }
  return { code, stdout: out.join(''), stderr: err.join('') };
}

describe('chaoscraft plan', { skip: GIT_MISSING }, () => {
  before(async () => {
    workspace = await mkdtemp(join(tmpdir(), 'chaoscraft-plan-cli-'));
    const repo = await createGitRepository({ root: join(workspace, 'repos'), name: 'chaos' });
    await repo.writeFiles({ files: { 'policies/default.yaml': policyYaml() } });
    await repo.commit({ message: 'policy' });
    await repo.createBranch({ name: 'good' });
    await repo.checkout({ ref: 'good' });
    await repo.writeFiles({ files: { 'experiments/kill.yaml': podKillYaml() } });
    await repo.commit({ message: 'good' });
    await repo.checkout({ ref: 'main' });
    await repo.createBranch({ name: 'denied' });
    await repo.checkout({ ref: 'denied' });
    await repo.writeFiles({
      files: { 'experiments/fail.yaml': podKillYaml({ fault: 'containerKill: {}' }) },
    });
    await repo.commit({ message: 'denied' });
    await repo.checkout({ ref: 'main' });
    repoDir = repo.dir;
    server = await startKubeApiServer({ crdDirectory: 'charts/chaoscraft/crds' });
    server.seed([
      {
        apiVersion: 'v1',
        kind: 'Namespace',
        metadata: { name: 'shop', labels: { 'chaoscraft.io/allow': 'true' } },
      },
      ...makeWorkload({ name: 'checkout', namespace: 'shop', replicas: 2 }).objects,
    ]);
    await grantProcess(server, 'gitops');
    kubeconfig = await writeKubeconfigFile({ server, path: join(workspace, 'kubeconfig'), user: 'gitops' });
    git = await startGitHttpServer({ root: join(workspace, 'repos'), auth: { token: TOKEN } });
  });

  after(async () => {
    await server?.close();
    await git?.close();
    if (workspace) await rm(workspace, { recursive: true, force: true });
  });

  test('offline: the Markdown says there was no cluster; exit 0', async () => {
    const result = await planCli(['--repo', repoDir, '--base', 'main', '--head', 'good']);
    assert.equal(result.code, 0, result.stderr);
    assert.match(result.stdout, /^<!-- chaoscraft:plan -->\n/);
    assert.match(result.stdout, /Planned from Git only \(no cluster configured\)/);
    assert.ok(!/localhost|127\.0\.0\.1|ECONNREFUSED|could not be read/.test(result.stdout), result.stdout);
  });

  test('with --kubeconfig: live targets; a denial exits 1', async () => {
    const good = await planCli([
      '--repo',
      repoDir,
      '--base',
      'main',
      '--head',
      'good',
      '--kubeconfig',
      kubeconfig,
    ]);
    assert.equal(good.code, 0, good.stderr);
    assert.match(good.stdout, /1 of 2 matching pods/);
    // The policy is unchanged by the PR, so the cluster's copy is the one in force: none yet.
    const beforeSync = await planCli([
      '--repo',
      repoDir,
      '--base',
      'main',
      '--head',
      'denied',
      '--kubeconfig',
      kubeconfig,
    ]);
    assert.equal(beforeSync.code, 0, 'no policy in the cluster denies containerKill yet');
    server.seed([
      {
        apiVersion: 'chaoscraft.io/v1alpha1',
        kind: 'ChaosPolicy',
        metadata: { name: 'default' },
        spec: { deniedFaults: ['containerKill'] },
      },
    ]);
    const denied = await planCli([
      '--repo',
      repoDir,
      '--base',
      'main',
      '--head',
      'denied',
      '--kubeconfig',
      kubeconfig,
    ]);
    assert.equal(denied.code, 1);
    assert.match(denied.stdout, /ChaosPolicy default denies containerKill/);
  });

  test('--format json prints the whole plan; --link-base changes the links', async () => {
    const result = await planCli([
      '--repo',
      repoDir,
      '--base',
      'main',
      '--head',
      'good',
      '--format',
      'json',
      '--link-base',
      '',
    ]);
    const plan = JSON.parse(result.stdout) as {
      valid: boolean;
      summary: string;
      markdown: string;
      headSha: string;
    };
    assert.equal(plan.valid, true);
    assert.match(plan.headSha, /^[0-9a-f]{40}$/);
    assert.match(plan.markdown, /\]\(experiments\/kill\.yaml#L2\)/);
  });

  test('usage mistakes and unknown refs exit 2', async () => {
    const { io, err } = capture();
    assert.equal(await run(['plan', '--repo', repoDir, '--base', 'main'], io), 2);
    assert.match(err.join(''), /--head is required/);
    assert.equal(
      (await planCli(['--repo', repoDir, '--base', 'main', '--head', 'good', '--format', 'xml'])).code,
      2,
    );
    const missing = await planCli(['--repo', repoDir, '--base', 'main', '--head', 'no-such-branch']);
    assert.equal(missing.code, 2);
    assert.match(missing.stderr, /no ref or commit no-such-branch/);
    const badConfig = await planCli([
      '--repo',
      repoDir,
      '--base',
      'main',
      '--head',
      'good',
      '--kubeconfig',
      join(workspace, 'none'),
    ]);
    assert.equal(badConfig.code, 2);
    assert.match(badConfig.stderr, /cannot load kubeconfig/);
    const empty = join(workspace, 'empty-kubeconfig');
    await writeFile(empty, 'apiVersion: v1\nkind: Config\nclusters: []\ncontexts: []\nusers: []\n');
    const noCluster = await planCli([
      '--repo',
      repoDir,
      '--base',
      'main',
      '--head',
      'good',
      '--kubeconfig',
      empty,
    ]);
    assert.equal(noCluster.code, 2, noCluster.stdout);
    assert.match(noCluster.stderr, /names no current cluster/);
  });

  test('a private repository over HTTP: the token comes from the environment and never shows', async () => {
    const cacheDir = join(workspace, 'cache');
    const argv = ['--repo', `${git.url}/chaos`, '--base', 'main', '--head', 'good', '--cache-dir', cacheDir];
    const ok = await planCli(argv, { CHAOSCRAFT_GIT_TOKEN: TOKEN });
    assert.equal(ok.code, 0, ok.stderr);
    assert.match(ok.stdout, /1 experiment: 1 planned from Git only/);
    assert.ok(!ok.stdout.includes(TOKEN) && !ok.stderr.includes(TOKEN));
    const refused = await planCli(argv, { GITHUB_TOKEN: 'ghp_wrong_ab12' });
    assert.equal(refused.code, 2);
    assert.match(refused.stderr, /refused the credentials/);
    assert.ok(!refused.stderr.includes('ghp_wrong_ab12'));
  });

  test('--help prints the options', async () => {
    const result = await planCli(['--help']);
    assert.equal(result.code, 0);
    assert.match(result.stdout, /--kubeconfig <file>/);
  });
});
