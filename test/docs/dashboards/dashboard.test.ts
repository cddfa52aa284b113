// The Grafana dashboard: every query names only metrics ChaosCraft exports, covers what an operator
// needs (runs by verdict, inject/recover times, faults in place, probe failures, stalled
// recoveries, queue depth, API errors), and is valid PromQL (checked by promtool when installed).
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { exportedMetricNames, metricNamesIn } from '../../support/exported-metrics.ts';

interface Panel {
  type: string;
  title: string;
  gridPos: { x: number; y: number; w: number; h: number };
  datasource?: { uid: string };
  targets?: Array<{ expr: string; refId: string }>;
}
const dashboard = JSON.parse(
  readFileSync(join(import.meta.dirname, '../../../docs/dashboards/chaoscraft.json'), 'utf8'),
) as {
  uid: string;
  panels: Panel[];
  templating: { list: Array<{ name: string; type: string }> };
};
const queries = dashboard.panels.flatMap((panel) =>
  (panel.targets ?? []).map((target) => ({ panel, ...target })),
);

test('every dashboard query names only metrics ChaosCraft exports', async () => {
  const exported = await exportedMetricNames();
  assert.ok(queries.length >= 15);
  for (const { panel, expr } of queries) {
    const names = metricNamesIn(expr);
    assert.ok(names.length > 0, `${panel.title}: ${expr} reads no metric`);
    for (const name of names) assert.ok(exported.has(name), `${panel.title}: ${name} is not exported`);
  }
});

test('the metric-name check catches a name that is not exported', async () => {
  const exported = await exportedMetricNames();
  assert.deepEqual(
    metricNamesIn(
      'sum by (reason) (rate(chaoscraft_experiment_total{result="False"}[5m])) / on (reason) up',
    ).filter((name) => !exported.has(name)),
    ['chaoscraft_experiment_total', 'up'],
  );
});

test('the dashboard shows what an operator needs', () => {
  const all = queries.map((q) => q.expr).join('\n');
  for (const metric of [
    'chaoscraft_experiments_total',
    'chaoscraft_time_to_inject_seconds_bucket',
    'chaoscraft_time_to_recover_seconds_bucket',
    'chaoscraft_active_injections',
    'chaoscraft_agent_active_injections',
    'chaoscraft_probe_results_total',
    'chaoscraft_recoveries_stalled',
    'chaoscraft_workqueue_depth',
    'chaoscraft_reconcile_errors_total',
    'chaoscraft_leader',
    'chaoscraft_agent_recoveries_total',
  ])
    assert.match(all, new RegExp(`\\b${metric}\\b`), metric);
});

test('panels use the datasource variable, have unique ref ids and do not overlap', () => {
  assert.ok(dashboard.templating.list.some((v) => v.type === 'datasource' && v.name === 'datasource'));
  const cells = new Set<string>();
  for (const panel of dashboard.panels) {
    // biome-ignore lint/suspicious/noTemplateCurlyInString: Grafana's variable syntax, not a template
    if (panel.type !== 'row') assert.equal(panel.datasource?.uid, '${datasource}', panel.title);
    const refs = (panel.targets ?? []).map((t) => t.refId);
    assert.equal(new Set(refs).size, refs.length, panel.title);
    assert.ok(panel.gridPos.x + panel.gridPos.w <= 24, panel.title);
    for (let x = panel.gridPos.x; x < panel.gridPos.x + panel.gridPos.w; x++)
      for (let y = panel.gridPos.y; y < panel.gridPos.y + panel.gridPos.h; y++) {
        assert.ok(!cells.has(`${x},${y}`), `${panel.title} overlaps another panel at ${x},${y}`);
        cells.add(`${x},${y}`);
      }
  }
});

test('every dashboard query is valid PromQL (promtool check rules)', (t) => {
  const promtool = ['/usr/bin/promtool', '/usr/local/bin/promtool'].find(
    (p) => spawnSync(p, ['--version']).status === 0,
  );
  if (!promtool) {
    t.skip('promtool is not installed (Debian package prometheus; make test installs it as root)');
    return;
  }
  // Grafana's interval variables become a fixed range; each query becomes a recording rule.
  const rules = queries.map(({ expr }, i) => ({
    record: `chaoscraft:dashboard_query_${i}`,
    expr: expr.replaceAll('$__rate_interval', '5m').replaceAll('$__range', '1h'),
  }));
  const file = join(mkdtempSync(join(tmpdir(), 'chaoscraft-dashboard-')), 'rules.json');
  writeFileSync(file, JSON.stringify({ groups: [{ name: 'dashboard', rules }] }));
  const run = spawnSync(promtool, ['check', 'rules', file], { encoding: 'utf8' });
  assert.equal(run.status, 0, run.stdout + run.stderr);
});
