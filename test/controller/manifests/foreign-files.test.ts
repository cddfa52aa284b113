// Real repositories hold far more than ChaosCraft objects: those files never fail validation,
// while a file that holds (or may hold) one of ours is checked as strictly as ever.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { test } from 'node:test';
import { exitCodeFor } from '../../../controller/manifests/diagnostic.ts';
import { decodeManifestBytes, maxManifestBytes } from '../../../controller/manifests/read-source.ts';
import { validateText } from '../../../controller/manifests/validate.ts';

const experiment = `apiVersion: chaoscraft.io/v1alpha1
kind: ChaosExperiment
metadata: { name: ok, namespace: shop }
spec:
  selector: { names: [web-0] }
  faults: [{ podKill: {} }]
  duration: 30s
`;

const check = (text: string) => validateText({ file: 'f.yaml', text, skipForeign: true });

test('LitmusChaos kinds of another API group are foreign and ignored', () => {
  const report = check(`apiVersion: litmuschaos.io/v1alpha1
kind: ChaosExperiment
metadata: { name: pod-delete }
spec: { definition: { image: litmuschaos/go-runner } }
---
apiVersion: litmuschaos.io/v1alpha1
kind: ChaosSchedule
metadata: { name: nightly }
`);
  assert.equal(exitCodeFor(report.diagnostics), 0);
  assert.equal(report.objects.length, 0);
  assert.match(
    report.ignored[0]!.message,
    /litmuschaos\.io\/v1alpha1 ChaosExperiment is not a ChaosCraft object/,
  );
});

test('a near-miss API group is an error with the apiVersion to write', () => {
  for (const group of ['chaoscraft.oi', 'chaoscrafts.io', 'ChaosCraft.io', 'choascraft.io']) {
    const report = check(experiment.replace('chaoscraft.io', group));
    assert.equal(report.diagnostics.length, 1, group);
    const [d] = report.diagnostics;
    assert.deepEqual([d!.code, d!.line, d!.field], ['unknown-group', 1, 'apiVersion']);
    assert.match(d!.message, /did you mean apiVersion: chaoscraft\.io\/v1alpha1\?/);
  }
});

test('a Helm template is skipped: a note, or a warning when it mentions chaoscraft.io', () => {
  const foreign = check('apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: {{ .Values.name }}\n');
  assert.equal(foreign.diagnostics.length, 0);
  assert.match(foreign.ignored[0]!.message, /template \(\{\{ … \}\} at line 4\)/);
  const ours = check(`{{- if .Values.chaos }}\n${experiment}{{- end }}\n`);
  assert.deepEqual(
    ours.diagnostics.map((d) => [d.severity, d.code, d.line]),
    [['warning', 'template', 1]],
  );
  assert.equal(exitCodeFor(ours.diagnostics), 0);
});

test('kind: List is looked inside; findings point at the item', () => {
  const items = experiment
    .trimEnd()
    .split('\n')
    .map((line, i) => (i === 0 ? `  - ${line}` : `    ${line}`))
    .join('\n')
    .concat('\n');
  const broken = items.replace('duration: 30s', 'duration: 30x');
  const report = check(
    `apiVersion: v1\nkind: List\nitems:\n${items}${broken.replace('name: ok', 'name: bad')}`,
  );
  assert.deepEqual(
    report.objects.map((o) => [o.name, o.line]),
    [
      ['ok', 4],
      ['bad', 11],
    ],
  );
  assert.equal(report.validObjects.length, 1);
  assert.equal(report.diagnostics.length, 1);
  assert.deepEqual([report.diagnostics[0]!.line, report.diagnostics[0]!.field], [17, 'spec.duration']);
});

test('files that are not manifests and never mention chaoscraft are skipped, not failed', () => {
  const jsonc = '{\n  // comment\n  "compilerOptions": { "strict": true, },\n  /* more */\n}\n';
  const duplicate = 'replicas: 1\nreplicas: 2\n';
  const unclosed = `a: [\n${'  b: c\n'.repeat(800)}`;
  for (const text of [jsonc, duplicate, unclosed]) {
    const report = check(text);
    assert.equal(report.diagnostics.length, 0, text.slice(0, 20));
    assert.equal(report.ignored.length, 1);
  }
  assert.match(check(duplicate).ignored[0]!.message, /never mentions chaoscraft; skipped/);
  // The same faults in a file that mentions us are errors.
  assert.equal(exitCodeFor(check(`# chaoscraft.io\n${duplicate}`).diagnostics), 1);
});

test('size, binary and encoding limits hold only for bytes that mention chaoscraft', () => {
  const big = Buffer.from(`# ${'x'.repeat(maxManifestBytes)}\n`);
  const foreign = decodeManifestBytes({ file: 'crds.yaml', bytes: big, skipForeign: true });
  assert.ok(foreign.ok && foreign.text === '' && foreign.skipped);
  const ours = decodeManifestBytes({
    file: 'crds.yaml',
    bytes: Buffer.concat([big, Buffer.from('chaoscraft')]),
  });
  assert.ok(!ours.ok && ours.diagnostic.code === 'file-too-large');
  const binary = decodeManifestBytes({
    file: 'b.yaml',
    bytes: Buffer.from([0x61, 0, 0xff]),
    skipForeign: true,
  });
  assert.ok(binary.ok && binary.skipped);
});

test('complex keys give no Node warning on stderr (the yaml library would warn about mapAsMap)', () => {
  const script = `import { validateText } from ${JSON.stringify(join(import.meta.dirname, '../../../controller/manifests/validate.ts'))};
validateText({ file: 'k.yaml', skipForeign: true, text: '# chaoscraft.io\\n? [a, b]\\n: c\\n---\\n{ { x: 1 }: y }\\n' });`;
  const child = spawnSync(process.execPath, ['--input-type=module', '-e', script], { encoding: 'utf8' });
  assert.equal(child.status, 0, child.stderr);
  assert.equal(child.stderr, '');
});
