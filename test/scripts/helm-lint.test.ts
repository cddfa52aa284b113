// scripts/helm-lint.sh (`make lint`): without helm it says it skipped and succeeds; with helm (a
// stand-in here that records its arguments) it lints and renders the chart once per value file of
// charts/chaoscraft/ci/ and fails when helm does; shellcheck finds nothing in it, where installed.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { chmodSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';

const root = join(import.meta.dirname, '../..');
const script = join(root, 'scripts/helm-lint.sh');
const valueFiles = readdirSync(join(root, 'charts/chaoscraft/ci')).filter((f) => f.endsWith('-values.yaml'));

function run(helm: string) {
  return spawnSync('bash', [script], { encoding: 'utf8', env: { ...process.env, HELM: helm } });
}

function fakeHelm(dir: string, failOn: string): string {
  const path = join(dir, 'helm');
  writeFileSync(
    path,
    `#!/usr/bin/env bash\necho "$*" >> "${dir}/calls"\n[ "$1" = version ] && { echo v3.99.0; exit 0; }\n[ "$1" = "${failOn}" ] && exit 1\nexit 0\n`,
  );
  chmodSync(path, 0o755);
  return path;
}

test('without helm, make lint says it skipped helm and succeeds', () => {
  const result = run('/nonexistent/helm');
  assert.equal(result.status, 0, result.stderr);
  assert.match(result.stdout, /helm is not installed here; skipped helm lint and helm template/);
});

test('with helm, each value file of ci/ is linted strictly and rendered; a helm failure fails it', () => {
  const dir = mkdtempSync(join(tmpdir(), 'helm-lint-'));
  try {
    const result = run(fakeHelm(dir, 'none'));
    assert.equal(result.status, 0, result.stdout + result.stderr);
    const calls = readFileSync(join(dir, 'calls'), 'utf8').trim().split('\n').slice(1);
    assert.equal(calls.length, 2 * valueFiles.length);
    for (const file of valueFiles) {
      assert.ok(
        calls.some((c) => c.startsWith('lint --strict ') && c.endsWith(`ci/${file}`)),
        `lint ${file}`,
      );
      assert.ok(
        calls.some((c) => c.startsWith('template chaoscraft ') && c.endsWith(`ci/${file}`)),
        `template ${file}`,
      );
    }
    const failing = run(fakeHelm(dir, 'lint'));
    assert.equal(failing.status, 1);
    assert.match(failing.stderr, /helm found problems/);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

const shellcheck = spawnSync('shellcheck', ['--version']).status === 0;
test('shellcheck finds nothing in scripts/helm-lint.sh', {
  skip: shellcheck ? false : 'shellcheck is not installed (Debian package shellcheck)',
}, () => {
  const result = spawnSync('shellcheck', [script], { encoding: 'utf8' });
  assert.equal(result.status, 0, result.stdout);
});
