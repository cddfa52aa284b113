import assert from 'node:assert/strict';
import { test } from 'node:test';
import { WrittenObjects } from '../../../controller/runtime/written-objects.ts';

const at = (resourceVersion: string) =>
  ({ metadata: { name: 'e', uid: 'u', generation: 1, resourceVersion }, spec: {} }) as never;

const versionOf = (object: unknown) =>
  (object as { metadata: { resourceVersion: string } } | undefined)?.metadata.resourceVersion;

test('our write is used until the cache shows it, then forgotten', () => {
  const written = new WrittenObjects();
  written.remember('ns/e', '1', at('2'));
  assert.equal(versionOf(written.resolve('ns/e', at('1'))), '2', 'the cache is stale: ours');
  assert.equal(versionOf(written.resolve('ns/e', at('2'))), '2', 'the cache caught up: the cache');
  assert.equal(
    versionOf(written.resolve('ns/e', at('1'))),
    '1',
    'forgotten: nothing overrides the cache any more',
  );
});

test('chained writes stay ahead of a cache that has seen none or some of them', () => {
  const written = new WrittenObjects();
  written.remember('ns/e', '1', at('2'));
  written.remember('ns/e', '2', at('3'));
  written.remember('ns/e', '3', at('4'));
  const version = (cached: string) =>
    (written.resolve('ns/e', at(cached)) as { metadata: { resourceVersion: string } }).metadata
      .resourceVersion;
  assert.equal(version('1'), '4', 'the cache has seen none of them');
  assert.equal(version('3'), '4', 'the cache has seen two of three');
});

test('someone else writing moves us to the cache', () => {
  const written = new WrittenObjects();
  written.remember('ns/e', '1', at('2'));
  const seen = written.resolve('ns/e', at('9')) as { metadata: { resourceVersion: string } };
  assert.equal(seen.metadata.resourceVersion, '9');
  assert.equal(written.resolve('ns/e', undefined), undefined);
});

test('a write from a fresher read than our last write: the cache showing either older version is behind us', () => {
  // The agent reads an injection with a GET (version 5) after its own write made version 2, and
  // writes from 5: a cache still at 2, or at 5, is older than our 6.
  const written = new WrittenObjects();
  written.remember('ns/i', '1', at('2'));
  written.remember('ns/i', '5', at('6'));
  assert.equal(versionOf(written.resolve('ns/i', at('2'))), '6');
  assert.equal(versionOf(written.resolve('ns/i', at('5'))), '6');
  assert.equal(versionOf(written.resolve('ns/i', at('6'))), '6', 'caught up: the cache');
  assert.deepEqual([...written.keys()], []);
});

test('keys lists what the cache may not show yet; forget drops an entry', () => {
  const written = new WrittenObjects();
  written.remember('ns/a', '1', at('2'));
  written.remember('ns/b', '3', at('4'));
  assert.deepEqual([...written.keys()], ['ns/a', 'ns/b']);
  written.forget('ns/a');
  assert.equal(versionOf(written.resolve('ns/a', at('1'))), '1');
  assert.deepEqual([...written.keys()], ['ns/b']);
});
