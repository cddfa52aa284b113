// The valid corpus: near misses of the cross-field rules and fields left to their defaults, which
// must validate clean (the invalid corpus proves the rules refuse; this proves they refuse no more).
import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { validateText } from '../../../controller/manifests/validate.ts';

const corpus = join(import.meta.dirname, '../../fixtures/validate/valid');
const files = readdirSync(corpus).filter((f) => f.endsWith('.yaml'));

test('the valid corpus is not empty', () => {
  assert.ok(files.length >= 2, `expected at least 2 fixtures, found ${files.length}`);
});

for (const file of files) {
  test(`valid corpus: ${file}`, () => {
    const report = validateText({ file, text: readFileSync(join(corpus, file), 'utf8') });
    assert.deepEqual(report.diagnostics, []);
    assert.equal(report.validObjects.length, 1);
  });
}
