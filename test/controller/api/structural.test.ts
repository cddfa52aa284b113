import assert from 'node:assert/strict';
import { test } from 'node:test';
import { checkStructural } from '../../../controller/api/structural.ts';
import type { JsonSchema } from '../../../schemas/json-schema.ts';
import { kinds, objectSchema } from '../../../schemas/kinds.ts';

for (const definition of kinds) {
  test(`${definition.kind}: the CRD schema is a structural schema`, () => {
    assert.deepEqual(checkStructural(objectSchema(definition, 'crd')), []);
  });
}

// The checker itself must catch each rule it claims to check, or the test above proves nothing.
const broken: [string, JsonSchema, RegExp][] = [
  ['a node without a type', { type: 'object', properties: { a: { description: 'x' } } }, /must have a type/],
  [
    'additionalProperties: false',
    { type: 'object', additionalProperties: false },
    /additionalProperties: false/,
  ],
  [
    'properties with additionalProperties',
    { type: 'object', properties: { a: { type: 'string' } }, additionalProperties: { type: 'string' } },
    /cannot be used together/,
  ],
  [
    'a type inside oneOf',
    { type: 'object', properties: { a: { type: 'string' } }, oneOf: [{ type: 'object' }] },
    /"type" is not allowed inside a logical junctor/,
  ],
  [
    'a junctor naming an undeclared field',
    { type: 'object', properties: { a: { type: 'string' } }, anyOf: [{ required: ['b'] }] },
    /"b" is not declared outside/,
  ],
  [
    'a type inside a not nested in allOf',
    {
      type: 'object',
      properties: { a: { type: 'string' } },
      allOf: [{ not: { required: ['a'], not: { type: 'object' } } }],
    },
    /"type" is not allowed inside a logical junctor/,
  ],
  [
    'a nested not naming an undeclared field',
    {
      type: 'object',
      properties: { a: { type: 'string' } },
      not: { required: ['a'], not: { required: ['b'] } },
    },
    /"b" is not declared outside/,
  ],
  ['$ref', { type: 'object', $ref: '#/x' } as JsonSchema, /keyword "\$ref" is not allowed/],
  ['an array without items', { type: 'array' }, /must declare items/],
  [
    'uniqueItems',
    { type: 'array', items: { type: 'string' }, uniqueItems: true } as JsonSchema,
    /uniqueItems/,
  ],
];

for (const [what, schema, message] of broken) {
  test(`structural check rejects ${what}`, () => {
    const violations = checkStructural(schema);
    assert.ok(
      violations.some((v) => message.test(v.message)),
      `expected ${message}, got ${JSON.stringify(violations)}`,
    );
  });
}

test('int-or-string and preserve-unknown-fields nodes need no type', () => {
  assert.deepEqual(
    checkStructural({
      type: 'object',
      properties: {
        a: { 'x-kubernetes-int-or-string': true },
        b: { 'x-kubernetes-preserve-unknown-fields': true },
      },
    }),
    [],
  );
});
