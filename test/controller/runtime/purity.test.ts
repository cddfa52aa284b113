// runtime/ is the controller machinery (queue, workers, informers, leader election, controllers):
// it must not load @kubernetes/client-node, which stays at the API edge (controller/kube/). A
// relative import that leaves runtime/ could load it on the way, so those are refused too. This
// test reads the source, so a new file is covered the day it is added (as core/purity.test.ts).
import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join, relative, resolve, sep } from 'node:path';
import { test } from 'node:test';

const runtime = join(import.meta.dirname, '../../../controller/runtime');
/** `import … from 'x'`, `export … from 'x'`, `import 'x'`, `import('x')`, `require('x')`, type-only ones included. */
const specifiers =
  /(?:^|\n)\s*(?:import|export)\s(?:[^'";]*?\sfrom\s)?['"]([^'"]+)['"]|\b(?:import|require)\(\s*['"]([^'"]+)['"]/g;

function* sources(dir: string): Generator<string> {
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) yield* sources(path);
    else if (entry.name.endsWith('.ts')) yield path;
  }
}

function runtimeImportProblems(files: Iterable<{ path: string; text: string }>): string[] {
  const problems: string[] = [];
  for (const { path, text } of files) {
    for (const match of text.matchAll(specifiers)) {
      const specifier = (match[1] ?? match[2])!;
      const file = relative(runtime, path);
      if (specifier.startsWith('@kubernetes/client-node')) problems.push(`${file} imports ${specifier}`);
      else if (specifier.startsWith('.')) {
        const target = resolve(dirname(path), specifier);
        if (!target.startsWith(runtime + sep))
          problems.push(`${file} imports ${specifier}, outside runtime/`);
      }
    }
  }
  return problems;
}

test('controller/runtime never imports @kubernetes/client-node, nor anything outside itself', () => {
  const files = [...sources(runtime)].map((path) => ({ path, text: readFileSync(path, 'utf8') }));
  assert.ok(files.length > 10);
  assert.deepEqual(runtimeImportProblems(files), []);
});

test('the check catches every form of import', () => {
  const at = (name: string, text: string) => ({ path: join(runtime, 'informer', name), text });
  assert.deepEqual(
    runtimeImportProblems([
      at('a.ts', "import type { KubernetesObject } from '@kubernetes/client-node';"),
      at('b.ts', "import {\n  Watch,\n  type KubeConfig,\n} from '@kubernetes/client-node';"),
      at('c.ts', "export { Watch } from '@kubernetes/client-node';"),
      at('d.ts', "const m = await import('@kubernetes/client-node');"),
      at('e.ts', "import { kubeListWatch } from '../../kube/list-watch.ts';"),
      at('f.ts', "import { sleep } from '../clock.ts';\nimport type { ListWatch } from './list-watch.ts';"),
    ]),
    [
      'informer/a.ts imports @kubernetes/client-node',
      'informer/b.ts imports @kubernetes/client-node',
      'informer/c.ts imports @kubernetes/client-node',
      'informer/d.ts imports @kubernetes/client-node',
      'informer/e.ts imports ../../kube/list-watch.ts, outside runtime/',
    ],
  );
});
