// The project's real CRDs (charts/chaoscraft/crds) served by the test server, the examples validated
// against them, and the kubectl command from the brief, `kubectl --server URL get chaosexperiments -A -w`,
// with the admin's token over HTTPS (kubectl sends no credentials over plain HTTP; anonymous may only discover).
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { existsSync, readdirSync } from 'node:fs';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { parseAllDocuments } from 'yaml';
import { KubeApiError, type KubeApiServer, startKubeApiServer } from './index.ts';
import { adminFetch, createNamespaces } from './test-support.ts';

const CRD_DIRECTORY = fileURLToPath(new URL('../../../charts/chaoscraft/crds/', import.meta.url));
const EXAMPLES_DIRECTORY = fileURLToPath(new URL('../../../examples/', import.meta.url));
const KUBECTL = '/usr/bin/kubectl';

const hasCrds =
  existsSync(CRD_DIRECTORY) && readdirSync(CRD_DIRECTORY).some((file) => file.endsWith('.yaml'));
const skipReason = hasCrds ? false : `no CRDs in ${CRD_DIRECTORY} yet`;

describe('the chaoscraft.io CRDs', { skip: skipReason }, () => {
  let server: KubeApiServer;

  before(async () => {
    server = await startKubeApiServer({ crdDirectory: CRD_DIRECTORY });
    // The namespaces the examples are written for.
    createNamespaces(server, 'shop', 'media');
  });
  after(async () => {
    await server.close();
  });

  it('are served with their scopes and status subresources', async () => {
    const response = await adminFetch(server, `/apis/chaoscraft.io/v1alpha1`);
    const list = (await response.json()) as { resources: { name: string; namespaced: boolean }[] };
    const scope = Object.fromEntries(list.resources.map((resource) => [resource.name, resource.namespaced]));
    assert.equal(scope.chaosexperiments, true);
    assert.equal(scope.chaosschedules, true);
    assert.equal(scope.chaosinjections, true);
    assert.equal(scope.chaospolicies, false);
    assert.ok('chaosexperiments/status' in scope);
  });

  it('accept every example manifest of our kinds', async (t) => {
    if (!existsSync(EXAMPLES_DIRECTORY)) {
      t.skip(`no examples in ${EXAMPLES_DIRECTORY}`);
      return;
    }
    let accepted = 0;
    for (const file of readdirSync(EXAMPLES_DIRECTORY).filter((name) => /\.ya?ml$/.test(name))) {
      const text = await readFile(join(EXAMPLES_DIRECTORY, file), 'utf8');
      for (const document of parseAllDocuments(text)) {
        const object = document.toJSON() as { apiVersion?: string } | null;
        if (!object?.apiVersion?.startsWith('chaoscraft.io/')) continue;
        try {
          server.create(object as Record<string, unknown>);
        } catch (error) {
          const detail =
            error instanceof KubeApiError ? JSON.stringify(error.toStatus().details) : String(error);
          assert.fail(`${file}: ${detail}`);
        }
        accepted += 1;
      }
    }
    assert.ok(accepted > 0, 'at least one example was checked');
  });

  it('reject an invalid experiment with field causes', () => {
    assert.throws(
      () =>
        server.create({
          apiVersion: 'chaoscraft.io/v1alpha1',
          kind: 'ChaosExperiment',
          metadata: { name: 'broken', namespace: 'default' },
          spec: { mode: 'sometimes' },
        }),
      (error) =>
        error instanceof KubeApiError &&
        error.httpStatus === 422 &&
        (error.details?.causes ?? []).some((cause) => cause.field?.startsWith('spec.')),
    );
  });

  it('work with `kubectl --server URL --token T get chaosexperiments -A -w`', async (t) => {
    if (!existsSync(KUBECTL)) {
      t.skip(`kubectl not found at ${KUBECTL}`);
      return;
    }
    const cacheDirectory = await mkdtemp(join(tmpdir(), 'kubectl-cache-'));
    const child = spawn(
      KUBECTL,
      [
        '--server',
        server.tlsUrl,
        '--insecure-skip-tls-verify',
        '--token',
        server.tokenFor('admin'),
        '--cache-dir',
        cacheDirectory,
        'get',
        'chaosexperiments',
        '-A',
        '-w',
      ],
      {
        stdio: ['ignore', 'pipe', 'pipe'],
        env: { ...process.env, KUBECONFIG: join(cacheDirectory, 'none') },
      },
    );
    let output = '';
    child.stdout.on('data', (chunk: Buffer) => {
      output += chunk.toString();
    });
    child.stderr.on('data', (chunk: Buffer) => {
      output += chunk.toString();
    });
    const exited = new Promise<void>((resolve) => child.on('exit', () => resolve()));
    try {
      const deadline = Date.now() + 10_000;
      while (server.openWatchCount === 0 && Date.now() < deadline)
        await new Promise((r) => setTimeout(r, 20));
      assert.equal(server.openWatchCount, 1, `kubectl opened a watch (output: ${output})`);
      const existing = server.list({ apiVersion: 'chaoscraft.io/v1alpha1', kind: 'ChaosExperiment' })[0];
      assert.ok(existing, 'an experiment exists to be watched');
      server.patch({
        apiVersion: 'chaoscraft.io/v1alpha1',
        kind: 'ChaosExperiment',
        namespace: (existing.metadata as { namespace: string }).namespace,
        name: (existing.metadata as { name: string }).name,
        subresource: 'status',
        patch: {
          status: {
            conditions: [
              {
                type: 'Succeeded',
                status: 'Unknown',
                reason: 'Injecting',
                lastTransitionTime: '2025-01-01T00:00:00Z',
                message: 'x',
              },
            ],
          },
        },
      });
      while (!output.includes('Injecting') && Date.now() < deadline)
        await new Promise((r) => setTimeout(r, 20));
      assert.match(output, /NAMESPACE\s+NAME\s+SUCCEEDED\s+REASON/);
      assert.match(output, /Unknown\s+Injecting/);
    } finally {
      child.kill('SIGTERM');
      await exited;
      await rm(cacheDirectory, { recursive: true, force: true });
    }
  });
});
