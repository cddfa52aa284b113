// Hostile files: each ends in one clear message naming what and where, never a stack trace,
// and a file that never mentions chaoscraft is skipped rather than failed.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { exitCodeFor } from '../../../controller/manifests/diagnostic.ts';
import { maxDocuments, maxNestingDepth } from '../../../controller/manifests/screen.ts';
import { validateText } from '../../../controller/manifests/validate.ts';

const mention = '# chaoscraft.io\n';
const check = (text: string) => validateText({ file: 'h.yaml', text, skipForeign: true });

function oneError(text: string, code: string, line: number, message: RegExp): void {
  const report = check(text);
  assert.equal(report.diagnostics.length, 1, JSON.stringify(report.diagnostics.slice(0, 3)));
  const [d] = report.diagnostics;
  assert.deepEqual([d!.code, d!.line], [code, line]);
  assert.match(d!.message, message);
  assert.equal(exitCodeFor(report.diagnostics), 1);
}

test('130,000 empty documents: one document-limit error at the first document over the budget', () => {
  oneError(
    mention + '---\n'.repeat(130_000),
    'document-limit',
    maxDocuments + 2,
    /more than 10000 YAML documents \(document 10001 starts at line 10002\); split it/,
  );
});

test('200,000 --- lines in a foreign file: skipped with one note, exit 0', () => {
  const report = check('---\n'.repeat(200_000));
  assert.equal(report.diagnostics.length, 0);
  assert.equal(report.ignored.length, 1);
  assert.match(report.ignored[0]!.message, /more than 10000 YAML documents/);
});

test('a few thousand empty documents are one note, not one per document', () => {
  const report = check(mention + '---\n'.repeat(5000));
  assert.equal(report.diagnostics.length, 0);
  assert.deepEqual(
    report.ignored.map((d) => d.message),
    ['5000 empty documents are skipped'],
  );
});

test('deep [[[…]]] nesting: one nesting-limit error, whether the parser or the object gives up', () => {
  oneError(
    `${mention}a: ${'['.repeat(20_000)}${']'.repeat(20_000)}\n`,
    'nesting-limit',
    2,
    /nesting too deep/,
  );
  const object = `${mention}apiVersion: chaoscraft.io/v1alpha1\nkind: ChaosExperiment\nmetadata: { name: x }\nspec: ${'['.repeat(100)}${']'.repeat(100)}\n`;
  const report = check(object);
  assert.equal(report.diagnostics.length, 1);
  assert.equal(report.diagnostics[0]!.code, 'nesting-limit');
  assert.match(report.diagnostics[0]!.message, new RegExp(`more than ${maxNestingDepth} levels`));
  assert.match(report.diagnostics[0]!.field!, /^spec\[0\]\[0\]\[0\]…$/);
});

test('an unclosed [ gives one syntax error for the file, with a count of the echoes', () => {
  oneError(`${mention}a: [\n${'  b: c\n'.repeat(800)}`, 'yaml-syntax', 3, /\(and \d+ more after it\)$/);
});

test('no hostile case is a thrown error', () => {
  for (const text of [
    '- '.repeat(200_000),
    `${mention}${'{'.repeat(50_000)}`,
    `${mention}${'a:\n '.repeat(3000)}`,
  ]) {
    assert.doesNotThrow(() => check(text));
  }
});
