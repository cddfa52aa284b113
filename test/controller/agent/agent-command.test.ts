// `chaoscraft agent`: usage, refusals of bad flags, and a real process that starts against the API test
// server, serves /readyz and /metrics, and exits 0 on SIGTERM. Needs no root.
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { run } from '../../../controller/cli/main.ts';
import { grantProcess } from '../../support/chaoscraft-rbac.ts';
import { type KubeApiServer, writeKubeconfigFile } from '../../support/kube-api-server/index.ts';
import { startServer, waitFor } from './agent-harness.ts';

const root = join(import.meta.dirname, '../../..');

async function cli(argv: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  let stdout = '';
  let stderr = '';
  const code = await run(argv, { stdout: (text) => (stdout += text), stderr: (text) => (stderr += text) });
  return { code, stdout, stderr };
}

let server: KubeApiServer;
let dir: string;
before(async () => {
  server = await startServer();
  dir = mkdtempSync(join(tmpdir(), 'chaoscraft-agent-cli-'));
});
after(async () => {
  await server?.close();
  if (dir) rmSync(dir, { recursive: true, force: true });
});

test('--help documents every flag', async () => {
  const { code, stdout } = await cli(['agent', '--help']);
  assert.equal(code, 0);
  for (const flag of [
    '--node',
    '--kubeconfig',
    '--controller-lease',
    '--controller-grace',
    '--sweep-interval',
    '--health-address',
    '--log-level',
    '--cgroup-root',
  ])
    assert.ok(stdout.includes(flag), flag);
});

test('bad flags are usage errors (exit 2) before anything starts', async () => {
  const saved = process.env.NODE_NAME;
  delete process.env.NODE_NAME;
  try {
    const cases: [string[], RegExp][] = [
      [['agent'], /--node is required/],
      [['agent', '--node', 'bad node!'], /--node must be a valid label value/],
      [['agent', '--node', 'n1', '--controller-lease', 'no-slash'], /--controller-lease/],
      [['agent', '--node', 'n1', '--controller-grace', 'soon'], /--controller-grace/],
      [['agent', '--node', 'n1', '--controller-grace', '10ms'], /--controller-grace/],
      [['agent', '--node', 'n1', '--sweep-interval', '-1s'], /--sweep-interval/],
      [['agent', '--node', 'n1', '--cgroup-root', '../etc'], /--cgroup-root/],
      [['agent', '--node', 'n1', '--log-level', 'loud'], /--log-level/],
    ];
    for (const [argv, message] of cases) {
      const { code, stderr } = await cli(argv);
      assert.equal(code, 2, argv.join(' '));
      assert.match(stderr, message);
    }
  } finally {
    if (saved !== undefined) process.env.NODE_NAME = saved;
  }
});

test('the process starts, reports ready and metrics, and exits 0 on SIGTERM', async () => {
  const kubeconfig = join(dir, 'kubeconfig');
  await grantProcess(server, 'agent');
  await writeKubeconfigFile({ server, path: kubeconfig, user: 'agent' });
  const child = spawn(
    process.execPath,
    [
      join(root, 'bin/chaoscraft.js'),
      'agent',
      '--node',
      'n1',
      '--kubeconfig',
      kubeconfig,
      '--health-address',
      '127.0.0.1:0',
    ],
    { stdio: ['ignore', 'pipe', 'pipe'] },
  );
  let output = '';
  child.stdout.on('data', (chunk) => (output += String(chunk)));
  child.stderr.on('data', (chunk) => (output += String(chunk)));
  const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
  try {
    const url = await waitFor({
      what: 'the health server',
      timeoutMs: 15_000,
      check: () => /"url":"(http:[^"]+)"/.exec(output)?.[1],
    });
    await waitFor({
      what: 'agent running',
      timeoutMs: 15_000,
      check: () => output.includes('agent running'),
    });
    assert.equal((await fetch(`${url}/readyz`)).status, 200);
    const metrics = await (await fetch(`${url}/metrics`)).text();
    assert.match(metrics, /chaoscraft_agent_active_injections 0/);
    assert.match(output, /"lease":"chaoscraft-system\/chaoscraft-controller"/);
  } finally {
    child.kill('SIGTERM');
  }
  const code = await waitFor({
    what: 'exit',
    timeoutMs: 15_000,
    check: () => exited.then((value) => ({ value })),
  });
  assert.equal(code.value, 0, output);
});
