// Size limits: bodies over 3 MiB get 413; objects that would be stored over 1.5 MiB get etcd's 500.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { ApiException, CustomObjectsApi, PatchStrategy, setHeaderOptions } from '@kubernetes/client-node';
import { type KubeApiServer, kubeConfigFor, startKubeApiServer } from './index.ts';
import { MAX_REQUEST_BODY_BYTES, MAX_STORED_OBJECT_BYTES } from './object-size.ts';
import { FIXTURE_CRD_DIRECTORY } from './test-support.ts';

const group = 'fixtures.chaoscraft.io';
const version = 'v1alpha1';

function statusOf(error: unknown) {
  assert.ok(error instanceof ApiException, `expected ApiException, got ${String(error)}`);
  return { code: error.code, body: JSON.parse(error.body as string) as Record<string, unknown> };
}

/** A condition message that makes the object about `bytes` long. */
function bigStatus(bytes: number) {
  return { status: { conditions: [{ type: 'Succeeded', status: 'True', message: 'x'.repeat(bytes) }] } };
}

describe('object size limits', () => {
  let server: KubeApiServer;
  let custom: CustomObjectsApi;

  before(async () => {
    server = await startKubeApiServer({ crdDirectory: FIXTURE_CRD_DIRECTORY });
    custom = kubeConfigFor(server).makeApiClient(CustomObjectsApi);
    server.create({
      apiVersion: `${group}/${version}`,
      kind: 'Drill',
      metadata: { name: 'grows', namespace: 'default' },
      spec: { mode: 'one', duration: '1s' },
    });
  });
  after(async () => {
    await server.close();
  });

  const patchStatus = (body: object) =>
    custom.patchNamespacedCustomObjectStatus(
      { group, version, namespace: 'default', plural: 'drills', name: 'grows', body },
      setHeaderOptions('Content-Type', PatchStrategy.MergePatch),
    );

  it('stores an object just under 1.5 MiB', async () => {
    await patchStatus(bigStatus(MAX_STORED_OBJECT_BYTES - 2048));
  });

  it('refuses a status patch that grows the object past 1.5 MiB with etcd’s 500, keeping the old object', async () => {
    const before = server.get({
      apiVersion: `${group}/${version}`,
      kind: 'Drill',
      namespace: 'default',
      name: 'grows',
    });
    const error = await patchStatus(bigStatus(MAX_STORED_OBJECT_BYTES + 1)).then(
      () => undefined,
      (caught: unknown) => caught,
    );
    const { code, body } = statusOf(error);
    assert.equal(code, 500);
    assert.equal(body.reason, undefined, 'kube-apiserver sends no reason for errors it did not map');
    assert.equal(body.message, 'etcdserver: request is too large');
    const after = server.get({
      apiVersion: `${group}/${version}`,
      kind: 'Drill',
      namespace: 'default',
      name: 'grows',
    });
    assert.deepEqual(after, before);
  });

  it('refuses a body over 3 MiB with 413 before looking at it', async () => {
    const error = await patchStatus(bigStatus(MAX_REQUEST_BODY_BYTES + 1)).then(
      () => undefined,
      (caught: unknown) => caught,
    );
    const { code, body } = statusOf(error);
    assert.equal(code, 413);
    assert.equal(body.reason, 'RequestEntityTooLarge');
    assert.equal(body.message, 'Request entity too large: limit is 3145728');
  });

  it('refuses an oversized create through the test controls too', () => {
    assert.throws(
      () =>
        server.create({
          apiVersion: `${group}/${version}`,
          kind: 'Drill',
          metadata: { name: 'huge', namespace: 'default' },
          spec: {
            mode: 'one',
            duration: '1s',
            annotationsToCopy: { blob: 'y'.repeat(MAX_STORED_OBJECT_BYTES) },
          },
        }),
      /etcdserver: request is too large/,
    );
  });
});
