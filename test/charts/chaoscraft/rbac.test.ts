// The chart's RBAC is the static rule files of charts/chaoscraft/rbac/, the ones test/rbac/ proves
// least-privilege against the API test server: each file is read with .Files.Get by exactly one
// template, and what that template renders is the file's objects, unchanged but for the namespace
// (the release's instead of chaoscraft-system) and the controller's optional Argo CD Role (present,
// in the namespace given, only with controller.argocdNamespace). One role set per process, no
// wildcard, every workload runs under its own process's ServiceAccount.
import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { parseAllDocuments } from 'yaml';
import { CHART, type Json, podSpec, renderChart } from './render.ts';

const ruleFiles = readdirSync(join(CHART, 'rbac')).sort();
const templates = readdirSync(join(CHART, 'templates')).map((file) => ({
  file,
  text: readFileSync(join(CHART, 'templates', file), 'utf8'),
}));

function fileObjects(file: string): Json[] {
  const text = readFileSync(join(CHART, 'rbac', file), 'utf8');
  return parseAllDocuments(text).map((d) => d.toJS() as Json);
}

/** The file's objects as the chart should render them in `namespace`. */
function expected(file: string, namespace: string, argocdNamespace: string): Json[] {
  const text = JSON.stringify(fileObjects(file));
  return (JSON.parse(text) as Json[]).flatMap((object) => {
    const metadata = object.metadata as Json;
    if (metadata.namespace === 'argocd') {
      if (!argocdNamespace) return [];
      metadata.namespace = argocdNamespace;
    }
    if (metadata.namespace === 'chaoscraft-system') metadata.namespace = namespace;
    for (const subject of (object.subjects ?? []) as Json[]) {
      if (subject.namespace === 'chaoscraft-system') subject.namespace = namespace;
    }
    return [object];
  });
}

test('every rule file is read by exactly one template, and only rule files are read so', () => {
  assert.deepEqual(ruleFiles, ['agent.yaml', 'controller.yaml', 'gitops.yaml']);
  for (const file of ruleFiles) {
    const readers = templates.filter(({ text }) => text.includes(`.Files.Get "rbac/${file}"`));
    assert.deepEqual(
      readers.map((t) => t.file),
      [`rbac-${file}`],
      `rbac/${file}`,
    );
  }
  const reads = templates.flatMap(({ text }) =>
    [...text.matchAll(/\.Files\.Get "rbac\/([^"]+)"/g)].map((m) => m[1]),
  );
  assert.deepEqual(reads.sort(), ruleFiles);
  for (const { file, text } of templates) {
    if (!file.startsWith('rbac-') && !file.startsWith('_')) {
      assert.ok(!/kind: (Cluster)?Role(Binding)?\b/.test(text), `${file} writes no RBAC of its own`);
    }
  }
});

for (const [label, argocdNamespace] of [
  ['without Argo CD', ''],
  ['with controller.argocdNamespace', 'gitops-argocd'],
] as const) {
  test(`each template renders its rule file's objects in the release namespace (${label})`, () => {
    const namespace = 'chaos';
    const manifests = renderChart({
      namespace,
      values: {
        gitops: { enabled: true, githubApp: { appId: '1', installationId: '2', existingSecret: 's' } },
        controller: { argocdNamespace },
      },
    });
    for (const file of ruleFiles) {
      const rendered = manifests.filter((m) => m.source === `templates/rbac-${file}`).map((m) => m.object);
      assert.deepEqual(rendered, expected(file, namespace, argocdNamespace), file);
    }
    const roles = manifests.filter(({ object }) => /^(Cluster)?Role$/.test(String(object.kind)));
    for (const { object } of roles) {
      for (const rule of object.rules as Json[]) {
        for (const key of ['verbs', 'apiGroups', 'resources', 'resourceNames']) {
          const values = (rule[key] ?? []) as string[];
          assert.ok(
            !values.some((v) => v.includes('*')),
            `${String((object.metadata as Json).name)}: no wildcard`,
          );
        }
      }
    }
    // One role set per process: no role is bound to two processes' accounts.
    const bindings = manifests.filter(({ object }) => /RoleBinding$/.test(String(object.kind)));
    for (const { object } of bindings) {
      const subjects = object.subjects as Json[];
      assert.equal(subjects.length, 1);
      assert.equal(subjects[0]!.namespace, namespace);
    }
    for (const [kind, workload, account] of [
      ['Deployment', 'chaoscraft-controller', 'controller'],
      ['DaemonSet', 'chaoscraft-agent', 'agent'],
      ['Deployment', 'chaoscraft-gitops', 'gitops'],
    ] as const) {
      assert.equal(podSpec(manifests, kind, workload)?.serviceAccountName, account);
      const file = `${account}.yaml`;
      assert.ok(
        expected(file, namespace, '').some(
          (o) => o.kind === 'ServiceAccount' && (o.metadata as Json).name === account,
        ),
        `${account}'s ServiceAccount comes from rbac/${file}`,
      );
    }
  });
}

test("the gitops process's roles grant reads only", () => {
  const manifests = renderChart({
    values: {
      gitops: { enabled: true, githubApp: { appId: '1', installationId: '2', existingSecret: 's' } },
    },
  });
  const gitopsRoles = manifests.filter(
    (m) => m.source === 'templates/rbac-gitops.yaml' && /Role$/.test(String(m.object.kind)),
  );
  assert.ok(gitopsRoles.length > 0);
  for (const { object } of gitopsRoles) {
    for (const rule of object.rules as Json[]) {
      for (const verb of rule.verbs as string[]) assert.ok(['get', 'list', 'watch'].includes(verb), verb);
    }
  }
});
