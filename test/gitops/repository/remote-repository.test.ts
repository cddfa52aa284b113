// The repository reader over real smart HTTP (git http-backend) with a token: clone into a cache,
// fetch on the next open, extra refs such as refs/pull/N/head, and no token in any error.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtemp, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { RepositoryError } from '../../../gitops/repository/errors.ts';
import { openRepository } from '../../../gitops/repository/open-repository.ts';
import {
  createGitRepository,
  type GitHttpServer,
  runGit,
  startGitHttpServer,
  type TestGitRepository,
} from '../../support/git-http-server.ts';

const GIT_MISSING = spawnSync('git', ['--version']).status === 0 ? false : 'native git is not installed';
const TOKEN = 'ghs_remoteTestToken_5b1e09c7';
const WRONG_TOKEN = 'ghs_wrongToken_77aa3f';

let workspace: string;
let repo: TestGitRepository;
let server: GitHttpServer;
let firstSha: string;
let featureSha: string;
const serverLog: string[] = [];

/** Everything an error could show: message, stack, data and its JSON form. */
function everything(error: unknown): string {
  const e = error as Error & { data?: unknown };
  return [e.message, e.stack, JSON.stringify(e.data), JSON.stringify(e), String(e)].join('\n');
}

describe('openRepository (https URL through smart HTTP)', { skip: GIT_MISSING }, () => {
  before(async () => {
    workspace = await mkdtemp(join(tmpdir(), 'chaoscraft-remote-'));
    repo = await createGitRepository({ root: join(workspace, 'served'), name: 'chaos-repo' });
    await repo.writeFiles({ files: { 'experiments/a.yaml': 'kind: A\n', 'README.md': '# r\n' } });
    firstSha = await repo.commit({ message: 'first' });
    await repo.createBranch({ name: 'feature' });
    await repo.checkout({ ref: 'feature' });
    await repo.writeFiles({ files: { 'experiments/b.yaml': 'kind: B\n' } });
    featureSha = await repo.commit({ message: 'feature' });
    await repo.checkout({ ref: 'main' });
    server = await startGitHttpServer({
      root: join(workspace, 'served'),
      auth: { token: TOKEN },
      log: (line) => serverLog.push(line),
    });
  });

  after(async () => {
    await server?.close();
    if (workspace) await rm(workspace, { recursive: true, force: true });
  });

  test('clones with the token, resolves branches and diffs them', async () => {
    const cacheDir = join(workspace, 'cache-1');
    const repository = await openRepository({ url: `${server.url}/chaos-repo`, token: TOKEN, cacheDir });
    assert.equal(repository.source, `${server.url}/chaos-repo`);
    assert.equal(await repository.resolve('main'), firstSha);
    assert.equal(await repository.resolve('feature'), featureSha);
    const changes = await repository.changedFiles({ base: firstSha, head: featureSha });
    assert.deepEqual(
      changes.map(({ path, change }) => ({ path, change })),
      [{ path: 'experiments/b.yaml', change: 'added' }],
    );
    assert.equal(await repository.readFile(featureSha, 'experiments/b.yaml'), 'kind: B\n');
    assert.equal((await readdir(cacheDir)).length, 1, 'one cache folder per URL');
    assert.ok(
      serverLog.some((line) => /user=x-access-token/.test(line)),
      'authenticated as x-access-token',
    );
  });

  test('a second open fetches new commits into the same cache folder', async () => {
    const cacheDir = join(workspace, 'cache-2');
    await openRepository({ url: `${server.url}/chaos-repo`, token: TOKEN, cacheDir });
    await repo.checkout({ ref: 'feature' });
    await repo.writeFiles({ files: { 'experiments/c.yaml': 'kind: C\n' } });
    const newer = await repo.commit({ message: 'more' });
    await repo.checkout({ ref: 'main' });
    await repo.writeFiles({ files: { 'experiments/main-2.yaml': 'kind: M2\n' } });
    const newerMain = await repo.commit({ message: 'main moves' });
    const again = await openRepository({ url: `${server.url}/chaos-repo/`, token: TOKEN, cacheDir });
    assert.equal(await again.resolve('feature'), newer);
    assert.equal(
      await again.resolve('main'),
      newerMain,
      'the fetched main, not the branch frozen at clone time',
    );
    assert.equal((await readdir(cacheDir)).length, 1);
    featureSha = newer;
  });

  test('fetches extra refs such as refs/pull/7/head and resolves them by name', async () => {
    await repo.checkout({ ref: 'feature' });
    await repo.writeFiles({ files: { 'experiments/pr.yaml': 'kind: PR\n' } });
    const prSha = await repo.commit({ message: 'pr head' });
    await runGit({ cwd: repo.dir, args: ['update-ref', 'refs/pull/7/head', prSha] });
    await runGit({ cwd: repo.dir, args: ['reset', '--hard', '--quiet', featureSha] });
    await repo.checkout({ ref: 'main' });
    const repository = await openRepository({
      url: `${server.url}/chaos-repo`,
      token: TOKEN,
      cacheDir: join(workspace, 'cache-3'),
      fetchRefs: ['refs/pull/7/head'],
    });
    assert.equal(await repository.resolve('refs/pull/7/head'), prSha);
    const files = await repository.changedFiles({ base: featureSha, head: prSha });
    assert.deepEqual(
      files.map((f) => f.path),
      ['experiments/pr.yaml'],
    );
  });

  test('a wrong token fails with AuthenticationFailed and neither token appears anywhere', async () => {
    const error = await openRepository({
      url: `${server.url}/chaos-repo`,
      token: WRONG_TOKEN,
      cacheDir: join(workspace, 'cache-4'),
    }).then(
      () => assert.fail('expected a rejection'),
      (e: unknown) => e,
    );
    assert.ok(error instanceof RepositoryError);
    assert.equal(error.code, 'AuthenticationFailed');
    assert.ok(!everything(error).includes(WRONG_TOKEN));
    assert.ok(!everything(error).includes(TOKEN));
    assert.ok(!serverLog.join('\n').includes(WRONG_TOKEN), 'the server log has no credentials either');
  });

  test('no token: AuthenticationFailed, without prompting or looping', async () => {
    const before = server.requests.length;
    await assert.rejects(
      openRepository({ url: `${server.url}/chaos-repo`, cacheDir: join(workspace, 'cache-5') }),
      { code: 'AuthenticationFailed' },
    );
    assert.ok(server.requests.length - before <= 2, 'one refusal, no retry loop');
  });

  test('credentials in the URL are refused before any request, and not echoed', async () => {
    const url = new URL(`${server.url}/chaos-repo`);
    url.username = 'x-access-token';
    url.password = TOKEN;
    const before = server.requests.length;
    const error = await openRepository({ url: url.toString(), cacheDir: join(workspace, 'cache-6') }).then(
      () => assert.fail('expected a rejection'),
      (e: unknown) => e,
    );
    assert.equal((error as RepositoryError).code, 'CredentialsInUrl');
    assert.ok(!everything(error).includes(TOKEN));
    assert.equal(server.requests.length, before);
  });

  test('a token is never sent over plain http to another host', async () => {
    await assert.rejects(
      openRepository({
        url: 'http://git.example.invalid/r.git',
        token: TOKEN,
        cacheDir: join(workspace, 'c7'),
      }),
      (error: unknown) =>
        (error as RepositoryError).code === 'InsecureToken' && !everything(error).includes(TOKEN),
    );
    await assert.rejects(
      openRepository({ url: 'ssh://git@example.invalid/r.git', cacheDir: join(workspace, 'c8') }),
      {
        code: 'InvalidUrl',
      },
    );
    await assert.rejects(openRepository({ url: `${server.url}/chaos-repo` }), { code: 'InvalidOptions' });
  });

  test('an unknown repository is a FetchFailed error that names the URL but not the token', async () => {
    const error = await openRepository({
      url: `${server.url}/missing-repo`,
      token: TOKEN,
      cacheDir: join(workspace, 'cache-9'),
    }).then(
      () => assert.fail('expected a rejection'),
      (e: unknown) => e,
    );
    assert.equal((error as RepositoryError).code, 'FetchFailed');
    assert.match((error as Error).message, /missing-repo/);
    assert.ok(!everything(error).includes(TOKEN));
  });
});
