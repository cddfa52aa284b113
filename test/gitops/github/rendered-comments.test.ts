// The comments as GitHub shows them: the plan comment (as published) and a result comment are run
// through a GitHub-flavoured Markdown renderer (marked, gfm) and the HTML is checked, so a layout
// break — a table that falls apart into text, a <details> that swallows the rest, a link that does
// not resolve, markup injected through a name — fails here instead of on a real PR.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { marked } from 'marked';
import type { PodSummary } from '../../../controller/core/pod-candidates.ts';
import { planCommentBody } from '../../../gitops/github/publish-plan.ts';
import { staticClusterReader } from '../../../gitops/planner/cluster-reader.ts';
import { planPullRequest } from '../../../gitops/planner/plan-pull-request.ts';
import type { ExperimentObject } from '../../../gitops/reporter/experiment-view.ts';
import { renderResultComment } from '../../../gitops/reporter/result-comment.ts';
import { invalidYaml, podKillYaml, policyYaml, scheduleYaml } from '../planner/manifests.ts';
import { memoryRepository } from '../planner/memory-repository.ts';

const NOW = new Date('2024-05-06T09:00:00Z');

function render(markdown: string): string {
  return marked.parse(markdown, { gfm: true, async: false });
}

function pods(count: number): PodSummary[] {
  return Array.from({ length: count }, (_, i) => ({
    namespace: 'shop',
    name: `checkout-${i}`,
    uid: `uid-${i}`,
    labels: { app: 'checkout' },
    nodeName: `node-${i % 2}`,
    phase: 'Running',
    terminating: false,
    owner: { kind: 'ReplicaSet', name: 'checkout-rs' },
    containers: [{ name: 'app' }],
  }));
}

const cluster = () =>
  staticClusterReader({
    pods: pods(8),
    namespaces: [{ name: 'shop', labels: { 'chaoscraft.io/allow': 'true' } }],
  });

