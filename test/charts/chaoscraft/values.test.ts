// values.yaml and values.schema.json: the schema accepts the chart's values and the value sets the
// other tests render with, refuses unknown keys and wrong types as Helm would refuse them before
// rendering, and the chart's README documents every value the schema names.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { Ajv } from 'ajv';
import { CHART, chartValues, type Json, mergeValues, VALUE_SETS } from './render.ts';

const schema = JSON.parse(readFileSync(join(CHART, 'values.schema.json'), 'utf8')) as Json;
const validate = new Ajv({ allErrors: true, strict: true, allowUnionTypes: true }).compile(schema);

function problems(values: unknown): string[] {
  return validate(values) ? [] : (validate.errors ?? []).map((e) => `${e.instancePath} ${e.message}`);
}

test('values.schema.json accepts values.yaml and every value set the tests render', () => {
  assert.deepEqual(problems(chartValues()), []);
  assert.deepEqual(
    problems(mergeValues(chartValues(), { global: { x: 1 }, gitops: { githubApp: { appId: 123 } } })),
    [],
  );
  for (const [name, values] of Object.entries(VALUE_SETS)) {
    assert.deepEqual(problems(mergeValues(chartValues(), values)), [], name);
  }
});

test('values.schema.json refuses unknown keys, wrong types and values the commands would refuse', () => {
  const refused: Array<[string, Json]> = [
    ['misspelt key', { controller: { replica: 3 } }],
    ['unknown top-level key', { rbac: { create: false } }],
    ['wrong type', { controller: { replicas: '2' } }],
    ['bad log level', { agent: { logLevel: 'verbose' } }],
    ['bad duration', { controller: { recoveryTimeout: 'two minutes' } }],
    [
      'policy repository over plain http',
      { controller: { policyRepository: { url: 'http://git.example.com/x' } } },
    ],
    ['repository not OWNER/NAME', { gitops: { repositories: ['acme'] } }],
    ['privileged port for the receiver', { gitops: { webhook: { port: 80 } } }],
    ['GitHub App id that is not a number', { gitops: { githubApp: { appId: 'my-app' } } }],
  ];
  for (const [why, override] of refused) {
    assert.notDeepEqual(problems(mergeValues(chartValues(), override)), [], why);
  }
});

/** Dotted paths of the values the schema names, down to the first value it does not break up. */
function documentedPaths(node: Json, prefix = ''): string[] {
  const properties = node.properties as Record<string, Json> | undefined;
  if (!properties) return [prefix];
  return Object.entries(properties).flatMap(([key, child]) =>
    documentedPaths(child, prefix ? `${prefix}.${key}` : key),
  );
}

test("the chart's README documents every value, and no value that does not exist", () => {
  const readme = readFileSync(join(CHART, 'README.md'), 'utf8');
  const paths = documentedPaths(schema);
  assert.ok(paths.length > 50, `${paths.length} values`);
  for (const path of paths) assert.ok(readme.includes(`| \`${path}\` |`), `README documents ${path}`);
  const rows = [...readme.matchAll(/^\| `([a-zA-Z.]+)` \|/gm)].map((m) => m[1]!);
  for (const row of rows)
    assert.ok(paths.includes(row), `README documents ${row}, which values.schema.json lacks`);
});
