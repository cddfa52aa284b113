// The fast path must agree with the careful parser wherever it answers, and must decline
// whatever it cannot judge safely.
import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { parseDocuments } from '../../../controller/manifests/parse-documents.ts';
import { parseDocumentsFast } from '../../../controller/manifests/parse-documents-fast.ts';

const examples = join(import.meta.dirname, '../../../examples');

const samples: Record<string, string> = {
  'several documents': 'a: 1\n---\n# comment\nb: [1, 2]\n---\nc: {d: "e"}\n',
  'leading separator and comments': '# header\n---\nkind: X\nlist:\n  - 1\n  - two\n',
  'content on the separator line': '--- {a: 1}\n--- {b: 2}\n',
  'scalars of every core type':
    'a: true\nb: null\nc: 0x1F\nd: 1.5e3\ne: "2026-01-01"\nf: 2026-01-01\ng: .inf\nh: ~\n',
  'block scalars': 'a: |\n  line one\n  --- not a separator\nb: >-\n  folded\n  text\n',
  'document end markers': 'a: 1\n...\n---\nb: 2\n',
  'stars and bangs inside quoted scalars':
    'schedule: "*/15 * * * *"\nb: \'0 */6 * * *\'\nc: "!not a tag &nor an anchor"\n',
};

for (const [name, text] of Object.entries({
  ...samples,
  ...Object.fromEntries(
    readdirSync(examples, { withFileTypes: true })
      .filter((entry) => entry.isFile() && entry.name.endsWith('.yaml'))
      .map((entry) => [entry.name, readFileSync(join(examples, entry.name), 'utf8')]),
  ),
})) {
  test(`fast path agrees with the careful parser: ${name}`, () => {
    const fast = parseDocumentsFast({ text });
    assert.ok(fast, 'the fast path answers for plain YAML');
    const careful = parseDocuments({ file: 'x.yaml', text });
    assert.deepEqual(
      fast.documents.map((d) => d.value),
      careful.documents.map((d) => d.value),
    );
    assert.deepEqual(
      fast.documents.map((d) => d.position.line),
      careful.documents.map((d) => d.position.line),
    );
  });
}

const declined: Record<string, string> = {
  anchors: 'a: &x 1\nb: *x\n',
  'an alias next to a quoted scalar': 'a: &x 1\nb: ["q*", *x]\n',
  'an alias after an escaped quote': "a: &x 1\nb: \"it\\\"s\"\nc: ['don''t', *x]\n",
  tags: 'a: !!str 1\n',
  'merge keys': 'base: {a: 1}\nc:\n  <<: {a: 2}\n',
  'duplicate keys': 'a: 1\na: 2\n',
  'syntax errors': 'a: [1, 2\n',
  'empty documents': 'a: 1\n---\n---\nb: 2\n',
  tabs: 'a:\n\tb: 1\n',
};
for (const [name, text] of Object.entries(declined)) {
  test(`fast path declines ${name}`, () => {
    assert.equal(parseDocumentsFast({ text }), undefined);
  });
}
