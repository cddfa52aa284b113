// test/e2e/kind.sh needs Docker and is not run here. What can be checked without it: it is valid
// bash and shellcheck-clean (where shellcheck is installed), it refuses to start and names what is
// missing when a tool is absent, and what it relies on exists: the files it reads, the experiment
// and namespace it waits for (those of examples/pod-kill.yaml) and the chart values it sets.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, symlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { parse } from 'yaml';

const root = join(import.meta.dirname, '../..');
const script = join(import.meta.dirname, 'kind.sh');
const text = readFileSync(script, 'utf8');

test('kind.sh is valid bash', () => {
  const result = spawnSync('bash', ['-n', script], { encoding: 'utf8' });
  assert.equal(result.status, 0, result.stderr);
});

const shellcheck = spawnSync('shellcheck', ['--version']).status === 0;
test('shellcheck finds nothing in kind.sh', {
  skip: shellcheck ? false : 'shellcheck is not installed (Debian package shellcheck)',
}, () => {
  const result = spawnSync('shellcheck', [script], { encoding: 'utf8' });
  assert.equal(result.status, 0, result.stdout);
});

test('without its tools it exits 2 and names the missing ones, before doing anything', () => {
  const bin = mkdtempSync(join(tmpdir(), 'kind-sh-'));
  try {
    symlinkSync(process.execPath, join(bin, 'docker')); // present, never run
    const result = spawnSync('/bin/bash', [script], { encoding: 'utf8', env: { PATH: bin } });
    assert.equal(result.status, 2);
    assert.match(result.stderr, /missing kind kubectl helm/);
  } finally {
    rmSync(bin, { recursive: true, force: true });
  }
});

test('what kind.sh relies on exists', () => {
  for (const path of ['infra/kind-config.yaml', 'charts/chaoscraft', 'argocd/argocd-cm.yaml']) {
    assert.ok(text.includes(`\${root}/${path}`), `uses ${path}`);
    assert.ok(existsSync(join(root, path)), path);
  }
  const podKill = parse(readFileSync(join(root, 'examples/pod-kill.yaml'), 'utf8')) as {
    metadata: { name: string; namespace: string };
    spec: { selector: { labelSelector: { matchLabels: Record<string, string> } } };
  };
  assert.ok(text.includes(`experiment=${podKill.metadata.name}\n`));
  assert.ok(text.includes(`target_namespace=${podKill.metadata.namespace}\n`));
  assert.deepEqual(podKill.spec.selector.labelSelector.matchLabels, { app: 'checkout' });
  assert.ok(text.includes('-l app=checkout'));
  for (const stage of ['controller', 'agent']) {
    assert.match(readFileSync(join(root, 'Dockerfile'), 'utf8'), new RegExp(`^FROM .* AS ${stage}$`, 'm'));
    assert.ok(text.includes(`docker build --target ${stage} `));
  }
  const values = readFileSync(join(root, 'charts/chaoscraft/values.yaml'), 'utf8');
  for (const [, path] of text.matchAll(/--set ([a-zA-Z.]+)=/g)) {
    let node: unknown = parse(values);
    for (const key of path!.split('.')) node = (node as Record<string, unknown>)[key];
    assert.notEqual(node, undefined, `chart value ${path}`);
  }
});
