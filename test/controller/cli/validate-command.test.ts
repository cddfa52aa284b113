import assert from 'node:assert/strict';
import { execFileSync, spawnSync } from 'node:child_process';
import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { run } from '../../../controller/cli/main.ts';

const root = join(import.meta.dirname, '../../..');
const invalid = join(root, 'test/fixtures/validate/invalid');

async function cli(...argv: string[]) {
  let stdout = '';
  let stderr = '';
  const code = await run(argv, { stdout: (t) => (stdout += t), stderr: (t) => (stderr += t) });
  return { code, stdout, stderr };
}

test('valid manifests: exit 0 and a summary', async () => {
  // Every example is one object in a file of its own, in examples/ and its folders.
  const count = readdirSync(join(root, 'examples'), { recursive: true }).filter((f) =>
    String(f).endsWith('.yaml'),
  ).length;
  assert.ok(count >= 10, `${count} examples`);
  const { code, stdout } = await cli('validate', join(root, 'examples'));
  assert.equal(code, 0);
  assert.match(stdout, new RegExp(`^ok: ${count} files, ${count} ChaosCraft objects, all valid$`, 'm'));
});

test('invalid manifests: exit 1, one line per error with file:line:column and field', async () => {
  const { code, stdout } = await cli('validate', join(invalid, 'unknown-field.yaml'));
  assert.equal(code, 1);
  assert.match(
    stdout,
    /unknown-field\.yaml:9:5: error \[unknown-field\] spec\.selector\.labelSelecter: unknown field "labelSelecter"; did you mean "labelSelector"\? \(ChaosExperiment\/broken\)/,
  );
});

test('--format json is machine-readable and complete', async () => {
  const { code, stdout } = await cli('validate', '--format', 'json', join(invalid, 'hostile-cidr.yaml'));
  assert.equal(code, 1);
  const parsed = JSON.parse(stdout);
  assert.equal(parsed.valid, false);
  assert.equal(parsed.diagnostics.length, 1);
  assert.deepEqual(
    {
      line: parsed.diagnostics[0].line,
      column: parsed.diagnostics[0].column,
      field: parsed.diagnostics[0].field,
    },
    { line: 11, column: 17, field: 'spec.faults[0].networkPartition.cidrs[0]' },
  );
});

test('--format github prints workflow annotations with escaped properties', async () => {
  const { stdout } = await cli('validate', '--format', 'github', join(invalid, 'percent-over-100.yaml'));
  const line = stdout.split('\n')[0]!;
  assert.match(
    line,
    /^::error file=[^,]*percent-over-100\.yaml,line=10,col=10,endLine=10,endColumn=13,title=chaoscraft schema::spec\.value: 250 is too large/,
  );
  assert.doesNotMatch(line.split('::')[1]!, /title=chaoscraft schema.*:/, 'property values escape colons');
});

test('--verbose lists ignored documents; without it they stay quiet', async () => {
  const quiet = await cli('validate', join(invalid, 'second-document.yaml'));
  const verbose = await cli('validate', '--verbose', join(invalid, 'second-document.yaml'));
  assert.doesNotMatch(quiet.stdout, /ConfigMap/);
  assert.match(verbose.stdout, /info \[ignored\] document 1 v1 ConfigMap is not a ChaosCraft object/);
});

test('usage mistakes exit 2 with a hint', async () => {
  const badFormat = await cli('validate', '--format', 'xml', 'examples');
  assert.equal(badFormat.code, 2);
  assert.match(badFormat.stderr, /--format must be one of text, json, github/);
  const badFlag = await cli('validate', '--frobnicate');
  assert.equal(badFlag.code, 2);
  assert.match(badFlag.stderr, /Run 'chaoscraft validate --help'/);
  const unknown = await cli('frobnicate');
  assert.equal(unknown.code, 2);
  assert.match(unknown.stderr, /unknown command "frobnicate"/);
});

test('a missing path exits 2', async () => {
  const { code, stdout } = await cli('validate', join(root, 'does-not-exist'));
  assert.equal(code, 2);
  assert.match(stdout, /no such file or directory/);
});

test('bin/chaoscraft.js runs under an older system node by re-running the pinned Node 24', (t) => {
  const systemNode = ['/usr/bin/node', '/usr/local/bin/node'].find(
    (p) => spawnSync(p, ['--version']).status === 0,
  );
  if (!systemNode) {
    t.skip('no system node to start the wrapper with');
    return;
  }
  const output = execFileSync(
    systemNode,
    [join(root, 'bin/chaoscraft.js'), 'validate', join(root, 'examples')],
    {
      encoding: 'utf8',
    },
  );
  assert.match(output, /all valid/);
  const failed = spawnSync(systemNode, [
    join(root, 'bin/chaoscraft.js'),
    'validate',
    join(invalid, 'bad-signal.yaml'),
  ]);
  assert.equal(failed.status, 1, 'the exit code passes through the wrapper');
});
