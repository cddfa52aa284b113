// x-kubernetes-list-type map and set on custom resources; CRDs whose rules the server cannot enforce.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { ApiException, CustomObjectsApi, PatchStrategy, setHeaderOptions } from '@kubernetes/client-node';
import { CrdLoadError } from './crd-loader.ts';
import { type KubeApiServer, kubeConfigFor, startKubeApiServer } from './index.ts';
import { goSyntax } from './list-types.ts';
import type { JsonObject } from './resource-types.ts';
import { FIXTURE_CRD_DIRECTORY } from './test-support.ts';

const group = 'fixtures.chaoscraft.io';
const version = 'v1alpha1';

/** A CRD of kind Widget whose spec has the given properties. */
function widgetCrd(specProperties: JsonObject): JsonObject {
  return {
    apiVersion: 'apiextensions.k8s.io/v1',
    kind: 'CustomResourceDefinition',
    metadata: { name: `widgets.${group}` },
    spec: {
      group,
      scope: 'Namespaced',
      names: { plural: 'widgets', singular: 'widget', kind: 'Widget' },
      versions: [
        {
          name: version,
          served: true,
          storage: true,
          schema: {
            openAPIV3Schema: {
              type: 'object',
              properties: { spec: { type: 'object', properties: specProperties } },
            },
          },
        },
      ],
    },
  };
}

const widgetProperties = {
  tags: { type: 'array', 'x-kubernetes-list-type': 'set', items: { type: 'string' } },
  ports: {
    type: 'array',
    'x-kubernetes-list-type': 'map',
    'x-kubernetes-list-map-keys': ['port', 'protocol'],
    items: {
      type: 'object',
      required: ['port'],
      properties: { port: { type: 'integer' }, protocol: { type: 'string', default: 'TCP' } },
    },
  },
  free: { type: 'array', items: { type: 'string' } },
};

function failure(error: unknown) {
  assert.ok(error instanceof ApiException, `expected ApiException, got ${String(error)}`);
  return JSON.parse(error.body as string) as {
    code: number;
    reason: string;
    message: string;
    details?: { causes?: { field?: string; message: string; reason: string }[] };
  };
}

describe('goSyntax', () => {
  it('prints values as Go prints an interface{} with %#v', () => {
    assert.equal(goSyntax('a'), '"a"');
    assert.equal(goSyntax(80), '80');
    assert.equal(goSyntax({ type: 'Ready' }), 'map[string]interface {}{"type":"Ready"}');
    assert.equal(
      goSyntax({ protocol: 'TCP', port: 80 }),
      'map[string]interface {}{"port":80, "protocol":"TCP"}',
    );
  });
});

