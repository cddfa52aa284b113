// CRDs loaded from a directory, served through CustomObjectsApi: schema validation (422 with causes),
// pruning, defaults, status subresource, generation, cluster scope, printer columns as a Table.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { ApiException, CustomObjectsApi, PatchStrategy, setHeaderOptions } from '@kubernetes/client-node';
import { loadCrdDirectory } from './crd-loader.ts';
import { type KubeApiServer, kubeConfigFor, startKubeApiServer } from './index.ts';
import { adminFetch, FIXTURE_CRD_DIRECTORY } from './test-support.ts';

type Drill = {
  apiVersion: string;
  kind: string;
  metadata: Record<string, unknown> & { name?: string; generation?: number; resourceVersion?: string };
  spec?: Record<string, unknown>;
  status?: Record<string, unknown>;
};

const group = 'fixtures.chaoscraft.io';
const version = 'v1alpha1';

function drill(name: string, spec: Record<string, unknown>): Drill {
  return { apiVersion: `${group}/${version}`, kind: 'Drill', metadata: { name }, spec };
}

function failureStatus(error: unknown) {
  assert.ok(error instanceof ApiException, `expected ApiException, got ${String(error)}`);
  return JSON.parse(error.body as string) as {
    code: number;
    reason: string;
    message: string;
    details?: { causes?: { field?: string; message: string; reason: string }[] };
  };
}

