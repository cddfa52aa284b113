// Strategic merge patch on built-in kinds: keyed lists merge item by item, as kubectl apply relies on.
import assert from 'node:assert/strict';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { type KubeApiServer, startKubeApiServer } from './index.ts';
import { type Kubectl, kubectlFor, kubectlMissing } from './kubectl-runner.ts';
import { applyStrategicMergePatch } from './strategic-merge-patch.ts';

const pod = {
  metadata: { name: 'p', finalizers: ['a'] },
  spec: {
    containers: [
      { name: 'app', image: 'app:1', env: [{ name: 'A', value: '1' }], ports: [{ containerPort: 80 }] },
      { name: 'sidecar', image: 'side:1' },
    ],
  },
  status: { conditions: [{ type: 'Ready', status: 'True' }] },
};

describe('applyStrategicMergePatch', () => {
  it('merges containers by name, env by name, conditions by type and finalizers as a set', () => {
    const patched = applyStrategicMergePatch(pod, {
      metadata: { finalizers: ['b', 'a'] },
      spec: {
        $setElementOrder: { containers: [{ name: 'app' }, { name: 'sidecar' }] },
        containers: [{ name: 'app', image: 'app:2', env: [{ name: 'B', value: '2' }] }],
      },
      status: { conditions: [{ type: 'Scheduled', status: 'True' }] },
    }) as typeof pod;
    assert.deepEqual(patched.metadata.finalizers, ['a', 'b']);
    assert.deepEqual(patched.spec.containers[0], {
      name: 'app',
      image: 'app:2',
      env: [
        { name: 'A', value: '1' },
        { name: 'B', value: '2' },
      ],
      ports: [{ containerPort: 80 }],
    });
    assert.deepEqual(patched.spec.containers[1], { name: 'sidecar', image: 'side:1' });
    assert.deepEqual(
      patched.status.conditions.map((condition) => condition.type),
      ['Ready', 'Scheduled'],
    );
    assert.equal((patched.spec as Record<string, unknown>).$setElementOrder, undefined);
    assert.deepEqual(pod.spec.containers[0]!.image, 'app:1', 'the input is not changed');
  });

  it('understands $patch delete and replace, $deleteFromPrimitiveList and null', () => {
    const patched = applyStrategicMergePatch(pod, {
      metadata: { '$deleteFromPrimitiveList/finalizers': ['a'] },
      spec: { containers: [{ name: 'sidecar', $patch: 'delete' }] },
      status: { conditions: [{ $patch: 'replace' }, { type: 'Only', status: 'False' }] },
    }) as typeof pod;
    assert.deepEqual(patched.metadata.finalizers, []);
    assert.deepEqual(
      patched.spec.containers.map((container) => container.name),
      ['app'],
    );
    assert.deepEqual(patched.status.conditions, [{ type: 'Only', status: 'False' }]);
    const removed = applyStrategicMergePatch(pod, { status: null }) as Record<string, unknown>;
    assert.equal(removed.status, undefined);
  });
});

describe('kubectl apply of a built-in kind', { skip: kubectlMissing }, () => {
  let server: KubeApiServer;
  let kubectl: Kubectl;

  before(async () => {
    server = await startKubeApiServer();
    kubectl = await kubectlFor(server);
  });
  after(async () => {
    await server.close();
    await kubectl.close();
  });

  it('changes one container of a Deployment and keeps the others whole', async () => {
    const file = join(kubectl.directory, 'deployment.yaml');
    const manifest = (image: string) =>
      [
        'apiVersion: apps/v1',
        'kind: Deployment',
        'metadata: {name: web, namespace: default}',
        'spec:',
        '  replicas: 1',
        '  selector: {matchLabels: {app: web}}',
        '  template:',
        '    metadata: {labels: {app: web}}',
        '    spec:',
        '      containers:',
        `      - {name: app, image: "${image}", ports: [{containerPort: 80}], env: [{name: A, value: "1"}]}`,
        '      - {name: sidecar, image: "side:1"}',
        '',
      ].join('\n');
    await writeFile(file, manifest('app:1'));
    const created = await kubectl.run('apply', '-f', file);
    assert.equal(created.code, 0, created.stderr);
    await writeFile(file, manifest('app:2'));
    const configured = await kubectl.run('apply', '-f', file);
    assert.equal(configured.code, 0, configured.stderr);
    const stored = server.get({
      apiVersion: 'apps/v1',
      kind: 'Deployment',
      namespace: 'default',
      name: 'web',
    }) as {
      spec: { template: { spec: { containers: Record<string, unknown>[] } } };
    };
    assert.deepEqual(stored.spec.template.spec.containers, [
      { name: 'app', image: 'app:2', ports: [{ containerPort: 80 }], env: [{ name: 'A', value: '1' }] },
      { name: 'sidecar', image: 'side:1' },
    ]);
  });
});
