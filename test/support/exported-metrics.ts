// The metric names ChaosCraft exports (controller and agent registries, with a histogram's
// _bucket, _sum and _count series), and the metric names a PromQL expression reads. Used to prove
// that dashboards and alert rules query only what exists.
import { createAgentMetrics } from '../../controller/agent/agent-metrics.ts';
import { createControllerMetrics } from '../../controller/observability/metrics.ts';

export async function exportedMetricNames(): Promise<Set<string>> {
  const names = new Set<string>();
  for (const registry of [createControllerMetrics().registry, createAgentMetrics().registry]) {
    for (const metric of await registry.getMetricsAsJSON()) {
      if (String(metric.type) === 'histogram')
        for (const suffix of ['_bucket', '_sum', '_count']) names.add(`${metric.name}${suffix}`);
      else names.add(metric.name);
    }
  }
  return names;
}

const keywords = new Set([
  'by',
  'without',
  'on',
  'ignoring',
  'group_left',
  'group_right',
  'offset',
  'bool',
  'and',
  'or',
  'unless',
  'inf',
  'nan',
]);

/**
 * The metric names in a PromQL expression: identifiers that are not functions (followed by `(`),
 * keywords, label names inside `{…}` or `by (…)`, or text inside quotes. Grafana variables
 * (`$__rate_interval`) are left out.
 */
export function metricNamesIn(expr: string): string[] {
  const stripped = expr
    .replace(/"(?:[^"\\]|\\.)*"|'(?:[^'\\]|\\.)*'/g, '""')
    .replace(/\{[^}]*\}/g, '')
    .replace(/\[[^\]]*\]/g, '')
    .replace(/\b(?:by|without|on|ignoring|group_left|group_right)\s*\([^)]*\)/g, '')
    .replace(/\$\w+/g, '')
    .replace(/\b\d[\w.]*/g, '');
  const names: string[] = [];
  for (const match of stripped.matchAll(/[a-zA-Z_:][a-zA-Z0-9_:]*(?=\s*(\(?))/g)) {
    if (match[1] === '(' || keywords.has(match[0].toLowerCase())) continue;
    names.push(match[0]);
  }
  return names;
}
