// JSON merge patch (RFC 7386) and JSON patch (RFC 6902), unit-level.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { applyJsonPatch, applyMergePatch, PatchError } from './patch.ts';

describe('JSON merge patch', () => {
  it('merges objects recursively, deletes with null and replaces arrays', () => {
    const target = { a: { b: 1, c: 2 }, list: [1, 2], keep: true };
    const result = applyMergePatch(target, { a: { b: null, d: 3 }, list: [3], added: 'x' });
    assert.deepEqual(result, { a: { c: 2, d: 3 }, list: [3], keep: true, added: 'x' });
    assert.deepEqual(target, { a: { b: 1, c: 2 }, list: [1, 2], keep: true }, 'the input is not mutated');
  });

  it('replaces non-objects wholesale', () => {
    assert.deepEqual(applyMergePatch({ a: 1 }, 'text'), 'text');
    assert.deepEqual(applyMergePatch('text', { a: 1 }), { a: 1 });
  });
});

describe('JSON patch', () => {
  const document = { metadata: { labels: { a: '1' }, finalizers: ['x', 'y'] }, spec: { n: 1 } };

  it('applies add, remove, replace, move, copy and test in order', () => {
    const result = applyJsonPatch(document, [
      { op: 'test', path: '/spec/n', value: 1 },
      { op: 'add', path: '/metadata/labels/b', value: '2' },
      { op: 'add', path: '/metadata/finalizers/-', value: 'z' },
      { op: 'add', path: '/metadata/finalizers/0', value: 'w' },
      { op: 'remove', path: '/metadata/finalizers/1' },
      { op: 'replace', path: '/spec/n', value: 2 },
      { op: 'copy', from: '/spec/n', path: '/spec/copy' },
      { op: 'move', from: '/metadata/labels/a', path: '/metadata/labels/moved' },
    ]);
    assert.deepEqual(result, {
      metadata: { labels: { b: '2', moved: '1' }, finalizers: ['w', 'y', 'z'] },
      spec: { n: 2, copy: 2 },
    });
    assert.deepEqual(document.metadata.finalizers, ['x', 'y'], 'the input is not mutated');
  });

  it('escapes ~1 and ~0 in pointers', () => {
    const result = applyJsonPatch({ labels: {} }, [
      { op: 'add', path: '/labels/chaoscraft.io~1allow', value: 'true' },
    ]);
    assert.deepEqual(result, { labels: { 'chaoscraft.io/allow': 'true' } });
  });

  it('fails on a failed test, a missing path or a malformed patch', () => {
    assert.throws(() => applyJsonPatch(document, [{ op: 'test', path: '/spec/n', value: 9 }]), PatchError);
    assert.throws(() => applyJsonPatch(document, [{ op: 'remove', path: '/spec/missing' }]), PatchError);
    assert.throws(
      () => applyJsonPatch(document, [{ op: 'replace', path: '/nope/deeper', value: 1 }]),
      PatchError,
    );
    assert.throws(() => applyJsonPatch(document, { op: 'add' }), PatchError);
    assert.throws(() => applyJsonPatch(document, [{ op: 'frobnicate', path: '/a' }]), PatchError);
  });
});
