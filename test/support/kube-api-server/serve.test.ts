// `npm run kube-test-server`: a process on loopback with a kubeconfig that kubectl uses; strict defaults.
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { KUBECTL, kubectlMissing } from './kubectl-runner.ts';
import { waitFor } from './test-support.ts';

const SERVE = fileURLToPath(new URL('./serve.ts', import.meta.url));

async function freePort(): Promise<number> {
  const probe = createServer();
  await new Promise<void>((resolve) => probe.listen(0, '127.0.0.1', () => resolve()));
  const { port } = probe.address() as { port: number };
  await new Promise((resolve) => probe.close(resolve));
  return port;
}

function run(
  command: string,
  args: string[],
): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    const child = spawn(command, args, { stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk: Buffer) => {
      stdout += chunk;
    });
    child.stderr.on('data', (chunk: Buffer) => {
      stderr += chunk;
    });
    child.on('exit', (code) => resolve({ code, stdout, stderr }));
  });
}

describe('kube-test-server command', () => {
  let directory: string;
  before(async () => {
    directory = await mkdtemp(join(tmpdir(), 'kube-test-server-'));
  });
  after(async () => {
    await rm(directory, { recursive: true, force: true });
  });

  it('refuses missing arguments with usage (exit 2)', async () => {
    const result = await run(process.execPath, [SERVE, '--kubeconfig', join(directory, 'k')]);
    assert.equal(result.code, 2);
    assert.match(result.stderr, /--port needs a port number/);
    assert.match(result.stderr, /usage: npm run kube-test-server/);
  });

  it('serves on loopback with our CRDs (no --crds needed) and a kubeconfig kubectl can use; stops on SIGTERM', {
    skip: kubectlMissing,
  }, async () => {
    const port = await freePort();
    const kubeconfig = join(directory, 'kubeconfig');
    const child = spawn(process.execPath, [SERVE, '--port', String(port), '--kubeconfig', kubeconfig], {
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let output = '';
    child.stdout.on('data', (chunk: Buffer) => {
      output += chunk;
    });
    const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
    try {
      await waitFor({
        condition: () => output.includes('kubeconfig'),
        // About 1.5 s on a quiet machine; a run that shares two cores with other tests takes longer.
        what: 'the server to start',
        timeoutMs: 30_000,
      });
      assert.match(output, new RegExp(`http://127\\.0\\.0\\.1:${port}`));
      const cache = ['--cache-dir', join(directory, 'cache'), '--kubeconfig', kubeconfig];
      const experiments = await run(KUBECTL, [...cache, 'get', 'chaosexperiments', '-A']);
      assert.equal(experiments.code, 0, experiments.stderr);
      const explained = await run(KUBECTL, [...cache, 'explain', 'chaosexperiment.spec']);
      assert.equal(explained.code, 0, explained.stderr);
      assert.match(explained.stdout, /KIND:\s+ChaosExperiment/);
      // Strict by default: a create into a missing namespace fails as on a cluster.
      const manifest = join(directory, 'configmap.yaml');
      await writeFile(
        manifest,
        'apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: x\n  namespace: nowhere\n',
      );
      const missing = await run(KUBECTL, [...cache, 'apply', '-f', manifest]);
      assert.notEqual(missing.code, 0);
      assert.match(missing.stderr, /namespaces "nowhere" not found/);
    } finally {
      child.kill('SIGTERM');
    }
    assert.equal(await exited, 0);
  });
});
