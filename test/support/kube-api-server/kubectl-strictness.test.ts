// The strict behaviours as the real kubectl shows them: the same errors and warnings a cluster gives.
import assert from 'node:assert/strict';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { type KubeApiServer, startKubeApiServer } from './index.ts';
import { type Kubectl, kubectlFor, kubectlMissing } from './kubectl-runner.ts';
import { MAX_REQUEST_BODY_BYTES, MAX_STORED_OBJECT_BYTES } from './object-size.ts';
import { FIXTURE_CRD_DIRECTORY } from './test-support.ts';

const drillYaml = (name: string, extra = '') =>
  [
    'apiVersion: fixtures.chaoscraft.io/v1alpha1',
    'kind: Drill',
    'metadata:',
    `  name: ${name}`,
    '  namespace: default',
    'spec:',
    '  mode: one',
    '  duration: 1s',
    extra,
    '',
  ].join('\n');

describe('kubectl sees a strict server', { skip: kubectlMissing }, () => {
  let server: KubeApiServer;
  let kubectl: Kubectl;

  before(async () => {
    server = await startKubeApiServer({ crdDirectory: FIXTURE_CRD_DIRECTORY });
    kubectl = await kubectlFor(server);
    await writeFile(join(kubectl.directory, 'base.yaml'), drillYaml('base'));
    const applied = await kubectl.run('apply', '-f', join(kubectl.directory, 'base.yaml'));
    assert.equal(applied.code, 0, applied.stderr);
  });
  after(async () => {
    await server.close();
    await kubectl.close();
  });

  it('refuses creates into a missing namespace', async () => {
    // `kubectl create configmap` would send protobuf (refused here with 415); apply sends JSON.
    const file = join(kubectl.directory, 'configmap.yaml');
    await writeFile(file, 'apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: x\n  namespace: nowhere\n');
    const result = await kubectl.run('apply', '-f', file);
    assert.notEqual(result.code, 0);
    assert.match(
      result.stderr,
      /Error from server \(NotFound\): error when creating ".*": namespaces "nowhere" not found/,
    );
  });

  it('refuses creates into a terminating namespace', async () => {
    const namespace = join(kubectl.directory, 'leaving.yaml');
    await writeFile(
      namespace,
      [
        'apiVersion: v1',
        'kind: Namespace',
        'metadata:',
        '  name: leaving',
        '---',
        'apiVersion: v1',
        'kind: ConfigMap',
        'metadata:',
        '  name: held',
        '  namespace: leaving',
        // A finalizer keeps the namespace terminating for as long as the test needs.
        '  finalizers: [test.chaoscraft.io/hold]',
        '',
      ].join('\n'),
    );
    const created = await kubectl.run('apply', '-f', namespace);
    assert.equal(created.code, 0, created.stderr);
    const deleted = await kubectl.run('delete', 'namespace', 'leaving', '--wait=false');
    assert.equal(deleted.code, 0, deleted.stderr);
    const phase = await kubectl.run('get', 'namespace', 'leaving');
    assert.match(phase.stdout, /^leaving\s+Terminating\s/m);

    const file = join(kubectl.directory, 'late.yaml');
    await writeFile(file, 'apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: late\n  namespace: leaving\n');
    const result = await kubectl.run('apply', '-f', file);
    assert.notEqual(result.code, 0);
    assert.match(
      result.stderr,
      /Error from server \(Forbidden\): error when creating ".*": configmaps "late" is forbidden: unable to create new content in namespace leaving because it is being terminated/,
    );
  });

  it('refuses duplicate condition types in a status patch', async () => {
    const patch = JSON.stringify({
      status: {
        conditions: [
          { type: 'Succeeded', status: 'True' },
          { type: 'Succeeded', status: 'False' },
        ],
      },
    });
    const result = await kubectl.run(
      'patch',
      'drill',
      'base',
      '--subresource=status',
      '--type=merge',
      '-p',
      patch,
    );
    assert.notEqual(result.code, 0);
    assert.match(
      result.stderr,
      /is invalid: status\.conditions\[1\]: Duplicate value: map\[string\]interface \{\}\{"type":"Succeeded"\}/,
    );
  });

  it('refuses strategic merge patch on a custom resource', async () => {
    const result = await kubectl.run(
      'patch',
      'drill',
      'base',
      '--type=strategic',
      '-p',
      '{"spec":{"mode":"all"}}',
    );
    assert.notEqual(result.code, 0);
    assert.match(
      result.stderr,
      /strategic-merge-patch\+json is not supported by fixtures\.chaoscraft\.io\/v1alpha1, Kind=Drill: the body of the request was in an unknown format/,
    );
  });

  it('prints the server’s warning for an unknown field it dropped', async () => {
    const file = join(kubectl.directory, 'unknown.yaml');
    await writeFile(file, drillYaml('unknown', '  surprise: 1'));
    const result = await kubectl.run('apply', '--validate=warn', '-f', file);
    assert.equal(result.code, 0, result.stderr);
    assert.match(result.stderr, /Warning: unknown field "spec\.surprise"/);
  });

  it('refuses a status grown past etcd’s limit, and a body over 3 MiB', async () => {
    const grow = (bytes: number) =>
      JSON.stringify({
        status: { conditions: [{ type: 'Ready', status: 'True', message: 'm'.repeat(bytes) }] },
      });
    const file = join(kubectl.directory, 'patch.json');
    await writeFile(file, grow(MAX_STORED_OBJECT_BYTES));
    const tooBig = await kubectl.run(
      'patch',
      'drill',
      'base',
      '--subresource=status',
      '--type=merge',
      '--patch-file',
      file,
    );
    assert.notEqual(tooBig.code, 0);
    assert.match(tooBig.stderr, /Error from server: etcdserver: request is too large/);
    await writeFile(file, grow(MAX_REQUEST_BODY_BYTES));
    const tooLong = await kubectl.run(
      'patch',
      'drill',
      'base',
      '--subresource=status',
      '--type=merge',
      '--patch-file',
      file,
    );
    assert.notEqual(tooLong.code, 0);
    assert.match(
      tooLong.stderr,
      /Error from server \(RequestEntityTooLarge\): Request entity too large: limit is 3145728/,
    );
  });
});
