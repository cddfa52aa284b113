// The Prometheus alert rules: valid (`promtool check rules`), each alert unit-tested
// (`promtool test rules` on alerts.promtool.yaml), the unit tests able to fail, and every
// expression naming only metrics ChaosCraft exports.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { parse } from 'yaml';
import { exportedMetricNames, metricNamesIn } from '../../../support/exported-metrics.ts';

const rulesPath = join(import.meta.dirname, '../../../../charts/chaoscraft/prometheus/alerts.yaml');
const unitTestsPath = join(import.meta.dirname, 'alerts.promtool.yaml');
const rules = parse(readFileSync(rulesPath, 'utf8')) as {
  groups: Array<{
    name: string;
    rules: Array<{ alert: string; expr: string; labels: { severity: string } }>;
  }>;
};
const alerts = rules.groups.flatMap((g) => g.rules);
const promtool = ['/usr/bin/promtool', '/usr/local/bin/promtool'].find(
  (p) => spawnSync(p, ['--version']).status === 0,
);
const noPromtool = 'promtool is not installed (Debian package prometheus; make test installs it as root)';

test('every alert expression names only metrics ChaosCraft exports, and has a severity', async () => {
  const exported = await exportedMetricNames();
  for (const { alert, expr, labels } of alerts) {
    assert.ok(['warning', 'critical', 'page'].includes(labels.severity), alert);
    const names = metricNamesIn(expr);
    assert.ok(names.length > 0, alert);
    for (const name of names) assert.ok(exported.has(name), `${alert}: ${name} is not exported`);
  }
});

test('the alerts cover stalled recoveries, dead-man recoveries and a controller without a leader', () => {
  const names = alerts.map((a) => a.alert);
  for (const name of [
    'ChaosCraftRecoveryStalled',
    'ChaosCraftRecoveryStuck',
    'ChaosCraftAgentRecoveredOnItsOwn',
    'ChaosCraftControllerWithoutLeader',
  ])
    assert.ok(names.includes(name), name);
  // Every alert has a unit test.
  const unitTests = readFileSync(unitTestsPath, 'utf8');
  for (const name of names)
    assert.match(unitTests, new RegExp(`alertname: ${name}\\b`), `${name} has no promtool test`);
});

test('promtool check rules accepts the rules', (t) => {
  if (!promtool) return t.skip(noPromtool);
  const run = spawnSync(promtool, ['check', 'rules', rulesPath], { encoding: 'utf8' });
  assert.equal(run.status, 0, run.stdout + run.stderr);
  assert.match(run.stdout, new RegExp(`SUCCESS: ${alerts.length} rules found`));
});

test('promtool test rules: each alert fires when it should and not otherwise', (t) => {
  if (!promtool) return t.skip(noPromtool);
  const run = spawnSync(promtool, ['test', 'rules', unitTestsPath], { encoding: 'utf8' });
  assert.equal(run.status, 0, run.stdout + run.stderr);
});

test('the promtool unit tests fail when an alert is weakened', (t) => {
  if (!promtool) return t.skip(noPromtool);
  const dir = mkdtempSync(join(tmpdir(), 'chaoscraft-alerts-'));
  mkdirSync(join(dir, 'a/b/c/d'), { recursive: true });
  for (const [from, to] of [
    [
      'max(chaoscraft_recoveries_stalled) > 0\n        for: 1m',
      'max(chaoscraft_recoveries_stalled) > 1\n        for: 1m',
    ],
    ['(sum(chaoscraft_leader) or vector(0)) < 1', 'sum(chaoscraft_leader) < 1'],
    ['reason=~"DeadlineReached|ControllerLost"', 'reason="DeadlineReached"'],
  ] as const) {
    const original = readFileSync(rulesPath, 'utf8');
    assert.ok(original.includes(from), from);
    // The unit tests name the rules four folders up, as from test/charts/chaoscraft/prometheus/.
    mkdirSync(join(dir, 'charts/chaoscraft/prometheus'), { recursive: true });
    writeFileSync(join(dir, 'charts/chaoscraft/prometheus/alerts.yaml'), original.replace(from, to));
    writeFileSync(join(dir, 'a/b/c/d/alerts.promtool.yaml'), readFileSync(unitTestsPath, 'utf8'));
    const run = spawnSync(promtool, ['test', 'rules', join(dir, 'a/b/c/d/alerts.promtool.yaml')], {
      encoding: 'utf8',
    });
    assert.notEqual(run.status, 0, `weakened (${to}) and still passing`);
  }
});