/** Markdown tables in the source (a delimiter row each) — every one must become a <table>. */
function markdownTables(markdown: string): number {
  // Fenced blocks hold no tables.
  const outsideFences = markdown.replace(/^(`{3,})[^\n]*\n[\s\S]*?\n\1$/gm, '');
  return (outsideFences.match(/^\| ---( \| ---)* \|$/gm) ?? []).length;
}

function count(html: string, pattern: RegExp): number {
  return (html.match(pattern) ?? []).length;
}

/** The rows of the n-th table's body. */
function bodyRows(html: string, index: number): string[] {
  const tables = html.match(/<table>[\s\S]*?<\/table>/g) ?? [];
  const body = tables[index]?.match(/<tbody>([\s\S]*?)<\/tbody>/)?.[1] ?? '';
  return body.match(/<tr>[\s\S]*?<\/tr>/g) ?? [];
}

/** Layout checks that hold for every comment. */
function assertWellFormed(markdown: string, html: string, ownLinks: RegExp): void {
  assert.equal(count(html, /<table>/g), markdownTables(markdown), 'every Markdown table renders as a table');
  assert.equal(count(html, /<p>\|/g), 0, 'no table row fell apart into a paragraph');
  assert.equal(count(html, /<details[ >]/g), count(html, /<\/details>/g), '<details> balanced');
  assert.equal(count(html, /<details[ >]/g), count(html, /<summary>/g), 'each <details> has a <summary>');
  assert.ok(!/<(img|script|iframe|b>)/i.test(html), `no injected markup:\n${html}`);
  // A link is one the comment means to write, or shows its own address (a bare URL GitHub autolinks).
  for (const [, href, label] of html.matchAll(/<a href="([^"]*)">(.*?)<\/a>/g)) {
    assert.ok(ownLinks.test(href!) || label === href, `a masked link: ${label} -> ${href}`);
  }
  assert.ok(!/@(?!\u200b)\w/.test(html.replace(/<!--[\s\S]*?-->/g, '')), 'every @ is broken up: no mention');
}

test('the plan comment renders: summary table first, a <details> per object, working links, no injection', async () => {
  const windows = (names: string[]) =>
    `  blackoutWindows:\n${names.map((n) => `    - name: ${n}\n      schedule: "0 0 * * 5"\n      duration: 48h\n`).join('')}`;
  const base = { 'policies/p.yaml': policyYaml(windows(['weekend-freeze', 'release-freeze'])) };
  const hostile = podKillYaml({ name: '"x|y <img src=x> [x](http://evil) @octocat"' });
  const head = {
    ...base,
    'policies/p.yaml': policyYaml(windows(['weekend-freeze'])).replace(
      'maxTargetsPercent: 50',
      'maxTargetsPercent: 60',
    ),
    'experiments/kill.yaml': podKillYaml(),
    'experiments/all.yaml': podKillYaml({ name: 'kill-all', mode: 'all' }),
    'experiments/denied.yaml': podKillYaml({ name: 'denied', fault: 'containerKill: {}' }),
    'experiments/broken.yaml': invalidYaml,
    'experiments/hostile.yaml': hostile,
    'schedules/s.yaml': scheduleYaml,
  };
  const plan = await planPullRequest({
    repository: memoryRepository({ base, head }),
    base: 'main',
    head: 'feature',
    cluster: cluster(),
    now: NOW,
  });
  const markdown = planCommentBody(plan);
  const html = render(markdown);
  assertWellFormed(markdown, html, /^\.\.\/blob\//);

  // The summary table is the first table, right after the verdict, one row per object, five cells.
  const firstTable = html.indexOf('<table>');
  assert.ok(firstTable < html.indexOf('<details'), 'the summary comes before any details');
  assert.match(html.slice(0, firstTable), /<h2>ChaosCraft plan<\/h2>/);
  const rows = bodyRows(html, 0);
  assert.equal(rows.length, 7, 'experiments (5), the schedule and the policy');
  for (const row of rows) assert.equal(count(row, /<td>/g), 5, row);
  assert.match(rows[0]!, /❌ invalid/);

  // One <details> section per object (plus folded lists inside them); blocking ones open.
  assert.equal(count(html, /<details open><summary>ChaosExperiment <code>shop\/denied<\/code>/g), 1);
  assert.equal(count(html, /<details><summary>ChaosExperiment <code>shop\/checkout-pod-kill<\/code>/g), 1);
  assert.match(html, /<details open><summary>ChaosPolicy <code>default<\/code> · ⚠️ loosens guardrails/);
  // Markdown inside a section is still Markdown: the denied guardrail is a table row, shown.
  const denied = html.slice(html.indexOf('<code>shop/denied</code>'));
  assert.match(
    denied.slice(0, denied.indexOf('<details>')),
    /<td><code>fault-kinds<\/code><\/td>\s*<td>❌ denied<\/td>/,
  );

  // Every link the plan writes points at a line of a file in the PR head (GitHub also autolinks a
  // bare URL, showing it as it is).
  const hrefs = [...html.matchAll(/<a href="([^"]*)">(.*?)<\/a>/g)]
    .filter((m) => m[1] !== m[2])
    .map((m) => m[1]!);
  assert.ok(hrefs.length >= 7);
  for (const href of hrefs)
    assert.match(href, new RegExp(`^\\.\\./blob/${plan.headSha}/[\\w/.%-]+#L\\d+$`), href);
  assert.ok(hrefs.includes(`../blob/${plan.headSha}/experiments/kill.yaml#L2`));

  // The loosened policy's long value is shown whole, in a code block.
  assert.match(html, /<pre><code>[\s\S]*&quot;name&quot;: &quot;release-freeze&quot;[\s\S]*<\/code><\/pre>/);
  // The hostile name is text: no mention, no masked link, no tag.
  assert.match(html, /&lt;img src=x&gt;/);
  assert.match(html, /@\u200boctocat/);
  // The hidden lines stay hidden.
  assert.ok(html.startsWith('<!-- chaoscraft:plan -->'));
  assert.match(html, /<!-- chaoscraft:plan-head [0-9a-f]{40} -->\s*$/);
});

test('a 400-experiment plan renders every object as a summary row within the comment limit', async () => {
  const head: Record<string, string> = {};
  for (let i = 0; i < 400; i++)
    head[`team/e-${String(i).padStart(3, '0')}.yaml`] = podKillYaml({ name: `e-${i}` });
  const plan = await planPullRequest({
    repository: memoryRepository({ base: {}, head }),
    base: 'main',
    head: 'feature',
    cluster: cluster(),
    now: NOW,
  });
  const markdown = planCommentBody(plan);
  assert.ok(markdown.length <= 65_536, `${markdown.length} characters`);
  const html = render(markdown);
  assertWellFormed(markdown, html, /^\.\.\/blob\//);
  assert.equal(bodyRows(html, 0).length, 400);
});

test('a result comment renders: the facts table, targets folded, probe timeline, commit link', () => {
  const experiment: ExperimentObject = {
    apiVersion: 'chaoscraft.io/v1alpha1',
    kind: 'ChaosExperiment',
    metadata: { name: 'checkout-pod-kill', namespace: 'shop', uid: 'run-1', generation: 2 },
    spec: { selector: {}, faults: [{ podKill: {} }], duration: '60s' },
    status: {
      startTime: '2024-05-01T10:00:00Z',
      completionTime: '2024-05-01T10:01:05Z',
      conditions: [
        {
          type: 'Succeeded',
          status: 'False',
          reason: 'HypothesisFailed',
          message: 'checkout-healthy failed | 3 times\nin a row',
          lastTransitionTime: '2024-05-01T10:01:05Z',
        },
      ],
      targets: Array.from({ length: 3 }, (_, i) => ({
        kind: 'Pod',
        namespace: 'shop',
        name: `checkout-${i}`,
        node: 'node-a',
        fault: 'podKill-0',
        faultKind: 'podKill',
        state: 'recovered',
        injectedAt: '2024-05-01T10:00:01Z',
        recoveredAt: '2024-05-01T10:00:03Z',
      })),
      probes: [
        {
          name: 'checkout-healthy',
          phase: 'before',
          outcome: 'Passed',
          time: '2024-05-01T10:00:00Z',
          message: 'HTTP 200',
        },
        {
          name: 'checkout-healthy',
          phase: 'during',
          outcome: 'Failed',
          time: '2024-05-01T10:00:02Z',
          message: 'HTTP 503 | <b>down</b>',
        },
      ],
      report: { verdict: 'Failed', targetsHit: 3, timeToInjectSeconds: 1.2, timeToRecoverSeconds: 2 },
    },
  } as ExperimentObject;
  const sha = 'c'.repeat(40);
  const markdown = renderResultComment({
    experiment,
    revision: { sha, source: 'argocd', application: 'argocd/chaos' },
    links: { htmlBaseUrl: 'https://github.com', repository: { owner: 'acme', repo: 'chaos' } },
  });
  const html = render(markdown);
  assertWellFormed(markdown, html, /^https:\/\/github\.com\/acme\/chaos\/commit\//);
  assert.match(html, /<h3>❌ ChaosCraft result: <code>shop\/checkout-pod-kill<\/code> — Failed<\/h3>/);
  assert.equal(count(html, /<table>/g), 3, 'facts, targets, probe timeline');
  assert.equal(bodyRows(html, 1).length, 3, 'one row per target, inside the <details>');
  assert.match(html, /<details><summary>Targets \(3\)<\/summary>\s*<table>/);
  const timeline = bodyRows(html, 2);
  assert.equal(timeline.length, 2);
  for (const row of timeline) assert.equal(count(row, /<td>/g), 5, 'a | in a message stays inside its cell');
  assert.match(
    html,
    new RegExp(`<a href="https://github.com/acme/chaos/commit/${sha}"><code>ccccccc</code></a>`),
  );
});
