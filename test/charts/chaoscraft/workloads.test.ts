// How the rendered workloads fit together: selectors match their pod templates; Services, probes,
// the ServiceMonitor and the NetworkPolicy name ports the containers have; every command-line flag
// the chart passes is one the command declares (its --help); the controller runs 2 replicas with
// leader election; gitops reads the GitHub App's secret from files; the PrometheusRule carries
// prometheus/alerts.yaml unchanged.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { parse } from 'yaml';
import { agentHelp } from '../../../controller/cli/agent-command.ts';
import { controllerHelp } from '../../../controller/cli/controller-command.ts';
import { gitopsHelp } from '../../../controller/cli/gitops-command.ts';
import { CHART, type Json, type Manifest, podSpec, renderChart, VALUE_SETS } from './render.ts';

const helps: Record<string, string> = { controller: controllerHelp, agent: agentHelp, gitops: gitopsHelp };

function find(manifests: Manifest[], kind: string, name: string): Json | undefined {
  return manifests.find(({ object }) => object.kind === kind && (object.metadata as Json).name === name)
    ?.object;
}

const workloads = [
  ['Deployment', 'chaoscraft-controller'],
  ['DaemonSet', 'chaoscraft-agent'],
  ['Deployment', 'chaoscraft-gitops'],
] as const;

for (const [name, values] of Object.entries(VALUE_SETS)) {
  test(`selectors, Services, probes and flags fit together (${name})`, () => {
    const manifests = renderChart({ values });
    const pods: Array<{ labels: Json; ports: string[] }> = [];
    for (const [kind, workloadName] of workloads) {
      const workload = find(manifests, kind, workloadName);
      if (!workload) continue;
      const spec = workload.spec as {
        selector: { matchLabels: Json };
        template: { metadata: { labels: Json } };
      };
      for (const [key, value] of Object.entries(spec.selector.matchLabels)) {
        assert.equal(spec.template.metadata.labels[key], value, `${workloadName} selector ${key}`);
      }
      const pod = podSpec(manifests, kind, workloadName)!;
      const container = pod.containers[0]!;
      const ports = ((container.ports ?? []) as Json[]).map((p) => String(p.name));
      pods.push({ labels: spec.template.metadata.labels, ports });
      const [command, ...flags] = container.args!;
      assert.ok(command && helps[command], `${workloadName} runs a known command`);
      for (const flag of flags) {
        const flagName = /^(--[a-z-]+)/.exec(flag)?.[1];
        assert.ok(flagName && helps[command]!.includes(`${flagName} `), `${command} has ${flag}`);
      }
      for (const probe of ['livenessProbe', 'readinessProbe']) {
        const port = ((container[probe] as Json | undefined)?.httpGet as Json | undefined)?.port;
        if (port !== undefined) assert.ok(ports.includes(String(port)), `${workloadName} ${probe} port`);
      }
      if (command !== 'gitops') {
        assert.ok(container.livenessProbe && container.readinessProbe, `${workloadName} is probed`);
        const healthPort = ((container.ports as Json[])[0]!.containerPort as number).toString();
        assert.ok(
          flags.includes(`--health-address=:${healthPort}`),
          `${workloadName} probes its health address`,
        );
        assert.equal(((container.readinessProbe as Json).httpGet as Json).path, '/readyz');
        assert.equal(((container.livenessProbe as Json).httpGet as Json).path, '/healthz');
      }
    }
    const selects = (selector: Json, labels: Json) =>
      Object.entries(selector).every(([k, v]) => labels[k] === v);
    for (const { object } of manifests.filter((m) => m.object.kind === 'Service')) {
      const spec = object.spec as { selector: Json; ports: Json[] };
      const selected = pods.filter((p) => selects(spec.selector, p.labels));
      assert.equal(selected.length, 1, `${String((object.metadata as Json).name)} selects one workload`);
      for (const port of spec.ports) assert.ok(selected[0]!.ports.includes(String(port.targetPort)));
    }
    const policy = find(manifests, 'NetworkPolicy', 'chaoscraft-gitops-webhook');
    if (policy) {
      const spec = policy.spec as { podSelector: { matchLabels: Json }; ingress: Array<{ ports: Json[] }> };
      const selected = pods.filter((p) => selects(spec.podSelector.matchLabels, p.labels));
      assert.equal(selected.length, 1);
      assert.deepEqual(
        spec.ingress.flatMap((rule) => rule.ports.map((p) => p.port)),
        ['webhook'],
      );
      assert.ok(selected[0]!.ports.includes('webhook'));
    }
    const monitor = find(manifests, 'ServiceMonitor', 'chaoscraft');
    if (monitor) {
      const spec = monitor.spec as { selector: { matchLabels: Json }; endpoints: Json[] };
      const services = manifests.filter(
        (m) =>
          m.object.kind === 'Service' &&
          selects(spec.selector.matchLabels, (m.object.metadata as Json).labels as Json),
      );
      assert.deepEqual(services.map((s) => (s.object.metadata as Json).name).sort(), [
        'chaoscraft-agent-metrics',
        'chaoscraft-controller-metrics',
      ]);
      for (const s of services) {
        assert.ok(((s.object.spec as Json).ports as Json[]).some((p) => p.name === spec.endpoints[0]!.port));
      }
    }
  });
}

