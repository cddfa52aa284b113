// Bad files and folders: each gets a clear error (or a reported skip), never a crash.
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { exitCodeFor } from '../../../controller/manifests/diagnostic.ts';
import { maxManifestBytes } from '../../../controller/manifests/read-source.ts';
import { validatePaths } from '../../../controller/manifests/validate.ts';

const dir = mkdtempSync(join(tmpdir(), 'chaoscraft-validate-'));
after(() => rmSync(dir, { recursive: true, force: true }));

const experiment = `apiVersion: chaoscraft.io/v1alpha1
kind: ChaosExperiment
metadata: { name: ok, namespace: shop }
spec:
  selector: { names: [web-0] }
  faults: [{ podKill: {} }]
  duration: 30s
`;

function write(name: string, content: string | Buffer): string {
  const path = join(dir, name);
  mkdirSync(join(path, '..'), { recursive: true });
  writeFileSync(path, content);
  return path;
}

test('a binary file is refused with the line of its first NUL byte', async () => {
  const file = write('binary.yaml', Buffer.from('a: chaoscraft.io\nb: 2\n\x00\x01\x02'));
  const report = await validatePaths({ paths: [file] });
  assert.equal(report.diagnostics.length, 1);
  assert.deepEqual(
    { code: report.diagnostics[0]!.code, line: report.diagnostics[0]!.line },
    { code: 'binary-file', line: 3 },
  );
  assert.equal(exitCodeFor(report.diagnostics), 1);
});

test('a non-UTF-8 file is refused with the line of the first bad byte', async () => {
  const file = write(
    'latin1.yaml',
    Buffer.concat([Buffer.from('a: chaoscraft.io\nname: caf'), Buffer.from([0xe9]), Buffer.from('\n')]),
  );
  const report = await validatePaths({ paths: [file] });
  assert.equal(report.diagnostics[0]!.code, 'not-utf8');
  assert.equal(report.diagnostics[0]!.line, 2);
  assert.match(report.diagnostics[0]!.message, /not valid UTF-8/);
});

test('a file over 1 MiB is refused without being parsed', async () => {
  const file = write('huge.yaml', `# ${'x'.repeat(maxManifestBytes)}\n# chaoscraft.io\n`);
  const report = await validatePaths({ paths: [file] });
  assert.equal(report.diagnostics[0]!.code, 'file-too-large');
  assert.match(report.diagnostics[0]!.message, /1 MiB/);
  assert.equal(report.objects.length, 0);
});

test('empty files and empty documents are not errors; --verbose lists them', async () => {
  const empty = write('empty/empty.yaml', '');
  const docs = write('empty/docs.yaml', `---\n---\n${experiment}---\n`);
  const report = await validatePaths({ paths: [empty, docs] });
  assert.equal(exitCodeFor(report.diagnostics), 0);
  assert.equal(report.validObjects.length, 1);
  assert.ok(report.ignored.some((d) => d.file === docs && /2 empty documents are skipped/.test(d.message)));
});

test('a folder is walked; other Kubernetes objects and non-YAML files are ignored', async () => {
  write('tree/app/experiment.yaml', experiment);
  write('tree/app/deployment.yml', 'apiVersion: apps/v1\nkind: Deployment\nmetadata: { name: web }\n');
  write('tree/README.md', '# not a manifest');
  write('tree/.git/config.yaml', 'kind: ChaosExperiment\n');
  const report = await validatePaths({ paths: [join(dir, 'tree')] });
  assert.equal(report.files, 2);
  assert.deepEqual(
    report.objects.map((o) => o.name),
    ['ok'],
  );
  assert.ok(report.ignored.some((d) => /apps\/v1 Deployment is not a ChaosCraft object/.test(d.message)));
  assert.ok(report.ignored.some((d) => d.file.endsWith('README.md')));
  assert.equal(exitCodeFor(report.diagnostics), 0);
});

test('a symlink back into the tree is reported and skipped, not followed forever', async () => {
  write('loop/a/experiment.yaml', experiment);
  symlinkSync(join(dir, 'loop'), join(dir, 'loop/a/back'));
  const report = await validatePaths({ paths: [join(dir, 'loop')] });
  const loop = report.diagnostics.find((d) => d.code === 'symlink-loop');
  assert.ok(loop, 'the loop is reported');
  assert.equal(loop.severity, 'warning');
  assert.equal(report.validObjects.length, 1);
  assert.equal(exitCodeFor(report.diagnostics), 0);
});

test('a symlink that points at itself is an I/O error (exit code 2)', async () => {
  const self = join(dir, 'self.yaml');
  symlinkSync(self, self);
  const report = await validatePaths({ paths: [self] });
  assert.equal(report.diagnostics[0]!.code, 'symlink-loop');
  assert.match(report.diagnostics[0]!.message, /symlink loop/);
  assert.equal(exitCodeFor(report.diagnostics), 2);
});

test('a missing path is an I/O error (exit code 2) and other paths are still checked', async () => {
  const good = write('present.yaml', experiment);
  const report = await validatePaths({ paths: [join(dir, 'absent.yaml'), good] });
  assert.equal(report.diagnostics[0]!.code, 'io-error');
  assert.match(report.diagnostics[0]!.message, /no such file/);
  assert.equal(report.validObjects.length, 1);
  assert.equal(exitCodeFor(report.diagnostics), 2);
});
