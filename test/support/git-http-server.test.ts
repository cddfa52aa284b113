// The smart-HTTP git test server: native `git clone` and isomorphic-git clone/fetch over real HTTP,
// with and without basic auth, and the repository builder's determinism.

import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { request as httpRequest } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { clone, fetch as gitFetch, resolveRef } from 'isomorphic-git';
import http from 'isomorphic-git/http/node';
import {
  createGitRepository,
  type GitHttpServer,
  runGit,
  startGitHttpServer,
  type TestGitRepository,
} from './git-http-server.ts';

// Native git (with git-http-backend) is a hard requirement of these servers; say so instead of failing.
const GIT_MISSING = spawnSync('git', ['--version']).status === 0 ? false : 'native git is not installed';
const TOKEN = 'gh-test-token-9f8e7d';
const EXPERIMENT = 'apiVersion: chaoscraft.io/v1alpha1\nkind: ChaosExperiment\nmetadata:\n  name: pod-kill\n';

/** GET with the path sent verbatim (URL parsers would normalise `..` away before it reaches the server). */
function rawStatus(options: { server: GitHttpServer; path: string }): Promise<number> {
  const { port } = new URL(options.server.url);
  return new Promise((resolve, reject) => {
    const request = httpRequest({ host: '127.0.0.1', port, path: options.path }, (response) => {
      response.resume();
      resolve(response.statusCode ?? 0);
    });
    request.on('error', reject);
    request.end();
  });
}

let workspace: string;
let root: string;
let repo: TestGitRepository;
let mainSha: string;
let featureSha: string;
let open: GitHttpServer;
let guarded: GitHttpServer;
const guardedLog: string[] = [];