test('the controller: 2 replicas, leader election on, a disruption budget that keeps one', () => {
  const manifests = renderChart();
  const deployment = find(manifests, 'Deployment', 'chaoscraft-controller')!;
  assert.equal((deployment.spec as Json).replicas, 2);
  assert.ok(
    podSpec(manifests, 'Deployment', 'chaoscraft-controller')!.containers[0]!.args!.includes(
      '--leader-elect=true',
    ),
  );
  assert.equal(
    (find(manifests, 'PodDisruptionBudget', 'chaoscraft-controller')!.spec as Json).minAvailable,
    1,
  );
});

test('gitops: the GitHub App secret mounted read-only as files the flags name, never in env or args', () => {
  const values = VALUE_SETS.everything!;
  const pod = podSpec(renderChart({ values }), 'Deployment', 'chaoscraft-gitops')!;
  const container = pod.containers[0]!;
  const volume = pod.volumes!.find(
    (v) => (v.secret as Json | undefined)?.secretName === 'chaoscraft-github-app',
  )!;
  const mount = container.volumeMounts!.find((m) => m.name === volume.name)!;
  assert.equal(mount.readOnly, true);
  assert.ok(container.args!.includes(`--private-key-file=${mount.mountPath}/private-key.pem`));
  assert.ok(container.args!.includes(`--webhook-secret-file=${mount.mountPath}/webhook-secret`));
  assert.ok(container.args!.includes('--app-id=12345') && container.args!.includes('--installation-id=678'));
  assert.ok(!JSON.stringify(container.env ?? []).includes('secretKeyRef'));
  const numeric = {
    gitops: {
      ...(values.gitops as Json),
      githubApp: { appId: 1234567, installationId: 87654321, existingSecret: 's' },
    },
  };
  const args = podSpec(renderChart({ values: numeric }), 'Deployment', 'chaoscraft-gitops')!.containers[0]!
    .args!;
  assert.ok(
    args.includes('--app-id=1234567') && args.includes('--installation-id=87654321'),
    'IDs given as numbers',
  );
  assert.throws(
    () => renderChart({ values: { gitops: { enabled: true } } }),
    /gitops.githubApp.existingSecret/,
  );
});

test('the PrometheusRule holds prometheus/alerts.yaml unchanged, $value and all', () => {
  const manifests = renderChart({ values: { metrics: { prometheusRule: { enabled: true } } } });
  const rule = find(manifests, 'PrometheusRule', 'chaoscraft')!;
  const alerts = parse(readFileSync(join(CHART, 'prometheus/alerts.yaml'), 'utf8')) as Json;
  assert.deepEqual(rule.spec, alerts);
  assert.match(JSON.stringify(rule.spec), /\{\{ \$value \}\}/);
});
