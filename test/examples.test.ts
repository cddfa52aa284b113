// Every example validates, says in a comment what it does, and the set covers the fault kinds
// the README promises.
import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { validatePaths } from '../controller/manifests/validate.ts';

const examples = join(import.meta.dirname, '../examples');

test('every example is valid', async () => {
  const report = await validatePaths({ paths: [examples] });
  assert.deepEqual(report.diagnostics, []);
  assert.ok(report.validObjects.length >= 10);
});

test('every example starts with a comment saying what it does', () => {
  for (const file of readdirSync(examples).filter((f) => f.endsWith('.yaml'))) {
    const first = readFileSync(join(examples, file), 'utf8').split('\n')[0]!;
    assert.match(first, /^# \S.{20,}/, `${file} must start with a descriptive comment`);
  }
});

test('the examples cover the promised fault kinds, a schedule and a policy', async () => {
  const report = await validatePaths({ paths: [examples] });
  const kinds = new Set(report.validObjects.map((o) => o.kind));
  assert.ok(kinds.has('ChaosSchedule') && kinds.has('ChaosPolicy'));
  const faults = new Set(
    report.validObjects.flatMap((o) =>
      o.kind === 'ChaosExperiment'
        ? ((o.object.spec as { faults: Record<string, unknown>[] }).faults.flatMap((f) => Object.keys(f)) ??
          [])
        : [],
    ),
  );
  for (const kind of [
    'podKill',
    'networkLoss',
    'networkLatency',
    'networkPartition',
    'networkBandwidth',
    'cpuStress',
    'memoryStress',
    'processKill',
  ]) {
    assert.ok(faults.has(kind), `no example uses ${kind}`);
  }
});