describe('custom resources from a CRD directory', () => {
  let server: KubeApiServer;
  let custom: CustomObjectsApi;
  const now = new Date('2025-03-01T12:00:00Z');
  let clock = now;

  before(async () => {
    server = await startKubeApiServer({ crdDirectory: FIXTURE_CRD_DIRECTORY, now: () => clock });
    custom = kubeConfigFor(server).makeApiClient(CustomObjectsApi);
  });
  after(async () => {
    await server.close();
  });

  it('loads every CRD document of the directory and skips other kinds', async () => {
    const loaded = await loadCrdDirectory({ directory: FIXTURE_CRD_DIRECTORY });
    assert.deepEqual(
      loaded.types.map((type) => `${type.kind}:${type.namespaced}:${type.statusSubresource}`).sort(),
      ['Drill:true:true', 'DrillPolicy:false:false'],
    );
  });

  it('creates a valid object, applies schema defaults and keeps preserve-unknown-fields subtrees', async () => {
    const created = (await custom.createNamespacedCustomObject({
      group,
      version,
      namespace: 'default',
      plural: 'drills',
      body: drill('kill-web', {
        mode: 'one',
        duration: '30s',
        timeout: '5m',
        selector: { labelSelector: { matchLabels: { app: 'web' } }, bogus: true },
        annotationsToCopy: { a: 'b' },
      }),
    })) as Drill;
    assert.equal(created.metadata.generation, 1);
    assert.equal(created.spec?.dryRun, false, 'default applied');
    assert.deepEqual(
      created.spec?.selector,
      { labelSelector: { matchLabels: { app: 'web' } } },
      'unknown field pruned',
    );
    assert.deepEqual(created.spec?.annotationsToCopy, { a: 'b' });
  });

  it('rejects schema violations with 422 Invalid and one cause per field', async () => {
    const failure = await custom
      .createNamespacedCustomObject({
        group,
        version,
        namespace: 'default',
        plural: 'drills',
        body: drill('broken', { mode: 'some', value: 'three', interface: 'eth0; rm -rf /' }),
      })
      .catch((e) => e);
    const status = failureStatus(failure);
    assert.equal(status.code, 422);
    assert.equal(status.reason, 'Invalid');
    const byField = new Map(status.details?.causes?.map((cause) => [cause.field, cause]));
    assert.equal(byField.get('spec.mode')?.reason, 'FieldValueNotSupported');
    assert.match(byField.get('spec.mode')?.message ?? '', /supported values: "one", "all", "fixed"/);
    assert.equal(byField.get('spec.value')?.reason, 'FieldValueTypeInvalid');
    assert.equal(byField.get('spec.duration')?.reason, 'FieldValueRequired');
    assert.equal(byField.get('spec.interface')?.reason, 'FieldValueInvalid');
    assert.match(status.message, /^Drill\.fixtures\.chaoscraft\.io "broken" is invalid: /);
  });

  it('refuses unknown fields with fieldValidation=Strict', async () => {
    const failure = await custom
      .createNamespacedCustomObject({
        group,
        version,
        namespace: 'default',
        plural: 'drills',
        fieldValidation: 'Strict',
        body: drill('strict', { mode: 'all', duration: '1m', surprise: 1 }),
      })
      .catch((e) => e);
    const status = failureStatus(failure);
    assert.equal(status.code, 400);
    assert.match(status.message, /unknown field "spec.surprise"/);
  });

  it('bumps generation on spec changes only, and requires a resourceVersion on PUT', async () => {
    const current = (await custom.getNamespacedCustomObject({
      group,
      version,
      namespace: 'default',
      plural: 'drills',
      name: 'kill-web',
    })) as Drill;
    const relabelled = (await custom.patchNamespacedCustomObject(
      {
        group,
        version,
        namespace: 'default',
        plural: 'drills',
        name: 'kill-web',
        body: { metadata: { labels: { team: 'sre' } } },
      },
      setHeaderOptions('Content-Type', PatchStrategy.MergePatch),
    )) as Drill;
    assert.equal(relabelled.metadata.generation, 1, 'metadata changes keep the generation');
    const respecced = (await custom.patchNamespacedCustomObject(
      {
        group,
        version,
        namespace: 'default',
        plural: 'drills',
        name: 'kill-web',
        body: [{ op: 'replace', path: '/spec/duration', value: '45s' }],
      },
      setHeaderOptions('Content-Type', PatchStrategy.JsonPatch),
    )) as Drill;
    assert.equal(respecced.metadata.generation, 2);
    const unconditional = { ...current, metadata: { ...current.metadata, resourceVersion: undefined } };
    const failure = await custom
      .replaceNamespacedCustomObject({
        group,
        version,
        namespace: 'default',
        plural: 'drills',
        name: 'kill-web',
        body: unconditional,
      })
      .catch((e) => e);
    const status = failureStatus(failure);
    assert.equal(status.code, 422);
    assert.equal(status.details?.causes?.[0]?.field, 'metadata.resourceVersion');
  });

  it('writes status only through /status; the main endpoint ignores status', async () => {
    const condition = {
      type: 'Succeeded',
      status: 'Unknown',
      reason: 'Running',
      lastTransitionTime: '2025-03-01T12:00:00Z',
    };
    const withStatus = (await custom.patchNamespacedCustomObjectStatus(
      {
        group,
        version,
        namespace: 'default',
        plural: 'drills',
        name: 'kill-web',
        body: {
          status: { observedGeneration: 2, targetCount: 3, conditions: [condition] },
          spec: { mode: 'all' },
        },
      },
      setHeaderOptions('Content-Type', PatchStrategy.MergePatch),
    )) as Drill;
    assert.equal(withStatus.status?.targetCount, 3);
    assert.equal(withStatus.spec?.mode, 'one', 'spec is untouched by /status');
    assert.equal(withStatus.metadata.generation, 2);

    const invalidStatus = await custom
      .patchNamespacedCustomObjectStatus(
        {
          group,
          version,
          namespace: 'default',
          plural: 'drills',
          name: 'kill-web',
          body: { status: { conditions: [{ type: 'Succeeded', status: 'Maybe' }] } },
        },
        setHeaderOptions('Content-Type', PatchStrategy.MergePatch),
      )
      .catch((e) => e);
    assert.equal(failureStatus(invalidStatus).details?.causes?.[0]?.field, 'status.conditions[0].status');

    const mainEndpoint = (await custom.patchNamespacedCustomObject(
      {
        group,
        version,
        namespace: 'default',
        plural: 'drills',
        name: 'kill-web',
        body: { status: { targetCount: 99 } },
      },
      setHeaderOptions('Content-Type', PatchStrategy.MergePatch),
    )) as Drill;
    assert.equal(mainEndpoint.status?.targetCount, 3);
  });

  it('serves cluster-scoped kinds without a status subresource', async () => {
    const created = (await custom.createClusterCustomObject({
      group,
      version,
      plural: 'drillpolicies',
      body: {
        apiVersion: `${group}/${version}`,
        kind: 'DrillPolicy',
        metadata: { name: 'global' },
        spec: { suspend: false },
      },
    })) as Drill;
    assert.equal(created.metadata.namespace, undefined);
    // Without a status subresource, status is ordinary content: it is written and bumps generation.
    const patched = (await custom.patchClusterCustomObject(
      {
        group,
        version,
        plural: 'drillpolicies',
        name: 'global',
        body: { status: { anything: { goes: 1 } } },
      },
      setHeaderOptions('Content-Type', PatchStrategy.MergePatch),
    )) as Drill;
    assert.deepEqual(patched.status, { anything: { goes: 1 } });
    assert.equal(patched.metadata.generation, 2);
    const invalid = await custom
      .patchClusterCustomObject(
        {
          group,
          version,
          plural: 'drillpolicies',
          name: 'global',
          body: { spec: { maxTargetsPercent: 150 } },
        },
        setHeaderOptions('Content-Type', PatchStrategy.MergePatch),
      )
      .catch((e) => e);
    assert.equal(failureStatus(invalid).details?.causes?.[0]?.field, 'spec.maxTargetsPercent');
  });

  it('serves a Table with printer columns, JSONPath filters and a human Age', async () => {
    clock = new Date(now.getTime() + 150_000);
    const response = await adminFetch(server, `/apis/${group}/${version}/namespaces/default/drills`, {
      headers: { Accept: 'application/json;as=Table;v=v1;g=meta.k8s.io,application/json' },
    });
    assert.equal(response.status, 200);
    const table = (await response.json()) as {
      kind: string;
      apiVersion: string;
      metadata: { resourceVersion: string };
      columnDefinitions: { name: string; type: string; priority: number }[];
      rows: { cells: unknown[]; object: { kind: string; metadata: { name: string } } }[];
    };
    assert.equal(table.kind, 'Table');
    assert.equal(table.apiVersion, 'meta.k8s.io/v1');
    assert.deepEqual(
      table.columnDefinitions.map((column) => column.name),
      ['Name', 'Succeeded', 'Reason', 'Targets', 'Mode', 'Age'],
    );
    assert.equal(table.columnDefinitions.find((column) => column.name === 'Mode')?.priority, 1);
    assert.deepEqual(table.rows[0]?.cells, ['kill-web', 'Unknown', 'Running', 3, 'one', '2m30s']);
    assert.equal(table.rows[0]?.object.kind, 'PartialObjectMetadata');
    assert.equal(table.rows[0]?.object.metadata.name, 'kill-web');
  });

  it('deletes custom objects with a Success Status', async () => {
    const result = (await custom.deleteNamespacedCustomObject({
      group,
      version,
      namespace: 'default',
      plural: 'drills',
      name: 'kill-web',
    })) as { kind: string; status: string; details: { name: string } };
    assert.equal(result.kind, 'Status');
    assert.equal(result.status, 'Success');
    assert.equal(result.details.name, 'kill-web');
  });
});
