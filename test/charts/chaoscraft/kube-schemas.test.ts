// Every manifest the chart renders, under value sets that switch each optional part on and off, and
// every CRD in crds/, validated against Kubernetes' published schemas (kube-schemas.ts): a field of
// the wrong type, a missing required field or a misspelt key fails here, not at `helm install`.
//
// What this does not cover: rendering is done by go-template.ts, not helm (see its header for the
// template syntax it leaves out); the API server's validation beyond the OpenAPI schema (a selector
// matching its pod template, which workloads.test.ts checks for ours; allowPrivilegeEscalation with
// SYS_ADMIN, which security.test.ts checks) and admission (Pod Security) are not run; ServiceMonitor
// and PrometheusRule are checked for types and required fields only, not for unknown keys.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { checkAgainstKubernetes } from './kube-schemas.ts';
import { chartCrds, type Json, renderChart, VALUE_SETS } from './render.ts';

test('the schema check fails on a wrong type and on an unknown field', async () => {
  const deployment: Json = {
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    metadata: { name: 'x' },
    spec: {
      replicas: 2,
      selector: { matchLabels: { a: 'b' } },
      template: { metadata: { labels: { a: 'b' } }, spec: { containers: [{ name: 'c', image: 'i' }] } },
    },
  };
  assert.deepEqual((await checkAgainstKubernetes(deployment)).problems, []);
  const wrongType = structuredClone(deployment);
  (wrongType.spec as Json).replicas = 'two';
  assert.match((await checkAgainstKubernetes(wrongType)).problems.join('\n'), /replicas must be integer/);
  const misspelt = structuredClone(deployment) as { spec: { template: { spec: { containers: Json[] } } } };
  misspelt.spec.template.spec.containers[0]!.readinesProbe = { httpGet: { path: '/readyz', port: 8081 } };
  assert.deepEqual((await checkAgainstKubernetes(misspelt as unknown as Json)).problems, [
    '.spec.template.spec.containers[0].readinesProbe: unknown field of V1Container',
  ]);
  const missing = structuredClone(deployment) as { spec: { template: { spec: { containers: Json[] } } } };
  delete missing.spec.template.spec.containers[0]!.name;
  assert.match((await checkAgainstKubernetes(missing as unknown as Json)).problems.join('\n'), /name/);
});

for (const [name, values] of Object.entries(VALUE_SETS)) {
  test(`every manifest rendered with ${name} matches Kubernetes' schema for its kind`, async () => {
    const manifests = renderChart({ values, namespace: 'chaos' });
    assert.ok(manifests.length >= 10, `${manifests.length} manifests`);
    for (const { source, object } of manifests) {
      const result = await checkAgainstKubernetes(object);
      const label = `${source}: ${String(object.kind)} ${String((object.metadata as Json)?.name)}`;
      assert.deepEqual(result.problems, [], label);
      assert.ok(result.checks.includes('openapi'), label);
      if (!String(object.apiVersion).startsWith('monitoring.coreos.com/')) {
        assert.ok(result.checks.includes('unknown-fields'), label);
      }
    }
  });
}

test('the optional parts appear exactly when switched on', () => {
  const kinds = (values: Json) =>
    renderChart({ values })
      .map(({ object }) => `${String(object.kind)}/${String((object.metadata as Json).name)}`)
      .sort();
  const defaults = kinds(VALUE_SETS.defaults!);
  const everything = kinds(VALUE_SETS.everything!);
  const reduced = kinds(VALUE_SETS.reduced!);
  assert.ok(defaults.includes('DaemonSet/chaoscraft-agent'));
  assert.ok(defaults.includes('PodDisruptionBudget/chaoscraft-controller'));
  for (const optional of [
    'Deployment/chaoscraft-gitops',
    'ServiceMonitor/chaoscraft',
    'PrometheusRule/chaoscraft',
    'NetworkPolicy/chaoscraft-gitops-webhook',
    'Role/chaoscraft-controller-argocd-applications',
  ]) {
    assert.ok(!defaults.includes(optional), `${optional} is off by default`);
    assert.ok(everything.includes(optional), `${optional} can be switched on`);
  }
  assert.ok(reduced.includes('Deployment/chaoscraft-gitops'));
  for (const absent of [
    'DaemonSet/chaoscraft-agent',
    'ServiceAccount/agent',
    'Service/chaoscraft-agent-metrics',
    'PodDisruptionBudget/chaoscraft-controller',
    'Service/chaoscraft-gitops-webhook',
    'NetworkPolicy/chaoscraft-gitops-webhook',
  ]) {
    assert.ok(!reduced.includes(absent), absent);
  }
});

test('every CRD in crds/ matches the CustomResourceDefinition schema', async () => {
  const crds = chartCrds();
  assert.equal(crds.length, 4);
  for (const crd of crds) {
    const result = await checkAgainstKubernetes(crd);
    assert.deepEqual(result.problems, [], String((crd.metadata as Json).name));
    assert.deepEqual(result.checks, ['openapi', 'unknown-fields']);
  }
});
