// The OpenAPI subset extractor (scripts/extract-github-openapi.ts) and the committed fixture it writes.

import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { test } from 'node:test';
import {
  ExtractionError,
  extractSubset,
  FIXTURE_PATH,
  GITHUB_OPERATIONS,
  renderSubset,
} from '../../../scripts/extract-github-openapi.ts';
import { GitHubContract } from './contract.ts';

const tinySpec = {
  openapi: '3.0.3',
  paths: {
    '/things/{id}': {
      get: {
        summary: 'Get a thing',
        description: 'long prose',
        operationId: 'things/get',
        parameters: [{ $ref: '#/components/parameters/id' }],
        responses: {
          '200': {
            description: 'ok',
            content: { 'application/json': { schema: { $ref: '#/components/schemas/thing' }, examples: {} } },
          },
        },
      },
      delete: { operationId: 'things/delete', responses: { '204': { description: 'gone' } } },
    },
  },
  components: {
    parameters: { id: { name: 'id', in: 'path', required: true, schema: { type: 'integer' } } },
    schemas: {
      thing: {
        type: 'object',
        description: 'a thing',
        properties: { description: { type: 'string' }, owner: { $ref: '#/components/schemas/user' } },
      },
      user: { type: 'object', example: { login: 'x' }, properties: { login: { type: 'string' } } },
      unused: { type: 'string' },
    },
  },
};

test('extractSubset keeps the chosen operations and their transitive components, without prose', () => {
  const subset = extractSubset({ spec: tinySpec, operations: ['GET /things/{id}'], sourceVersion: '1.2.3' });
  const info = subset.info as Record<string, unknown>;
  assert.equal(info.version, '1.2.3');
  assert.equal(info['x-source-package'], '@octokit/openapi');
  const paths = subset.paths as Record<string, Record<string, Record<string, unknown>>>;
  assert.deepEqual(Object.keys(paths['/things/{id}']!), ['get']);
  assert.equal(paths['/things/{id}']!.get!.description, undefined);
  assert.equal(paths['/things/{id}']!.get!.operationId, 'things/get');
  const components = subset.components as Record<string, Record<string, Record<string, unknown>>>;
  assert.deepEqual(Object.keys(components.schemas!).sort(), ['thing', 'user']);
  assert.deepEqual(Object.keys(components.parameters!), ['id']);
  const thing = components.schemas!.thing!;
  assert.equal(thing.description, undefined, 'prose stripped');
  assert.deepEqual(
    (thing.properties as Record<string, unknown>).description,
    { type: 'string' },
    'a property NAMED description is kept',
  );
  assert.equal(components.schemas!.user!.example, undefined);
});

test('extractSubset fails clearly on an operation the description does not have', () => {
  assert.throws(
    () => extractSubset({ spec: tinySpec, operations: ['POST /things/{id}'], sourceVersion: '1' }),
    (error: unknown) => error instanceof ExtractionError && error.code === 'OperationNotFound',
  );
});

test('the committed fixture covers every operation and compiles into a contract', () => {
  const fixture = JSON.parse(readFileSync(FIXTURE_PATH, 'utf8')) as {
    info: { version: string };
    paths: Record<string, Record<string, unknown>>;
  };
  assert.match(fixture.info.version, /^\d+\.\d+\.\d+$/);
  const present = Object.entries(fixture.paths).flatMap(([path, item]) =>
    Object.keys(item).map((method) => `${method.toUpperCase()} ${path}`),
  );
  assert.deepEqual(present.sort(), [...GITHUB_OPERATIONS].sort());
  assert.equal(new GitHubContract().operationIds.length, GITHUB_OPERATIONS.length);
});

test('the committed fixture is what the extractor produces from the installed @octokit/openapi', (t) => {
  try {
    createRequire(import.meta.url).resolve('@octokit/openapi/package.json');
  } catch {
    t.skip('@octokit/openapi is not installed (npm install --no-save @octokit/openapi to run this check)');
    return;
  }
  assert.equal(
    renderSubset(),
    readFileSync(FIXTURE_PATH, 'utf8'),
    'run node scripts/extract-github-openapi.ts',
  );
});
