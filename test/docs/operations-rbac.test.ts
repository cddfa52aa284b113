// docs/OPERATIONS.md explains the RBAC rule by rule: its table has exactly one row per rule of
// charts/chaoscraft/rbac/*.yaml (process, role, API group, resources with any resourceNames, verbs),
// so a rule added, removed or changed without the docs fails here. Its links to the rule files and
// the chart README resolve.
import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { parseAllDocuments } from 'yaml';

const root = join(import.meta.dirname, '../..');
const operations = readFileSync(join(root, 'docs/OPERATIONS.md'), 'utf8');

interface Row {
  process: string;
  role: string;
  group: string;
  resources: string;
  verbs: string;
}

function documentedRows(): Row[] {
  const section = operations.split('### RBAC, rule by rule')[1]!.split('\n## ')[0]!;
  return section
    .split('\n')
    .filter((line) => /^\| (controller|agent|gitops) \|/.test(line))
    .map((line) => {
      const [process, role, group, resources, verbs] = line
        .split(' | ')
        .map((c) => c.replace(/^\| /, '').trim());
      return { process: process!, role: role!, group: group!, resources: resources!, verbs: verbs! };
    });
}

function ruleRows(): Row[] {
  return ['controller', 'agent', 'gitops'].flatMap((process) => {
    const text = readFileSync(join(root, `charts/chaoscraft/rbac/${process}.yaml`), 'utf8');
    return parseAllDocuments(text)
      .map(
        (d) =>
          d.toJS() as { kind: string; metadata: { name: string }; rules?: Array<Record<string, string[]>> },
      )
      .filter((o) => o.kind === 'Role' || o.kind === 'ClusterRole')
      .flatMap((o) =>
        (o.rules ?? []).map((rule) => {
          const names = rule.resourceNames?.map((n) => `\`${n}\``).join(', ');
          return {
            process,
            role: `${o.kind} \`${o.metadata.name}\``,
            group: rule.apiGroups!.map((g) => (g === '' ? 'core' : `\`${g}\``)).join(', '),
            resources: rule.resources!.join(', ') + (names ? ` (${names} only)` : ''),
            verbs: rule.verbs!.join(', '),
          };
        }),
      );
  });
}

test('the RBAC table of OPERATIONS has one row per rule of the rule files, in their order', () => {
  const rules = ruleRows();
  assert.ok(rules.length >= 20, `${rules.length} rules`);
  assert.deepEqual(documentedRows(), rules);
});

test("OPERATIONS' links to the chart resolve", () => {
  const links = [...operations.matchAll(/\]\((\.\.\/charts\/[^)#]+)\)/g)].map((m) => m[1]!);
  assert.ok(links.length >= 4);
  for (const link of links) assert.ok(existsSync(join(root, 'docs', link)), link);
});
