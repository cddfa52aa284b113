// Content types of request bodies: 415 for what a real server refuses, YAML objects accepted, and a
// Warning header for unknown fields that were dropped (fieldValidation=Warn, the server's default).
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { type KubeApiServer, startKubeApiServer } from './index.ts';
import { adminFetch, FIXTURE_CRD_DIRECTORY } from './test-support.ts';

const drills = '/apis/fixtures.chaoscraft.io/v1alpha1/namespaces/default/drills';
const drill = (name: string, spec: Record<string, unknown>) => ({
  apiVersion: 'fixtures.chaoscraft.io/v1alpha1',
  kind: 'Drill',
  metadata: { name },
  spec: { mode: 'one', duration: '1s', ...spec },
});

describe('request content types', () => {
  let server: KubeApiServer;

  const send = async (method: string, path: string, contentType: string | undefined, body: string) => {
    const headers: Record<string, string> = contentType ? { 'Content-Type': contentType } : {};
    const response = await adminFetch(server, `${path}`, { method, headers, body });
    return {
      status: response.status,
      warnings: response.headers.get('warning'),
      body: (await response.json()) as Record<string, unknown>,
    };
  };

  before(async () => {
    server = await startKubeApiServer({ crdDirectory: FIXTURE_CRD_DIRECTORY });
    server.create(drill('existing', {}));
    server.create({
      apiVersion: 'v1',
      kind: 'ConfigMap',
      metadata: { name: 'settings', namespace: 'default' },
    });
    server.create({
      apiVersion: 'argoproj.io/v1alpha1',
      kind: 'Application',
      metadata: { name: 'chaos', namespace: 'default' },
      spec: {},
    });
  });
  after(async () => {
    await server.close();
  });

  it('refuses strategic merge patch on custom resources with 415, as kube-apiserver does', async () => {
    const patch = JSON.stringify({ metadata: { labels: { a: 'b' } } });
    const smp = 'application/strategic-merge-patch+json';
    for (const path of [
      `${drills}/existing`,
      '/apis/argoproj.io/v1alpha1/namespaces/default/applications/chaos',
    ]) {
      const refused = await send('PATCH', path, smp, patch);
      assert.equal(refused.status, 415, path);
      assert.equal(refused.body.reason, 'UnsupportedMediaType');
      assert.equal(
        refused.body.message,
        'the body of the request was in an unknown format - accepted media types include: application/json-patch+json, application/merge-patch+json, application/apply-patch+yaml',
      );
    }
    const builtin = await send('PATCH', '/api/v1/namespaces/default/configmaps/settings', smp, patch);
    assert.equal(builtin.status, 200);
    assert.throws(
      () =>
        server.patch({
          apiVersion: 'fixtures.chaoscraft.io/v1alpha1',
          kind: 'Drill',
          namespace: 'default',
          name: 'existing',
          patch: {},
          patchType: 'strategic',
        }),
      /unknown format/,
    );
  });

  it('refuses protobuf and other non-JSON object bodies with 415; reads YAML', async () => {
    for (const contentType of ['application/vnd.kubernetes.protobuf', 'text/plain', 'application/cbor']) {
      const refused = await send('POST', '/api/v1/namespaces/default/configmaps', contentType, '{}');
      assert.equal(refused.status, 415, contentType);
      assert.equal(refused.body.reason, 'UnsupportedMediaType');
      assert.match(
        String(refused.body.message),
        /accepted media types include: application\/json, application\/yaml$/,
      );
    }
    const yaml = await send(
      'POST',
      '/api/v1/namespaces/default/configmaps',
      'application/yaml',
      'apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: from-yaml\ndata:\n  a: b\n',
    );
    assert.equal(yaml.status, 201);
    assert.deepEqual(yaml.body.data, { a: 'b' });
    const patchAsProtobuf = await send(
      'PATCH',
      '/api/v1/namespaces/default/configmaps/settings',
      'application/vnd.kubernetes.protobuf',
      '{}',
    );
    assert.equal(patchAsProtobuf.status, 415);
  });

  it('warns about unknown fields it dropped, unless told to ignore them or to refuse', async () => {
    const body = JSON.stringify(drill('unknown', { x: 1, extra: { y: 2 } }));
    const warned = await send('POST', drills, 'application/json', body);
    assert.equal(warned.status, 201);
    assert.equal(
      warned.warnings,
      '299 - "unknown field \\"spec.x\\"", 299 - "unknown field \\"spec.extra\\""',
    );
    assert.equal((warned.body.spec as Record<string, unknown>).x, undefined);

    const patched = await send(
      'PATCH',
      `${drills}/unknown`,
      'application/merge-patch+json',
      JSON.stringify({ spec: { z: true } }),
    );
    assert.equal(patched.warnings, '299 - "unknown field \\"spec.z\\""');

    const ignored = await send(
      'POST',
      `${drills}?fieldValidation=Ignore`,
      'application/json',
      body.replace('"unknown"', '"ignored"'),
    );
    assert.equal(ignored.status, 201);
    assert.equal(ignored.warnings, null);

    const strict = await send(
      'POST',
      `${drills}?fieldValidation=Strict`,
      'application/json',
      body.replace('"unknown"', '"strict"'),
    );
    assert.equal(strict.status, 400);
    assert.match(String(strict.body.message), /strict decoding error: unknown field "spec\.x"/);

    const clean = await send('POST', drills, 'application/json', JSON.stringify(drill('clean', {})));
    assert.equal(clean.warnings, null);
  });
});
