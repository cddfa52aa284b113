// Extracts the subset of GitHub's published OpenAPI description that ChaosCraft talks to, so the GitHub API
// test server can validate requests and responses against the real contract without committing 13 MB.
//
// Usage:  node scripts/extract-github-openapi.ts [--check]
//   --check  exit 1 if the committed fixture differs from a fresh extraction (instead of writing it)
//
// The source package is deliberately not in package.json (385 MB); install it on demand with
//   npm install --no-save @octokit/openapi

import { readFileSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

/** The operations ChaosCraft uses, as `METHOD /path` exactly as written in GitHub's description. */
export const GITHUB_OPERATIONS: readonly string[] = [
  'GET /repos/{owner}/{repo}/issues/{issue_number}/comments',
  'POST /repos/{owner}/{repo}/issues/{issue_number}/comments',
  'PATCH /repos/{owner}/{repo}/issues/comments/{comment_id}',
  'POST /repos/{owner}/{repo}/check-runs',
  'PATCH /repos/{owner}/{repo}/check-runs/{check_run_id}',
  'POST /repos/{owner}/{repo}/statuses/{sha}',
  'GET /repos/{owner}/{repo}/commits/{commit_sha}/pulls',
  'GET /repos/{owner}/{repo}/pulls/{pull_number}',
  'GET /repos/{owner}/{repo}/pulls/{pull_number}/files',
  'GET /repos/{owner}/{repo}/pulls',
  'POST /repos/{owner}/{repo}/issues',
  'PATCH /repos/{owner}/{repo}/issues/{issue_number}',
  'GET /repos/{owner}/{repo}/issues',
  'GET /repos/{owner}/{repo}/installation',
  'POST /app/installations/{installation_id}/access_tokens',
  'GET /rate_limit',
];

export const FIXTURE_PATH: string = join(
  dirname(fileURLToPath(import.meta.url)),
  '..',
  'test',
  'fixtures',
  'github',
  'openapi-subset.json',
);

const SOURCE_FILE = 'generated/api.github.com.json';

// Prose and samples: useless for validation and the bulk of the file. Never stripped when they are the
// name of a property (a repository HAS a `description` field).
const PROSE_KEYS = new Set([
  'description',
  'summary',
  'example',
  'examples',
  'externalDocs',
  'tags',
  'x-github',
]);

type Json = null | boolean | number | string | Json[] | { [key: string]: Json };
type JsonObject = { [key: string]: Json };

export class ExtractionError extends Error {
  readonly code: string;
  readonly data: Record<string, unknown>;
  constructor(options: { code: string; message: string; data?: Record<string, unknown> }) {
    super(options.message);
    this.name = 'ExtractionError';
    this.code = options.code;
    this.data = options.data ?? {};
  }
}

function isObject(value: Json | undefined): value is JsonObject {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** Deep copy without prose keys. `inPropertyMap` marks an object whose keys are property names. */
function stripProse(value: Json, inPropertyMap = false): Json {
  if (Array.isArray(value)) return value.map((item) => stripProse(item));
  if (!isObject(value)) return value;
  const out: JsonObject = {};
  for (const [key, child] of Object.entries(value)) {
    if (!inPropertyMap && PROSE_KEYS.has(key)) continue;
    out[key] = stripProse(child, !inPropertyMap && key === 'properties');
  }
  return out;
}

function collectRefs(value: Json, into: Set<string>): void {
  if (Array.isArray(value)) {
    for (const item of value) collectRefs(item, into);
    return;
  }
  if (!isObject(value)) return;
  for (const [key, child] of Object.entries(value)) {
    if (key === '$ref' && typeof child === 'string') into.add(child);
    else collectRefs(child, into);
  }
}

function sortKeysDeep(value: Json): Json {
  if (Array.isArray(value)) return value.map(sortKeysDeep);
  if (!isObject(value)) return value;
  const out: JsonObject = {};
  for (const key of Object.keys(value).sort()) out[key] = sortKeysDeep(value[key]!);
  return out;
}

/** Pure: builds the subset document from a full description. */
export function extractSubset(options: {
  spec: JsonObject;
  operations: readonly string[];
  sourceVersion: string;
}): JsonObject {
  const { spec, operations, sourceVersion } = options;
  const paths = spec.paths;
  const components = spec.components;
  if (!isObject(paths) || !isObject(components)) {
    throw new ExtractionError({ code: 'InvalidSource', message: 'source has no paths/components' });
  }
  const outPaths: JsonObject = {};
  for (const operation of operations) {
    const [method, path] = operation.split(' ') as [string, string];
    const item = paths[path];
    const op = isObject(item) ? item[method.toLowerCase()] : undefined;
    if (!isObject(op)) {
      throw new ExtractionError({
        code: 'OperationNotFound',
        message: `operation not in source: ${operation}`,
        data: { operation },
      });
    }
    const target = (outPaths[path] ?? {}) as JsonObject;
    target[method.toLowerCase()] = stripProse(op);
    outPaths[path] = target;
  }

  // Transitive closure over `#/components/<section>/<name>` references.
  const outComponents: Record<string, JsonObject> = {};
  const seen = new Set<string>();
  const pending = new Set<string>();
  collectRefs(outPaths, pending);
  while (pending.size > 0) {
    const ref = pending.values().next().value as string;
    pending.delete(ref);
    if (seen.has(ref)) continue;
    seen.add(ref);
    const match = /^#\/components\/([^/]+)\/([^/]+)$/.exec(ref);
    if (!match) throw new ExtractionError({ code: 'UnsupportedRef', message: `unsupported $ref ${ref}` });
    const [, section, name] = match as unknown as [string, string, string];
    const source = components[section];
    const entry = isObject(source) ? source[name] : undefined;
    if (entry === undefined) {
      throw new ExtractionError({ code: 'DanglingRef', message: `dangling $ref ${ref}`, data: { ref } });
    }
    const stripped = section === 'examples' ? entry : stripProse(entry);
    const sectionEntries = outComponents[section] ?? {};
    sectionEntries[name] = stripped;
    outComponents[section] = sectionEntries;
    const nested = new Set<string>();
    collectRefs(stripped, nested);
    for (const next of nested) if (!seen.has(next)) pending.add(next);
  }

  return sortKeysDeep({
    openapi: spec.openapi ?? '3.0.3',
    info: {
      title: 'GitHub REST API subset used by ChaosCraft',
      'x-source-package': '@octokit/openapi',
      'x-source-file': SOURCE_FILE,
      version: sourceVersion,
    },
    'x-operations': [...operations],
    paths: outPaths,
    components: outComponents,
  }) as JsonObject;
}

function loadSource(): { spec: JsonObject; version: string } {
  const require = createRequire(import.meta.url);
  let packageJsonPath: string;
  try {
    packageJsonPath = require.resolve('@octokit/openapi/package.json');
  } catch {
    throw new ExtractionError({
      code: 'SourceMissing',
      message:
        '@octokit/openapi is not installed (it is not in package.json on purpose: 385 MB).\n' +
        'Install it without saving, then re-run:\n  npm install --no-save @octokit/openapi',
    });
  }
  const packageJson = JSON.parse(readFileSync(packageJsonPath, 'utf8')) as { version: string };
  const spec = JSON.parse(readFileSync(join(dirname(packageJsonPath), SOURCE_FILE), 'utf8')) as JsonObject;
  return { spec, version: packageJson.version };
}

/** Extracts and serialises the subset (stable key order, trailing newline). */
export function renderSubset(): string {
  const { spec, version } = loadSource();
  const subset = extractSubset({ spec, operations: GITHUB_OPERATIONS, sourceVersion: version });
  return `${JSON.stringify(subset, null, 1)}\n`;
}

function main(argv: readonly string[]): number {
  const check = argv.includes('--check');
  let rendered: string;
  try {
    rendered = renderSubset();
  } catch (error) {
    if (error instanceof ExtractionError) {
      process.stderr.write(`${error.message}\n`);
      return 1;
    }
    throw error;
  }
  if (check) {
    let current = '';
    try {
      current = readFileSync(FIXTURE_PATH, 'utf8');
    } catch {}
    if (current !== rendered) {
      process.stderr.write(`${FIXTURE_PATH} is stale; run node scripts/extract-github-openapi.ts\n`);
      return 1;
    }
    process.stdout.write('fixture is up to date\n');
    return 0;
  }
  writeFileSync(FIXTURE_PATH, rendered);
  process.stdout.write(`wrote ${FIXTURE_PATH} (${rendered.length} bytes)\n`);
  return 0;
}

if (import.meta.main) process.exitCode = main(process.argv.slice(2));
