// The layers below the agent and the standalone runner, held to their import rules by reading the
// source, so a new file is covered the day it is added:
//   controller/host/    processes, cgroup v2, safe exec: imports nothing of ours but itself;
//   controller/faults/  node faults and the fault session: no Kubernetes, no agent, no standalone runner.
import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { join, relative, resolve } from 'node:path';
import { test } from 'node:test';

const controller = join(import.meta.dirname, '../../../controller');

function* sources(dir: string): Generator<string> {
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) yield* sources(path);
    else if (entry.name.endsWith('.ts')) yield path;
  }
}

/** Every import specifier of a file, static and dynamic, type-only ones included. */
function importsOf(file: string): string[] {
  const text = readFileSync(file, 'utf8');
  const found: string[] = [];
  for (const match of text.matchAll(/^\s*(?:import|export)\s[^'"]*?from\s+['"]([^'"]+)['"]/gm))
    found.push(match[1]!);
  for (const match of text.matchAll(/^\s*import\s+['"]([^'"]+)['"]/gm)) found.push(match[1]!);
  for (const match of text.matchAll(/\bimport\(\s*['"]([^'"]+)['"]\s*\)/g)) found.push(match[1]!);
  return found;
}

function problems(layer: string, allowed: (target: string, specifier: string) => boolean): string[] {
  const root = join(controller, layer);
  const found: string[] = [];
  const files = [...sources(root)];
  assert.ok(files.length >= 3, `${layer} has sources`);
  for (const file of files) {
    for (const specifier of importsOf(file)) {
      const target = specifier.startsWith('.') ? resolve(join(file, '..'), specifier) : specifier;
      if (!allowed(target, specifier)) found.push(`${relative(controller, file)} imports ${specifier}`);
    }
  }
  return found;
}

test('controller/host imports nothing of ours but itself, and no package', () => {
  const host = join(controller, 'host');
  assert.deepEqual(
    problems('host', (target, specifier) =>
      specifier.startsWith('.') ? target.startsWith(`${host}/`) : specifier.startsWith('node:'),
    ),
    [],
  );
});

test('controller/faults knows nothing of Kubernetes, the agent or the standalone runner', () => {
  const forbidden = ['agent', 'kube', 'manager', 'experiments', 'standalone', 'cli', 'probes'].map(
    (dir) => `${join(controller, dir)}/`,
  );
  assert.deepEqual(
    problems('faults', (target, specifier) =>
      specifier.startsWith('.')
        ? !forbidden.some((dir) => target.startsWith(dir))
        : specifier.startsWith('node:'),
    ),
    [],
  );
});

test('the rule test sees dynamic imports and re-exports', () => {
  const file = join(controller, 'faults/errors.ts');
  assert.ok(importsOf(file).includes('../host/errors.ts'));
});
