// The real kubectl against the test server: discovery, server-side printing (Table), watch, apply.
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { type KubeApiServer, makeWorkload, startKubeApiServer } from './index.ts';
import { KUBECTL, type Kubectl, kubectlFor, kubectlMissing } from './kubectl-runner.ts';
import { createNamespaces, FIXTURE_CRD_DIRECTORY } from './test-support.ts';

describe('kubectl against the test server', { skip: kubectlMissing }, () => {
  let server: KubeApiServer;
  let runner: Kubectl;
  let directory: string;
  let baseArgs: string[];
  const kubectl = (...args: string[]) => runner.run(...args);

  before(async () => {
    server = await startKubeApiServer({ crdDirectory: FIXTURE_CRD_DIRECTORY });
    runner = await kubectlFor(server);
    directory = runner.directory;
    baseArgs = runner.baseArgs;
    createNamespaces(server, 'shop');
    server.seed(makeWorkload({ name: 'web', namespace: 'shop', replicas: 2 }).objects);
  });
  after(async () => {
    await server.close();
    await runner.close();
  });

  it('gets pods across namespaces with server-side printed columns', async () => {
    const result = await kubectl('get', 'pods', '-A');
    assert.equal(result.code, 0, result.stderr);
    const lines = result.stdout.trim().split('\n');
    assert.match(lines[0]!, /^NAMESPACE\s+NAME\s+READY\s+STATUS\s+RESTARTS\s+AGE$/);
    assert.equal(lines.length, 3);
    assert.match(lines[1]!, /^shop\s+web-\S+\s+1\/1\s+Running\s+0\s+\d+s$/);
  });

  it('gets custom resources by plural, short name and category with printer columns', async () => {
    server.create({
      apiVersion: 'fixtures.chaoscraft.io/v1alpha1',
      kind: 'Drill',
      metadata: { name: 'kill-web', namespace: 'shop' },
      spec: { mode: 'one', duration: '30s' },
    });
    server.patch({
      apiVersion: 'fixtures.chaoscraft.io/v1alpha1',
      kind: 'Drill',
      namespace: 'shop',
      name: 'kill-web',
      subresource: 'status',
      patch: {
        status: { targetCount: 1, conditions: [{ type: 'Succeeded', status: 'True', reason: 'Completed' }] },
      },
    });
    for (const resource of ['drills', 'dr', 'chaos']) {
      const result = await kubectl('get', resource, '-n', 'shop');
      assert.equal(result.code, 0, result.stderr);
      const [header, row] = result.stdout.trim().split('\n');
      assert.match(header!, /^NAME\s+SUCCEEDED\s+REASON\s+TARGETS\s+AGE$/);
      assert.match(row!, /^kill-web\s+True\s+Completed\s+1\s+\d+s$/);
    }
    const wide = await kubectl('get', 'drills', '-n', 'shop', '-o', 'wide');
    assert.match(wide.stdout, /MODE/);
    const json = await kubectl('get', 'drill', 'kill-web', '-n', 'shop', '-o', 'jsonpath={.spec.mode}');
    assert.equal(json.stdout, 'one');
  });

  it('watches with get -w and prints events as they happen', async () => {
    const child = spawn(KUBECTL, [...baseArgs, 'get', 'drills', '-A', '-w'], {
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let output = '';
    child.stdout.on('data', (chunk: Buffer) => {
      output += chunk.toString();
    });
    const exited = new Promise<void>((resolve) => child.on('exit', () => resolve()));
    try {
      const deadline = Date.now() + 10_000;
      while (!output.includes('kill-web') && Date.now() < deadline)
        await new Promise((r) => setTimeout(r, 20));
      assert.match(output, /NAMESPACE\s+NAME\s+SUCCEEDED/);
      server.create({
        apiVersion: 'fixtures.chaoscraft.io/v1alpha1',
        kind: 'Drill',
        metadata: { name: 'watched-drill', namespace: 'default' },
        spec: { mode: 'all', duration: '5s' },
      });
      while (!output.includes('watched-drill') && Date.now() < deadline)
        await new Promise((r) => setTimeout(r, 20));
      assert.match(output, /default\s+watched-drill\s+/);
    } finally {
      child.kill('SIGTERM');
      await exited;
    }
  });

  it('applies a custom resource: create, then configure with a merge patch, and shows 422 errors', async () => {
    const manifest = join(directory, 'drill.yaml');
    const write = (mode: string, duration: string) =>
      writeFile(
        manifest,
        [
          'apiVersion: fixtures.chaoscraft.io/v1alpha1',
          'kind: Drill',
          'metadata:',
          '  name: applied',
          '  namespace: default',
          'spec:',
          `  mode: ${mode}`,
          `  duration: ${duration}`,
          '',
        ].join('\n'),
      );
    await write('all', '10s');
    const created = await kubectl('apply', '-f', manifest);
    assert.equal(created.code, 0, created.stderr);
    assert.match(created.stdout, /drill.fixtures.chaoscraft.io\/applied created/);
    await write('all', '20s');
    const configured = await kubectl('apply', '-f', manifest);
    assert.equal(configured.code, 0, configured.stderr);
    assert.match(configured.stdout, /configured/);
    const stored = server.get({
      apiVersion: 'fixtures.chaoscraft.io/v1alpha1',
      kind: 'Drill',
      namespace: 'default',
      name: 'applied',
    });
    assert.ok(stored, 'the applied drill is stored');
    assert.equal((stored.spec as { duration: string }).duration, '20s');
    assert.equal((stored.metadata as { generation: number }).generation, 2);
    await write('bogus', '20s');
    const invalid = await kubectl('apply', '-f', manifest);
    assert.notEqual(invalid.code, 0);
    assert.match(invalid.stderr, /is invalid: spec.mode: Unsupported value: "bogus"/);
  });

  it('deletes through kubectl', async () => {
    const result = await kubectl('delete', 'drill', 'applied', '-n', 'default');
    assert.equal(result.code, 0, result.stderr);
    assert.equal(
      server.get({
        apiVersion: 'fixtures.chaoscraft.io/v1alpha1',
        kind: 'Drill',
        namespace: 'default',
        name: 'applied',
      }),
      undefined,
    );
  });
});
