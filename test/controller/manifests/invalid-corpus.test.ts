// The invalid-input corpus: every fixture states, in `# expect:` comments, the exact position,
// code and message of each error it must produce, and nothing else may be reported.
import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { validateText } from '../../../controller/manifests/validate.ts';

const corpus = join(import.meta.dirname, '../../fixtures/validate/invalid');

interface Expectation {
  line: number;
  column: number;
  code: string;
  message: string;
}

function expectationsOf(text: string): Expectation[] {
  return [...text.matchAll(/^# expect: (\d+):(\d+) (\S+) (.+)$/gm)].map((m) => ({
    line: Number(m[1]),
    column: Number(m[2]),
    code: m[3]!,
    message: m[4]!,
  }));
}

const files = readdirSync(corpus).filter((f) => f.endsWith('.yaml'));

test('the corpus is not empty and every fixture states what it expects', () => {
  assert.ok(files.length >= 15, `expected at least 15 fixtures, found ${files.length}`);
  for (const file of files) {
    assert.ok(
      expectationsOf(readFileSync(join(corpus, file), 'utf8')).length > 0,
      `${file} has no # expect line`,
    );
  }
});

for (const file of files) {
  test(`invalid corpus: ${file}`, () => {
    const text = readFileSync(join(corpus, file), 'utf8');
    const report = validateText({ file, text });
    const errors = report.diagnostics.filter((d) => d.severity === 'error');
    const expected = expectationsOf(text);
    assert.equal(errors.length, expected.length, `errors: ${JSON.stringify(errors, null, 2)}`);
    for (const expectation of expected) {
      const match = errors.find(
        (e) =>
          e.line === expectation.line &&
          e.column === expectation.column &&
          e.code === expectation.code &&
          e.message.includes(expectation.message),
      );
      assert.ok(
        match,
        `no error matches ${JSON.stringify(expectation)}; got ${JSON.stringify(errors, null, 2)}`,
      );
      assert.equal(match.file, file);
    }
  });
}
