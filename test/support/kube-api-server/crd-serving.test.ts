// The CRDs the server was started with, served as apiextensions.k8s.io/v1 objects (`kubectl get crd`)
// and as OpenAPI v3 schemas (`kubectl explain`).
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { type KubeApiServer, startKubeApiServer } from './index.ts';
import { type Kubectl, kubectlFor, kubectlMissing } from './kubectl-runner.ts';
import { adminFetch } from './test-support.ts';

const CRDS = fileURLToPath(new URL('../../../charts/chaoscraft/crds', import.meta.url));

describe('CRDs as objects and schemas', () => {
  let server: KubeApiServer;

  before(async () => {
    server = await startKubeApiServer({ crdDirectory: CRDS });
  });
  after(async () => {
    await server.close();
  });

  it('serves each loaded CRD, established, for reading only', async () => {
    const list = (await (
      await adminFetch(server, `/apis/apiextensions.k8s.io/v1/customresourcedefinitions`)
    ).json()) as {
      items: { metadata: { name: string }; status: { conditions: { type: string; status: string }[] } }[];
    };
    const names = list.items.map((crd) => crd.metadata.name);
    assert.ok(names.includes('chaosexperiments.chaoscraft.io'), names.join());
    const established = list.items[0]!.status.conditions.find(
      (condition) => condition.type === 'Established',
    );
    assert.equal(established?.status, 'True');
    const deleted = await adminFetch(
      server,
      `/apis/apiextensions.k8s.io/v1/customresourcedefinitions/chaosexperiments.chaoscraft.io`,
      { method: 'DELETE' },
    );
    assert.equal(deleted.status, 405);
  });

  it('publishes each custom resource schema in OpenAPI v3, tagged with its group/version/kind', async () => {
    const document = (await (await adminFetch(server, `/openapi/v3/apis/chaoscraft.io/v1alpha1`)).json()) as {
      components: {
        schemas: Record<string, { 'x-kubernetes-group-version-kind': unknown[]; properties: object }>;
      };
    };
    const schema = document.components.schemas['io.chaoscraft.v1alpha1.ChaosExperiment'];
    assert.ok(schema, Object.keys(document.components.schemas).join());
    assert.deepEqual(schema['x-kubernetes-group-version-kind'], [
      { group: 'chaoscraft.io', version: 'v1alpha1', kind: 'ChaosExperiment' },
    ]);
    assert.ok('spec' in schema.properties);
  });

  describe('with kubectl', { skip: kubectlMissing }, () => {
    let kubectl: Kubectl;
    before(async () => {
      kubectl = await kubectlFor(server);
    });
    after(async () => {
      await kubectl.close();
    });

    it('kubectl get crd lists them', async () => {
      const result = await kubectl.run('get', 'crd');
      assert.equal(result.code, 0, result.stderr);
      assert.match(result.stdout, /^NAME\s+CREATED AT$/m);
      assert.match(result.stdout, /^chaosexperiments\.chaoscraft\.io\s+\d{4}-\d\d-\d\dT/m);
    });

    it('kubectl explain chaosexperiment.spec describes the fields', async () => {
      const result = await kubectl.run('explain', 'chaosexperiment.spec');
      assert.equal(result.code, 0, result.stderr);
      assert.match(result.stdout, /KIND:\s+ChaosExperiment/);
      assert.match(result.stdout, /faults\s+<\[\]Object> -required-/);
    });
  });
});
