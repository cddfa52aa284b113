// core/ decides; it must not do I/O or read the clock, or its decisions stop being testable and
// replayable. This test reads the source, so a new file is covered the day it is added.
import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { test } from 'node:test';

const core = join(import.meta.dirname, '../../../controller/core');
const allowedImports = [/^\.\.?\//, /^cron-parser$/];
const clockReads = [
  /\bDate\.now\(/,
  /new Date\(\)/,
  /\bperformance\.now\(/,
  /\bprocess\./,
  /\bMath\.random\(/,
  /\bsetTimeout\(/,
];

function* sources(dir: string): Generator<string> {
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) yield* sources(path);
    else if (entry.name.endsWith('.ts')) yield path;
  }
}

test('controller/core imports nothing that does I/O and never reads the clock', () => {
  const problems: string[] = [];
  const files = [...sources(core)];
  assert.ok(files.length > 5);
  for (const file of files) {
    const text = readFileSync(file, 'utf8');
    for (const match of text.matchAll(/^import\s[^'"]*['"]([^'"]+)['"]/gm)) {
      const specifier = match[1]!;
      const typeOnly = /^import type /.test(match[0]);
      if (!typeOnly && !allowedImports.some((allowed) => allowed.test(specifier))) {
        problems.push(`${relative(core, file)} imports ${specifier}`);
      }
      if (
        specifier.startsWith('.') &&
        /\/(kube|faults|agent|probes|runtime|standalone|cli)\//.test(specifier)
      ) {
        problems.push(`${relative(core, file)} imports an edge module ${specifier}`);
      }
    }
    for (const pattern of clockReads) {
      if (pattern.test(text)) problems.push(`${relative(core, file)} uses ${pattern.source}`);
    }
  }
  assert.deepEqual(problems, []);
});
