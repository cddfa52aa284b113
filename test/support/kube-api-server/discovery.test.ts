// Discovery documents, /version, OpenAPI v3 stubs, content negotiation and protocol-level errors.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { ApisApi, CoreApi, type KubeConfig, VersionApi } from '@kubernetes/client-node';
import { type KubeApiServer, kubeConfigFor, makeRunningPod, startKubeApiServer } from './index.ts';
import { adminFetch, FIXTURE_CRD_DIRECTORY } from './test-support.ts';

interface ResourceEntry {
  name: string;
  kind: string;
  namespaced: boolean;
  verbs: string[];
  shortNames?: string[];
  categories?: string[];
}

describe('discovery and protocol', () => {
  let server: KubeApiServer;
  let config: KubeConfig;
  const getJson = async (path: string, headers: Record<string, string> = {}) => {
    const response = await adminFetch(server, `${path}`, { headers });
    return { status: response.status, body: (await response.json()) as Record<string, unknown> };
  };

  before(async () => {
    server = await startKubeApiServer({ crdDirectory: FIXTURE_CRD_DIRECTORY });
    config = kubeConfigFor(server);
  });
  after(async () => {
    await server.close();
  });

  it('serves /version, /api and /apis through client-node', async () => {
    const version = await config.makeApiClient(VersionApi).getCode();
    assert.equal(version.major, '1');
    const core = await config.makeApiClient(CoreApi).getAPIVersions();
    assert.deepEqual(core.versions, ['v1']);
    assert.equal(core.serverAddressByClientCIDRs[0]?.serverAddress, `127.0.0.1:${server.port}`);
    const groups = await config.makeApiClient(ApisApi).getAPIVersions();
    assert.deepEqual(groups.groups.map((group) => group.name).sort(), [
      'apiextensions.k8s.io',
      'apps',
      'argoproj.io',
      'authentication.k8s.io',
      'authorization.k8s.io',
      'coordination.k8s.io',
      'fixtures.chaoscraft.io',
      'rbac.authorization.k8s.io',
    ]);
  });

  it('lists resources per group version with kind, scope, verbs, short names and categories', async () => {
    const coreList = await getJson('/api/v1');
    const coreResources = coreList.body.resources as ResourceEntry[];
    const pods = coreResources.find((resource) => resource.name === 'pods')!;
    assert.equal(pods.kind, 'Pod');
    assert.equal(pods.namespaced, true);
    assert.deepEqual(pods.shortNames, ['po']);
    assert.ok(pods.verbs.includes('watch') && pods.verbs.includes('deletecollection'));
    assert.ok(coreResources.some((resource) => resource.name === 'pods/status'));
    assert.equal(coreResources.find((resource) => resource.name === 'namespaces')?.namespaced, false);

    const fixtures = await getJson('/apis/fixtures.chaoscraft.io/v1alpha1');
    assert.equal(fixtures.body.groupVersion, 'fixtures.chaoscraft.io/v1alpha1');
    const drills = (fixtures.body.resources as ResourceEntry[]).find(
      (resource) => resource.name === 'drills',
    )!;
    assert.deepEqual(drills.shortNames, ['dr']);
    assert.deepEqual(drills.categories, ['chaos']);
    const names = (fixtures.body.resources as ResourceEntry[]).map((resource) => resource.name).sort();
    assert.deepEqual(names, ['drillpolicies', 'drills', 'drills/status']);

    const group = await getJson('/apis/coordination.k8s.io');
    assert.equal(
      (group.body.preferredVersion as { groupVersion: string }).groupVersion,
      'coordination.k8s.io/v1',
    );
    assert.equal((await getJson('/apis/nope.io/v1')).status, 404);
  });

  it('answers /openapi/v2 with 404 and publishes fieldValidation support in /openapi/v3', async () => {
    assert.equal((await getJson('/openapi/v2')).status, 404);
    const root = await getJson('/openapi/v3');
    const entry = (root.body.paths as Record<string, { serverRelativeURL: string }>)[
      'apis/fixtures.chaoscraft.io/v1alpha1'
    ];
    assert.ok(entry);
    const document = await getJson(entry.serverRelativeURL);
    const paths = document.body.paths as Record<string, { patch: { parameters: { name: string }[] } }>;
    const itemPath = paths['/apis/fixtures.chaoscraft.io/v1alpha1/namespaces/{namespace}/drills/{name}'];
    assert.ok(itemPath?.patch.parameters.some((parameter) => parameter.name === 'fieldValidation'));
  });

  it('serves built-in tables for pods, and watch events whose objects are tables', async () => {
    server.seed([makeRunningPod({ name: 'table-pod', namespace: 'tables', nodeName: 'n9' })]);
    const accept = 'application/json;as=Table;v=v1;g=meta.k8s.io,application/json';
    const table = await getJson('/api/v1/namespaces/tables/pods', { Accept: accept });
    assert.equal(table.body.kind, 'Table');
    const columns = (table.body.columnDefinitions as { name: string }[]).map((column) => column.name);
    assert.deepEqual(columns, ['Name', 'Ready', 'Status', 'Restarts', 'Age', 'IP', 'Node']);
    const cells = (table.body.rows as { cells: unknown[] }[])[0]!.cells;
    assert.deepEqual(cells.slice(0, 4), ['table-pod', '1/1', 'Running', '0']);
    assert.equal(cells[6], 'n9');

    const controller = new AbortController();
    const response = await adminFetch(server, `/api/v1/namespaces/tables/pods?watch=true`, {
      headers: { Accept: accept },
      signal: controller.signal,
    });
    const reader = response.body!.getReader();
    const { value } = await reader.read();
    controller.abort();
    const event = JSON.parse(new TextDecoder().decode(value).split('\n')[0]!);
    assert.equal(event.type, 'ADDED');
    assert.equal(event.object.kind, 'Table');
    assert.equal(event.object.rows[0].cells[0], 'table-pod');
  });

  it('refuses what it cannot speak, always with a metav1.Status body', async () => {
    const protobufOnly = await getJson('/api/v1/pods', { Accept: 'application/vnd.kubernetes.protobuf' });
    assert.equal(protobufOnly.status, 406);
    assert.equal(protobufOnly.body.kind, 'Status');

    const unknownPath = await getJson('/apis/apps/v1/namespaces/default/widgets');
    assert.equal(unknownPath.status, 404);
    assert.equal(unknownPath.body.reason, 'NotFound');

    const badJson = await adminFetch(server, `/api/v1/namespaces/default/configmaps`, {
      method: 'POST',
      headers: { 'Content-Type': 'application/json' },
      body: '{not json',
    });
    assert.equal(badJson.status, 400);

    const applyPatch = await adminFetch(server, `/api/v1/namespaces/tables/pods/table-pod`, {
      method: 'PATCH',
      headers: { 'Content-Type': 'application/apply-patch+yaml' },
      body: 'metadata: {}',
    });
    assert.equal(applyPatch.status, 415);
    assert.equal(((await applyPatch.json()) as { reason: string }).reason, 'UnsupportedMediaType');

    const wrongMethod = await adminFetch(server, `/api/v1/namespaces/default/configmaps/x`, {
      method: 'POST',
      body: '{}',
    });
    assert.equal(wrongMethod.status, 405);
    const createEverywhere = await adminFetch(server, `/api/v1/pods`, { method: 'POST', body: '{}' });
    assert.equal(createEverywhere.status, 405);
  });

  it('validates but stores nothing with dryRun=All', async () => {
    const before = server.resourceVersion;
    const response = await adminFetch(server, `/api/v1/namespaces/default/configmaps?dryRun=All`, {
      method: 'POST',
      headers: { 'Content-Type': 'application/json' },
      body: JSON.stringify({ metadata: { name: 'dry' }, data: { a: 'b' } }),
    });
    assert.equal(response.status, 201);
    assert.equal(((await response.json()) as { metadata: { name: string } }).metadata.name, 'dry');
    assert.equal(
      server.get({ apiVersion: 'v1', kind: 'ConfigMap', namespace: 'default', name: 'dry' }),
      undefined,
    );
    assert.equal(server.resourceVersion, before);
  });
});
