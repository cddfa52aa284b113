// `kubectl apply --server-side` of our example experiment: it applies, another field manager changing a
// field conflicts (kubectl prints the server's message), and --force-conflicts takes the field over.
import assert from 'node:assert/strict';
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { type KubeApiServer, startKubeApiServer } from './index.ts';
import { type Kubectl, kubectlFor, kubectlMissing } from './kubectl-runner.ts';
import { createNamespaces } from './test-support.ts';

const ROOT = join(import.meta.dirname, '../../..');
const EXAMPLE = join(ROOT, 'examples/pod-kill.yaml');

interface Experiment {
  metadata: {
    generation: number;
    managedFields: { manager: string; operation: string; fieldsV1: unknown }[];
  };
  spec: { duration: string };
}

describe('kubectl apply --server-side', { skip: kubectlMissing }, () => {
  let server: KubeApiServer;
  let kubectl: Kubectl;
  let changed: string;
  const experiment = () =>
    server.get({
      apiVersion: 'chaoscraft.io/v1alpha1',
      kind: 'ChaosExperiment',
      namespace: 'shop',
      name: 'checkout-pod-kill',
    }) as unknown as Experiment;

  before(async () => {
    server = await startKubeApiServer({ crdDirectory: join(ROOT, 'charts/chaoscraft/crds') });
    createNamespaces(server, 'shop');
    kubectl = await kubectlFor(server);
    changed = join(kubectl.directory, 'pod-kill-30s.yaml');
    await writeFile(changed, (await readFile(EXAMPLE, 'utf8')).replace('duration: 60s', 'duration: 30s'));
  });
  after(async () => {
    await server.close();
    await kubectl.close();
  });

  it('applies the example, and again without a change', async () => {
    const first = await kubectl.run('apply', '--server-side', '-f', EXAMPLE);
    assert.equal(first.code, 0, first.stderr);
    assert.equal(first.stdout.trim(), 'chaosexperiment.chaoscraft.io/checkout-pod-kill serverside-applied');
    const owners = experiment().metadata.managedFields.map((entry) => `${entry.manager} ${entry.operation}`);
    assert.deepEqual(owners, ['kubectl Apply']);
    const again = await kubectl.run('apply', '--server-side', '-f', EXAMPLE);
    assert.equal(again.code, 0, again.stderr);
    assert.equal(experiment().metadata.generation, 1);
  });

  it('refuses another field manager changing a field the first one owns', async () => {
    const conflict = await kubectl.run(
      'apply',
      '--server-side',
      '--field-manager=platform-team',
      '-f',
      changed,
    );
    assert.equal(conflict.code, 1);
    // The probes conflict too, unchanged as they are: an atomic list is compared before defaults apply,
    // and its item lacks the `http.method: GET` the stored copy got from the schema.
    assert.match(
      conflict.stderr,
      /Apply failed with 2 conflicts: conflicts with "kubectl":\n- \.spec\.duration\n- \.spec\.hypothesis\.probes\n/,
    );
    assert.equal(experiment().spec.duration, '60s');
  });

  it('takes the field over with --force-conflicts', async () => {
    const forced = await kubectl.run(
      'apply',
      '--server-side',
      '--field-manager=platform-team',
      '--force-conflicts',
      '-f',
      changed,
    );
    assert.equal(forced.code, 0, forced.stderr);
    const object = experiment();
    assert.equal(object.spec.duration, '30s');
    assert.equal(object.metadata.generation, 2);
    const platform = object.metadata.managedFields.find((entry) => entry.manager === 'platform-team');
    assert.ok(JSON.stringify(platform?.fieldsV1).includes('"f:duration"'));
    const first = object.metadata.managedFields.find((entry) => entry.manager === 'kubectl');
    assert.ok(!JSON.stringify(first?.fieldsV1).includes('"f:duration"'), 'kubectl lost .spec.duration');
  });
});
