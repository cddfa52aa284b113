// The walk stays inside the paths given, visits each real folder once and honours --exclude and
// .chaoscraftignore.
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { formatReport } from '../../../controller/manifests/format.ts';
import { validatePaths } from '../../../controller/manifests/validate.ts';
import { findManifestFiles, isExcluded } from '../../../controller/manifests/walk.ts';

const dir = mkdtempSync(join(tmpdir(), 'chaoscraft-walk-'));
after(() => rmSync(dir, { recursive: true, force: true }));

function write(name: string, content: string): string {
  const path = join(dir, name);
  mkdirSync(join(path, '..'), { recursive: true });
  writeFileSync(path, content);
  return path;
}

test('links out of the root, into .git or to / are not followed, and their content never printed', async () => {
  write('outside/secret.yaml', 'token: chaoscraft-secret-line\n');
  write('repo/.git/config', '[remote "origin"]\n  url = https://user:chaoscraft-credential@example.com\n');
  write('repo/app.yaml', 'apiVersion: v1\nkind: ConfigMap\n');
  symlinkSync(join(dir, 'outside/secret.yaml'), join(dir, 'repo/leak.yaml'));
  symlinkSync(join(dir, 'repo/.git/config'), join(dir, 'repo/config.yaml'));
  symlinkSync('/', join(dir, 'repo/root'));
  const report = await validatePaths({ paths: [join(dir, 'repo')] });
  const warnings = report.diagnostics.filter((d) => d.code === 'symlink-outside');
  assert.deepEqual(warnings.map((d) => d.file.slice(dir.length + 1)).sort(), [
    'repo/config.yaml',
    'repo/leak.yaml',
    'repo/root',
  ]);
  assert.equal(report.files, 1);
  const text = formatReport({ report, format: 'text', verbose: true });
  assert.doesNotMatch(text, /secret-line|credential|outside\/secret/);
});

test('36 links to the same folders give a bounded walk: each real folder once', async () => {
  write('fan/d0/x.yaml', 'a: 1\n');
  for (let level = 1; level <= 18; level++) {
    mkdirSync(join(dir, `fan/d${level}`));
    symlinkSync(join(dir, `fan/d${level - 1}`), join(dir, `fan/d${level}/a`));
    symlinkSync(join(dir, `fan/d${level - 1}`), join(dir, `fan/d${level}/b`));
  }
  const started = Date.now();
  const walk = await findManifestFiles({ paths: [join(dir, 'fan')] });
  assert.ok(Date.now() - started < 5000);
  assert.equal(walk.files.length, 1);
});

test('--exclude globs and a .chaoscraftignore at the root leave paths out', async () => {
  write('ex/.chaoscraftignore', '# vendored\nvendor/\n');
  write('ex/vendor/crds.yaml', 'apiVersion: chaoscraft.oi/v1\nkind: X\n');
  write('ex/charts/a/templates/t.yaml', 'apiVersion: chaoscraft.oi/v1\nkind: X\n');
  write('ex/old/x.bak.yaml', 'apiVersion: chaoscraft.oi/v1\nkind: X\n');
  write('ex/keep.yaml', 'apiVersion: v1\nkind: ConfigMap\n');
  const report = await validatePaths({ paths: [join(dir, 'ex')], exclude: ['charts/**', '*.bak.yaml'] });
  assert.equal(report.files, 1);
  assert.equal(report.diagnostics.length, 0);
  assert.ok(isExcluded('a/b/templates/x.yaml', ['templates']));
  assert.ok(!isExcluded('a/b/x.yaml', ['b/x.yaml']));
  assert.ok(isExcluded('b/x.yaml', ['/b/']));
});