describe('list types on custom resources', () => {
  let server: KubeApiServer;
  let custom: CustomObjectsApi;

  before(async () => {
    server = await startKubeApiServer({
      crdDirectory: FIXTURE_CRD_DIRECTORY,
      crds: [widgetCrd(widgetProperties)],
    });
    custom = kubeConfigFor(server).makeApiClient(CustomObjectsApi);
    server.create({
      apiVersion: `${group}/${version}`,
      kind: 'Drill',
      metadata: { name: 'conditions', namespace: 'default' },
      spec: { mode: 'one', duration: '1s' },
    });
  });
  after(async () => {
    await server.close();
  });

  const createWidget = (name: string, spec: JsonObject) =>
    custom
      .createNamespacedCustomObject({
        group,
        version,
        namespace: 'default',
        plural: 'widgets',
        body: { apiVersion: `${group}/${version}`, kind: 'Widget', metadata: { name }, spec },
      })
      .then(
        () => undefined,
        (error: unknown) => error,
      );

  it('refuses two conditions of one type (map list keyed by type) with 422 Duplicate value', async () => {
    const error = await custom
      .patchNamespacedCustomObjectStatus(
        {
          group,
          version,
          namespace: 'default',
          plural: 'drills',
          name: 'conditions',
          body: {
            status: {
              conditions: [
                { type: 'Succeeded', status: 'Unknown' },
                { type: 'Ready', status: 'True' },
                { type: 'Succeeded', status: 'True' },
              ],
            },
          },
        },
        setHeaderOptions('Content-Type', PatchStrategy.MergePatch),
      )
      .then(
        () => undefined,
        (caught: unknown) => caught,
      );
    const status = failure(error);
    assert.equal(status.code, 422);
    assert.equal(status.reason, 'Invalid');
    assert.equal(
      status.message,
      'Drill.fixtures.chaoscraft.io "conditions" is invalid: status.conditions[2]: Duplicate value: map[string]interface {}{"type":"Succeeded"}',
    );
    assert.deepEqual(status.details?.causes, [
      {
        reason: 'FieldValueDuplicate',
        field: 'status.conditions[2]',
        message: 'Duplicate value: map[string]interface {}{"type":"Succeeded"}',
      },
    ]);
  });

  it('accepts conditions of distinct types', async () => {
    await custom.patchNamespacedCustomObjectStatus(
      {
        group,
        version,
        namespace: 'default',
        plural: 'drills',
        name: 'conditions',
        body: {
          status: {
            conditions: [
              { type: 'Succeeded', status: 'True' },
              { type: 'Ready', status: 'True' },
            ],
          },
        },
      },
      setHeaderOptions('Content-Type', PatchStrategy.MergePatch),
    );
  });

  it('refuses a repeated item of a set list', async () => {
    const status = failure(await createWidget('tags', { tags: ['a', 'b', 'a'] }));
    assert.equal(status.code, 422);
    assert.deepEqual(status.details?.causes, [
      { reason: 'FieldValueDuplicate', field: 'spec.tags[2]', message: 'Duplicate value: "a"' },
    ]);
  });

  it('keys a map list by all its keys, defaults included', async () => {
    assert.equal(
      await createWidget('ports-ok', {
        ports: [{ port: 80 }, { port: 80, protocol: 'UDP' }, { port: 443 }],
      }),
      undefined,
    );
    const status = failure(
      await createWidget('ports-dup', { ports: [{ port: 80 }, { port: 80, protocol: 'TCP' }] }),
    );
    assert.deepEqual(status.details?.causes, [
      {
        reason: 'FieldValueDuplicate',
        field: 'spec.ports[1]',
        message: 'Duplicate value: map[string]interface {}{"port":80, "protocol":"TCP"}',
      },
    ]);
  });

  it('leaves lists without a list type alone', async () => {
    assert.equal(await createWidget('free', { free: ['x', 'x'] }), undefined);
  });
});

describe('CRDs the server cannot enforce are refused at load', () => {
  it('refuses CEL rules (x-kubernetes-validations) instead of ignoring them', async () => {
    const crd = widgetCrd({
      replicas: {
        type: 'integer',
        'x-kubernetes-validations': [{ rule: 'self >= 0', message: 'must not be negative' }],
      },
    });
    await assert.rejects(
      startKubeApiServer({ crds: [crd] }),
      (error: unknown) =>
        error instanceof CrdLoadError &&
        /x-kubernetes-validations \(CEL\) at properties\.spec\.properties\.replicas/.test(error.message),
    );
  });

  it('refuses a map list without map keys, or with a key that is neither required nor defaulted', async () => {
    const withoutKeys = widgetCrd({
      items: { type: 'array', 'x-kubernetes-list-type': 'map', items: { type: 'object' } },
    });
    await assert.rejects(
      startKubeApiServer({ crds: [withoutKeys] }),
      /x-kubernetes-list-map-keys must be set/,
    );
    const optionalKey = widgetCrd({
      items: {
        type: 'array',
        'x-kubernetes-list-type': 'map',
        'x-kubernetes-list-map-keys': ['name'],
        items: { type: 'object', properties: { name: { type: 'string' } } },
      },
    });
    await assert.rejects(startKubeApiServer({ crds: [optionalKey] }), /must be required or have a default/);
  });
});