describe('smart-HTTP git test server', { skip: GIT_MISSING }, () => {
  before(async () => {
    workspace = await mkdtemp(join(tmpdir(), 'chaoscraft-git-http-'));
    root = join(workspace, 'repos');
    repo = await createGitRepository({ root, name: 'chaos-repo' });
    await repo.writeFiles({ files: { 'experiments/pod-kill.yaml': EXPERIMENT, 'README.md': '# chaos\n' } });
    mainSha = await repo.commit({ message: 'Add pod-kill experiment' });
    await repo.createBranch({ name: 'feature/latency' });
    await repo.checkout({ ref: 'feature/latency' });
    await repo.writeFiles({
      files: { 'experiments/latency.yaml': EXPERIMENT.replace('pod-kill', 'latency') },
    });
    featureSha = await repo.commit({ message: 'Add latency experiment' });
    await repo.checkout({ ref: 'main' });
    open = await startGitHttpServer({ root });
    guarded = await startGitHttpServer({
      root,
      auth: { token: TOKEN },
      log: (line) => guardedLog.push(line),
    });
  });

  after(async () => {
    await open?.close();
    await guarded?.close();
    if (workspace) await rm(workspace, { recursive: true, force: true });
  });

  describe('repository builder', () => {
    test('same steps give the same SHAs (fixed author, committer and dates)', async () => {
      const again = await createGitRepository({ root: join(workspace, 'again'), name: 'chaos-repo' });
      await again.writeFiles({
        files: { 'experiments/pod-kill.yaml': EXPERIMENT, 'README.md': '# chaos\n' },
      });
      assert.equal(await again.commit({ message: 'Add pod-kill experiment' }), mainSha);
      assert.equal(await repo.revParse({ ref: 'feature/latency' }), featureSha);
      const log = await runGit({ cwd: repo.dir, args: ['log', '-1', '--format=%an|%aI|%cI', featureSha] });
      assert.equal(log.trim(), 'ChaosCraft Test|2024-01-01T00:01:00+00:00|2024-01-01T00:01:00+00:00');
    });

    test('unsafe names and paths are refused before git runs', async () => {
      await assert.rejects(repo.writeFiles({ files: { '../escape.txt': 'x' } }), { code: 'InvalidPath' });
      await assert.rejects(repo.writeFiles({ files: { '.git/config': 'x' } }), { code: 'InvalidPath' });
      await assert.rejects(repo.createBranch({ name: '--upload-pack=evil' }), { code: 'InvalidRefName' });
      await assert.rejects(createGitRepository({ root, name: '../x' }), { code: 'InvalidRepoName' });
    });
  });

  describe('native git over HTTP', () => {
    test('clone without auth checks out the default branch', async () => {
      const target = join(workspace, 'native-open');
      await runGit({ cwd: workspace, args: ['clone', '--quiet', `${open.url}/chaos-repo`, target] });
      assert.equal(await readFile(join(target, 'experiments/pod-kill.yaml'), 'utf8'), EXPERIMENT);
      assert.equal((await runGit({ cwd: target, args: ['rev-parse', 'HEAD'] })).trim(), mainSha);
      const remoteFeature = await runGit({ cwd: target, args: ['rev-parse', 'origin/feature/latency'] });
      assert.equal(remoteFeature.trim(), featureSha);
      assert.ok(open.requests.some((entry) => entry.service === 'git-upload-pack' && entry.status === 200));
    });

    test('clone with auth: refused without credentials, works with the token', async () => {
      await assert.rejects(
        runGit({
          cwd: workspace,
          args: ['clone', '--quiet', `${guarded.url}/chaos-repo`, join(workspace, 'native-denied')],
        }),
        /Authentication failed|could not read Username|401/,
      );
      const header = `Authorization: Basic ${Buffer.from(`x-access-token:${TOKEN}`).toString('base64')}`;
      const target = join(workspace, 'native-auth');
      // The credential goes through the environment, not argv.
      await runGit({
        cwd: workspace,
        args: ['clone', '--quiet', `${guarded.url}/chaos-repo`, target],
        env: { GIT_CONFIG_COUNT: '1', GIT_CONFIG_KEY_0: 'http.extraHeader', GIT_CONFIG_VALUE_0: header },
      });
      assert.equal((await runGit({ cwd: target, args: ['rev-parse', 'HEAD'] })).trim(), mainSha);
    });

    test('unknown repositories and path traversal are 404', async () => {
      assert.equal((await fetch(`${open.url}/missing/info/refs?service=git-upload-pack`)).status, 404);
      for (const path of ['/../repos/chaos-repo/info/refs', '/%2e%2e/repos/chaos-repo/info/refs']) {
        assert.equal(await rawStatus({ server: open, path: `${path}?service=git-upload-pack` }), 404, path);
      }
    });
  });

  describe('isomorphic-git over HTTP', () => {
    test('clone and fetch without auth', async () => {
      const dir = join(workspace, 'iso-open');
      await clone({ fs, http, dir, url: `${open.url}/chaos-repo`, ref: 'main', singleBranch: true });
      assert.equal(await resolveRef({ fs, dir, ref: 'HEAD' }), mainSha);
      assert.equal(await readFile(join(dir, 'experiments/pod-kill.yaml'), 'utf8'), EXPERIMENT);
      const fetched = await gitFetch({
        fs,
        http,
        dir,
        url: `${open.url}/chaos-repo`,
        ref: 'feature/latency',
        singleBranch: true,
      });
      assert.equal(fetched.fetchHead, featureSha);
    });

    test('clone and fetch with auth (onAuth), refused without', async () => {
      const onAuth = () => ({ username: 'x-access-token', password: TOKEN });
      await assert.rejects(
        clone({
          fs,
          http,
          dir: join(workspace, 'iso-denied'),
          url: `${guarded.url}/chaos-repo`,
          singleBranch: true,
        }),
        /401|HTTP Error/,
      );
      const dir = join(workspace, 'iso-auth');
      await clone({
        fs,
        http,
        dir,
        url: `${guarded.url}/chaos-repo`,
        ref: 'main',
        singleBranch: true,
        onAuth,
      });
      assert.equal(await resolveRef({ fs, dir, ref: 'HEAD' }), mainSha);
      const fetched = await gitFetch({
        fs,
        http,
        dir,
        url: `${guarded.url}/chaos-repo`,
        ref: 'feature/latency',
        singleBranch: true,
        onAuth,
      });
      assert.equal(fetched.fetchHead, featureSha);
    });

    test('new commits are visible to a later fetch', async () => {
      const dir = join(workspace, 'iso-refetch');
      await clone({ fs, http, dir, url: `${open.url}/chaos-repo`, ref: 'main', singleBranch: true });
      await repo.writeFiles({ files: { 'experiments/cpu.yaml': EXPERIMENT.replace('pod-kill', 'cpu') } });
      const next = await repo.commit({ message: 'Add cpu stress' });
      const fetched = await gitFetch({ fs, http, dir, ref: 'main', singleBranch: true });
      assert.equal(fetched.fetchHead, next);
    });
  });

  test('the token never appears in the server log', () => {
    assert.ok(guardedLog.length > 0);
    assert.ok(guardedLog.some((line) => line.includes(' 401 ')));
    assert.ok(guardedLog.every((line) => !line.includes(TOKEN)));
    assert.ok(JSON.stringify(guarded.requests).includes(TOKEN) === false);
  });
});
