// The counts behind the budgets per PR (upper bounds, read from bytes without parsing) and the
// check that stops reading blobs at the first budget exceeded.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { checkPlanBudgets, countDocuments, countObjects } from '../../../gitops/repository/budget.ts';
import type { ChangedFile, GitRepository } from '../../../gitops/repository/types.ts';

const bytes = (text: string) => new TextEncoder().encode(text);

test('documents: one, plus each `---` or `...` line; other dashes do not count', () => {
  assert.equal(countDocuments('a.yaml', bytes('')), 1);
  assert.equal(countDocuments('a.yaml', bytes('kind: A\n')), 1);
  assert.equal(countDocuments('a.yaml', bytes('---\nkind: A\n---\nkind: B\n')), 3);
  assert.equal(countDocuments('a.yaml', bytes('--- !tag\n---\r\n...\n--- # c\n---')), 6);
  assert.equal(countDocuments('a.yaml', bytes('----\nx: ---\n  ---\n-- -\n....\nkey: "---"\n')), 1);
  assert.equal(countDocuments('a.yaml', bytes('---\n'.repeat(200_000))), 200_001);
  assert.equal(countDocuments('a.json', bytes('---\n---\n')), 1);
});

test('objects: every `kind` key, in YAML lists and JSON too', () => {
  assert.equal(countObjects('a.yaml', bytes('kind: A\n---\n"kind": B\n')), 2);
  assert.equal(
    countObjects('a.yaml', bytes('kind: List\nitems:\n  - kind: A\n  - name: x\n    kind: B\n')),
    3,
  );
  assert.equal(countObjects('a.yaml', bytes('kinds: 1\nmykind: 2\n# kind: 3\n')), 0);
  assert.equal(countObjects('a.json', bytes('{"kind" : "A", "items": [{"kind":"B"}]}')), 2);
});

function repositoryOf(blobs: Record<string, string>): GitRepository & { reads: string[] } {
  const reads: string[] = [];
  const unused = () => Promise.reject(new Error('not used'));
  return {
    reads,
    source: 'memory',
    resolve: unused,
    mergeBase: unused,
    listFiles: unused,
    readFile: unused,
    changedFiles: unused,
    async readBlob(oid) {
      reads.push(oid);
      const text = blobs[oid];
      if (text === undefined) throw new Error(`no blob ${oid}`);
      return bytes(text);
    },
  };
}

const added = (path: string, oid: string): ChangedFile => ({ path, change: 'added', headOid: oid });

test('a PR within every budget passes; both sides of a modified file are counted', async () => {
  const repository = repositoryOf({ h: '---\nkind: A\n', b: 'kind: A\n---\nkind: B\n' });
  const files: ChangedFile[] = [{ path: 'x.yaml', change: 'modified', headOid: 'h', baseOid: 'b' }];
  assert.equal(await checkPlanBudgets({ repository, files }), undefined);
  assert.deepEqual(repository.reads.sort(), ['b', 'h']);
  assert.deepEqual(await checkPlanBudgets({ repository, files, budgets: { maxDocuments: 3 } }), {
    budget: 'documents',
    limit: 3,
    counted: 2 + 2,
    file: { path: 'x.yaml', count: 2 },
  });
});

test('too many files is decided before any blob is read', async () => {
  const repository = repositoryOf({});
  const files = ['a', 'b', 'c'].map((name) => added(`${name}.yaml`, name));
  assert.deepEqual(await checkPlanBudgets({ repository, files, budgets: { maxFiles: 2 } }), {
    budget: 'files',
    limit: 2,
    counted: 3,
  });
  assert.deepEqual(repository.reads, []);
});

test('bytes, documents and objects name the file that holds the most, and reading stops early', async () => {
  const blobs: Record<string, string> = {};
  const files: ChangedFile[] = [];
  for (let index = 0; index < 40; index += 1) {
    blobs[`o${index}`] = index === 1 ? '---\n'.repeat(50) : 'kind: A\n';
    files.push(added(`f${String(index).padStart(2, '0')}.yaml`, `o${index}`));
  }
  const documents = repositoryOf(blobs);
  const exceeded = await checkPlanBudgets({ repository: documents, files, budgets: { maxDocuments: 20 } });
  assert.equal(exceeded?.budget, 'documents');
  assert.deepEqual(exceeded?.file, { path: 'f01.yaml', count: 51 });
  assert.ok(documents.reads.length < 10, `stopped after ${documents.reads.length} reads`);

  const objects = await checkPlanBudgets({
    repository: repositoryOf(blobs),
    files,
    budgets: { maxObjects: 30 },
  });
  assert.equal(objects?.budget, 'objects');
  assert.equal(objects?.counted, 31);

  const size = await checkPlanBudgets({ repository: repositoryOf(blobs), files, budgets: { maxBytes: 100 } });
  assert.equal(size?.budget, 'bytes');
  assert.deepEqual(size?.file, { path: 'f01.yaml', count: 200 });
});
