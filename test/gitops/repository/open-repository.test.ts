// The repository reader on a local folder: refs, merge base, tree diff by object id (proved by
// watching which object files isomorphic-git opens), listing and reading files.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import * as nodeFs from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { openRepository } from '../../../gitops/repository/open-repository.ts';
import { createGitRepository, runGit, type TestGitRepository } from '../../support/git-http-server.ts';

const GIT_MISSING = spawnSync('git', ['--version']).status === 0 ? false : 'native git is not installed';

let workspace: string;
let repo: TestGitRepository;
let firstSha: string;
let featureSha: string;
let mainSha: string;

describe('openRepository (local folder)', { skip: GIT_MISSING }, () => {
  before(async () => {
    workspace = await mkdtemp(join(tmpdir(), 'chaoscraft-repo-'));
    repo = await createGitRepository({ root: workspace, name: 'chaos' });
    await repo.writeFiles({
      files: {
        'experiments/kept.yaml': 'kind: A\n',
        'experiments/changed.yaml': 'kind: B\n',
        'experiments/gone.yml': 'kind: C\n',
        'untouched/deep/one.yaml': 'kind: D\n',
        'docs/README.md': '# docs\n',
        'becomes-folder.json': '{}\n',
      },
    });
    firstSha = await repo.commit({ message: 'first' });
    await repo.tag({ name: 'v1' });
    await repo.createBranch({ name: 'feature' });
    await repo.checkout({ ref: 'feature' });
    await repo.writeFiles({
      files: {
        'experiments/changed.yaml': 'kind: B2\n',
        'experiments/new.json': '{"kind":"E"}\n',
        'docs/README.md': '# docs, edited\n',
        '.github/workflows/ci.yaml': 'on: push\n',
        'node_modules/pkg/x.yaml': 'a: 1\n',
      },
    });
    await repo.removeFiles({ paths: ['experiments/gone.yml', 'becomes-folder.json'] });
    await repo.writeFiles({ files: { 'becomes-folder.json/inner.yaml': 'kind: F\n' } });
    featureSha = await repo.commit({ message: 'feature work' });
    await repo.checkout({ ref: 'main' });
    await repo.writeFiles({ files: { 'experiments/main-only.yaml': 'kind: M\n' } });
    mainSha = await repo.commit({ message: 'main moves on' });
  });

  after(async () => {
    if (workspace) await rm(workspace, { recursive: true, force: true });
  });

  test('resolves branches, tags, full and abbreviated SHAs to commit SHAs', async () => {
    const repository = await openRepository({ dir: repo.dir });
    assert.equal(await repository.resolve('main'), mainSha);
    assert.equal(await repository.resolve('feature'), featureSha);
    assert.equal(await repository.resolve('v1'), firstSha);
    assert.equal(await repository.resolve(featureSha), featureSha);
    assert.equal(await repository.resolve(featureSha.slice(0, 10)), featureSha);
    assert.equal(repository.source, repo.dir);
  });

  test('peels an annotated tag to its commit', async () => {
    await runGit({
      cwd: repo.dir,
      args: ['tag', '-a', 'annotated', '-m', 'release', firstSha],
      env: { GIT_COMMITTER_NAME: 't', GIT_COMMITTER_EMAIL: 't@x.invalid' },
    });
    const repository = await openRepository({ dir: repo.dir });
    assert.equal(await repository.resolve('annotated'), firstSha);
  });

  test('unknown and malformed refs fail with stable codes', async () => {
    const repository = await openRepository({ dir: repo.dir });
    await assert.rejects(repository.resolve('no-such-branch'), {
      name: 'RepositoryError',
      code: 'RefNotFound',
    });
    await assert.rejects(repository.resolve('a..b'), { code: 'InvalidRef' });
    await assert.rejects(repository.resolve('-rf'), { code: 'InvalidRef' });
    await assert.rejects(repository.resolve('main\n'), { code: 'InvalidRef' });
    await assert.rejects(repository.resolve('0'.repeat(40)), { code: 'ObjectNotFound' });
  });

  test('the merge base is the fork point, not the base branch tip', async () => {
    const repository = await openRepository({ dir: repo.dir });
    assert.equal(await repository.mergeBase({ base: mainSha, head: featureSha }), firstSha);
  });

  test('changedFiles lists manifest files only, with their change and blob ids', async () => {
    const repository = await openRepository({ dir: repo.dir });
    const changes = await repository.changedFiles({ base: firstSha, head: featureSha });
    assert.deepEqual(
      changes.map(({ path, change }) => ({ path, change })),
      [
        { path: 'becomes-folder.json', change: 'removed' },
        { path: 'becomes-folder.json/inner.yaml', change: 'added' },
        { path: 'experiments/changed.yaml', change: 'modified' },
        { path: 'experiments/gone.yml', change: 'removed' },
        { path: 'experiments/new.json', change: 'added' },
      ],
    );
    const changed = changes.find((c) => c.path === 'experiments/changed.yaml')!;
    assert.equal(new TextDecoder().decode(await repository.readBlob(changed.headOid!)), 'kind: B2\n');
    assert.equal(new TextDecoder().decode(await repository.readBlob(changed.baseOid!)), 'kind: B\n');
  });

  test('changedFiles without a base treats every manifest of the head as added', async () => {
    const repository = await openRepository({ dir: repo.dir });
    const changes = await repository.changedFiles({ base: undefined, head: firstSha });
    assert.deepEqual(
      changes.map((c) => c.path),
      [
        'becomes-folder.json',
        'experiments/changed.yaml',
        'experiments/gone.yml',
        'experiments/kept.yaml',
        'untouched/deep/one.yaml',
      ],
    );
    assert.ok(changes.every((c) => c.change === 'added'));
  });

  test('changedFiles reads no blob and never enters an unchanged folder', async () => {
    const opened: string[] = [];
    const promises = {
      ...nodeFs.promises,
      readFile: ((path: string, options?: unknown) => {
        opened.push(String(path));
        return nodeFs.promises.readFile(path, options as never);
      }) as typeof nodeFs.promises.readFile,
    };
    const fs = { ...nodeFs, promises } as typeof nodeFs;
    const repository = await openRepository({ dir: repo.dir, fs });
    const blobIds = (await runGit({ cwd: repo.dir, args: ['rev-list', '--objects', '--all'] }))
      .split('\n')
      .map((line) => line.split(' ')[0]!)
      .filter(Boolean);
    const types = new Map<string, string>();
    for (const oid of blobIds) {
      types.set(oid, (await runGit({ cwd: repo.dir, args: ['cat-file', '-t', oid] })).trim());
    }
    const untouchedTree = (
      await runGit({ cwd: repo.dir, args: ['rev-parse', `${featureSha}:untouched`] })
    ).trim();
    await repository.changedFiles({ base: firstSha, head: featureSha });
    const objectsRead = opened
      .map((path) => /objects\/([0-9a-f]{2})\/([0-9a-f]{38})$/.exec(path))
      .filter((m) => m !== null)
      .map((m) => m[1]! + m[2]!);
    assert.ok(objectsRead.length > 0, 'isomorphic-git read loose objects through the injected fs');
    assert.deepEqual(
      objectsRead.filter((oid) => types.get(oid) === 'blob'),
      [],
      'no blob was read',
    );
    assert.ok(!objectsRead.includes(untouchedTree), 'the unchanged folder was compared by id only');
  });

  test('listFiles lists every file of a commit; readFile reads one', async () => {
    const repository = await openRepository({ dir: repo.dir });
    const files = await repository.listFiles(featureSha);
    assert.ok(files.includes('docs/README.md'));
    assert.ok(files.includes('.github/workflows/ci.yaml'));
    assert.ok(files.includes('becomes-folder.json/inner.yaml'));
    assert.ok(!files.includes('experiments/gone.yml'));
    assert.deepEqual(files, [...files].sort());
    assert.equal(await repository.readFile(featureSha, 'experiments/changed.yaml'), 'kind: B2\n');
    await assert.rejects(repository.readFile(featureSha, 'experiments/gone.yml'), { code: 'FileNotFound' });
  });

  test('dir and url are exclusive', async () => {
    await assert.rejects(openRepository({}), { code: 'InvalidOptions' });
    await assert.rejects(openRepository({ dir: repo.dir, url: 'https://example.invalid/r.git' }), {
      code: 'InvalidOptions',
    });
  });
});
