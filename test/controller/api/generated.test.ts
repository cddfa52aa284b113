// Everything generated from schemas/ must be committed fresh: CRDs, TypeScript types, API docs.
import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { parse } from 'yaml';
import { renderApiDocs } from '../../../controller/api/api-docs.ts';
import { renderCrds } from '../../../controller/api/crds.ts';
import { generatedPaths } from '../../../controller/api/generated-paths.ts';
import { renderTypes } from '../../../controller/api/typescript-types.ts';

const root = join(import.meta.dirname, '../../..');
const stale = (what: string) => `${what} is stale: run \`npm run generate\` and commit the result`;

test('committed CRDs equal what the schemas generate', () => {
  const dir = join(root, generatedPaths.crdDirectory);
  const generated = renderCrds();
  assert.deepEqual(
    readdirSync(dir)
      .filter((f) => f.endsWith('.yaml'))
      .sort(),
    [...generated.keys()].sort(),
    stale('the CRD list'),
  );
  for (const [name, text] of generated)
    assert.equal(readFileSync(join(dir, name), 'utf8'), text, stale(name));
});

test('CRDs have a status subresource, printer columns, short names and the chaos category', () => {
  for (const text of renderCrds().values()) {
    const crd = parse(text);
    const version = crd.spec.versions[0];
    assert.deepEqual(version.subresources, { status: {} });
    assert.ok(version.additionalPrinterColumns.length >= 3);
    assert.ok(crd.spec.names.shortNames.length >= 1);
    assert.deepEqual(crd.spec.names.categories, ['chaos']);
    assert.equal(crd.metadata.name, `${crd.spec.names.plural}.chaoscraft.io`);
  }
});

test('committed TypeScript types equal what the schemas generate', async () => {
  assert.equal(
    readFileSync(join(root, generatedPaths.types), 'utf8'),
    await renderTypes(),
    stale(generatedPaths.types),
  );
});

test('committed docs/API.md equals what the schemas generate', () => {
  assert.equal(
    readFileSync(join(root, generatedPaths.apiDocs), 'utf8'),
    renderApiDocs(),
    stale(generatedPaths.apiDocs),
  );
});
