// Planner behaviour that needs no git and no API server: an in-memory repository and a static
// cluster. Offline plans, an unreadable cluster, hostile names, caps, moves and duplicates,
// blackout fire times, and the policy function being the controller's own.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import type { PodSummary } from '../../../controller/core/pod-candidates.ts';
import {
  type ClusterReader,
  cachedClusterReader,
  staticClusterReader,
} from '../../../gitops/planner/cluster-reader.ts';
import { planPullRequest } from '../../../gitops/planner/plan-pull-request.ts';
import { maxCommentLength } from '../../../gitops/planner/render-markdown.ts';
import { planCommentMarker } from '../../../gitops/planner/types.ts';
import { invalidYaml, latencyYaml, podKillYaml, policyYaml, scheduleYaml } from './manifests.ts';
import { memoryRepository } from './memory-repository.ts';

const NOW = new Date('2024-05-06T09:00:00Z');

function pods(
  count: number,
  options: { namespace?: string; app?: string; owner?: string } = {},
): PodSummary[] {
  return Array.from({ length: count }, (_, i) => ({
    namespace: options.namespace ?? 'shop',
    name: `${options.app ?? 'checkout'}-${String(i).padStart(4, '0')}`,
    uid: `uid-${i}`,
    labels: { app: options.app ?? 'checkout' },
    nodeName: `node-${i % 3}`,
    phase: 'Running',
    terminating: false,
    owner: { kind: 'ReplicaSet', name: options.owner ?? `${options.app ?? 'checkout'}-rs` },
    containers: [{ name: 'app' }],
  }));
}

const optedIn = [{ name: 'shop', labels: { 'chaoscraft.io/allow': 'true' } }];

function plan(head: Record<string, string>, cluster?: ClusterReader, base: Record<string, string> = {}) {
  return planPullRequest({
    repository: memoryRepository({ base, head: { ...base, ...head } }),
    base: 'main',
    head: 'feature',
    ...(cluster ? { cluster } : {}),
    now: NOW,
  });
}

describe('planner cases', () => {
  test('without a cluster: planned from Git only, the checks that need one named once, not per row', async () => {
    const files: Record<string, string> = {};
    for (let i = 0; i < 3; i++) files[`e${i}.yaml`] = podKillYaml({ name: `kill-${i}` });
    const result = await plan(files);
    assert.equal(result.valid, true);
    assert.equal(result.summary, '3 experiments: 3 planned from Git only');
    assert.equal((result.markdown.match(/Planned from Git only \(no cluster configured\)/g) ?? []).length, 1);
    assert.equal((result.markdown.match(/namespace-opt-in/g) ?? []).length, 1, 'one line, not one per row');
    assert.ok(!/not checked|not resolved/.test(result.markdown), result.markdown);
  });

  test("a PR touching only other tools' files gets a neutral plan, not errors", async () => {
    const result = await plan({
      'chart/templates/deployment.yaml':
        'apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: {{ .Release.Name }}\n{{- if .Values.x }}\n  labels: {}\n{{- end }}\n',
      'tsconfig.json': '{\n  // comments are fine here\n  "compilerOptions": { "strict": true, },\n}\n',
      'litmus/experiment.yaml':
        'apiVersion: litmuschaos.io/v1alpha1\nkind: ChaosExperiment\nmetadata:\n  name: pod-delete\nspec: {}\n',
      'big/crds.yaml': `# ${'x'.repeat(1100 * 1024)}\napiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: big\n`,
    });
    assert.equal(result.valid, true, result.markdown);
    assert.equal(result.annotations.filter((a) => a.level === 'failure').length, 0, result.markdown);
    assert.ok(!/error/i.test(result.summary), result.summary);
  });

  test('without a cluster, guardrails that need none still deny (the PR policy applies)', async () => {
    const result = await plan({
      'p.yaml': policyYaml(),
      'e.yaml': podKillYaml({ fault: 'containerKill: {}' }),
    });
    assert.equal(result.valid, false);
    assert.match(result.markdown, /ChaosPolicy default denies containerKill/);
  });

  test('without a cluster, the ChaosPolicies committed on the base branch apply', async () => {
    const result = await plan(
      { 'experiments/e.yaml': podKillYaml({ fault: 'containerKill: {}' }) },
      undefined,
      { 'policies/default.yaml': policyYaml(), 'README.md': '# not a manifest' },
    );
    assert.equal(result.valid, false, 'the committed policy denies containerKill');
    assert.match(result.markdown, /ChaosPolicy default denies containerKill/);
    assert.match(result.markdown, /The 1 ChaosPolicy committed on the base branch applied\./);
    assert.ok(!result.markdown.includes('Ready to merge'));
  });

  test('without a cluster, a committed policy the PR deletes no longer applies', async () => {
    const base = { 'policies/default.yaml': policyYaml() };
    const repository = memoryRepository({
      base,
      head: { 'e.yaml': podKillYaml({ fault: 'containerKill: {}' }) },
    });
    const result = await planPullRequest({ repository, base: 'main', head: 'feature', now: NOW });
    assert.equal(result.valid, true, result.markdown);
  });

  test('an unreadable cluster degrades to a plan without live targets, with the reason', async () => {
    const broken: ClusterReader = {
      pods: async () => {
        throw new Error('pods is forbidden: User cannot list resource "pods"');
      },
      namespace: async () => undefined,
      policies: async () => [],
      nodes: async () => [],
    };
    const result = await plan({ 'e.yaml': podKillYaml() }, broken);
    assert.match(result.markdown, /the cluster could not be read \(pods is forbidden/);
    assert.equal(result.summary, '1 experiment: 1 planned from Git only');
  });

  test('a cluster whose policies cannot be listed: planned from Git only, with the reason', async () => {
    const result = await plan(
      { 'e.yaml': podKillYaml() },
      {
        ...staticClusterReader({}),
        policies: async () => {
          throw new Error('connection refused');
        },
      },
    );
    assert.match(
      result.markdown,
      /The cluster could not be read \(connection refused\), so this is planned from Git only/,
    );
  });

  test('each namespace and list is read once per plan, however many manifests need it', async () => {
    const counts = { pods: 0, namespace: 0, policies: 0 };
    const inner = staticClusterReader({ pods: pods(3), namespaces: optedIn });
    const counting: ClusterReader = {
      pods: (ns) => {
        counts.pods++;
        return inner.pods(ns);
      },
      namespace: (n) => {
        counts.namespace++;
        return inner.namespace(n);
      },
      policies: () => {
        counts.policies++;
        return inner.policies();
      },
      nodes: () => inner.nodes(),
    };
    const files: Record<string, string> = {};
    for (let i = 0; i < 10; i++) files[`e${i}.yaml`] = podKillYaml({ name: `kill-${i}` });
    const result = await plan(files, counting);
    assert.equal(result.summary, '10 experiments: 10 would run');
    assert.deepEqual(counts, { pods: 1, namespace: 1, policies: 1 });
    // And the wrapper itself memoizes.
    const cached = cachedClusterReader(counting);
    await Promise.all([cached.pods('shop'), cached.pods('shop')]);
    assert.equal(counts.pods, 2);
  });

  test('many targets fold into <details> and the list is capped', async () => {
    const result = await plan(
      { 'e.yaml': podKillYaml({ mode: 'all' }) },
      staticClusterReader({ pods: pods(120), namespaces: optedIn }),
    );
    assert.match(result.markdown, /120 of 120 matching pods\n\n<details><summary>120 targets<\/summary>/);
    assert.match(result.markdown, /…and 70 more\./);
    assert.equal((result.markdown.match(/\| `shop\/checkout-\d{4}` \|/g) ?? []).length, 50);
  });

  test('hostile names and messages cannot inject Markdown, HTML or mentions', async () => {
    const hostile = `apiVersion: chaoscraft.io/v1alpha1
kind: ChaosExperiment
metadata:
  name: "<img src=x onerror=alert(1)> @octocat [x](http://evil) | col"
  namespace: shop
spec:
  selector: {}
  faults:
    - podKill: {}
  duration: 60s
`;
    const result = await plan({ 'h.yaml': hostile });
    assert.equal(result.valid, false);
    assert.ok(!result.markdown.includes('<img'), 'no raw HTML');
    assert.ok(!result.markdown.includes('@octocat'), 'no mention');
    assert.ok(!result.markdown.includes('[x](http://evil)'), 'no link');
    assert.match(
      result.markdown,
      /&lt;img src=x onerror=alert\(1\)&gt; @&#8203;octocat \\\[x\\\]\(http:\/\/evil\) \\\| col/,
    );
  });

  test('a manifest moved to another file is a change, not a stop and a start', async () => {
    const result = await plan({ 'new/place.yaml': latencyYaml, 'old.yaml': '' }, undefined, {
      'old.yaml': latencyYaml,
    });
    assert.ok(!result.markdown.includes('will stop'));
    assert.match(
      result.markdown,
      /\| Experiment \[shop\/old-latency\]\([^)]*new\/place\.yaml#L1\) \| unchanged \|/,
    );
    assert.equal(result.summary, 'no ChaosCraft changes to plan');
  });

  test('the same object twice in the head is an error on the second copy', async () => {
    const result = await plan({ 'a.yaml': podKillYaml(), 'b.yaml': podKillYaml() });
    assert.equal(result.valid, false);
    const duplicate = result.annotations.find((a) => /also defined in a\.yaml/.test(a.message));
    assert.equal(duplicate?.path, 'b.yaml');
  });

  test('a schedule fire time inside a blackout window is flagged, not blocking', async () => {
    // Windows every day 09:30–10:30 Berlin catch each 10:00 run.
    const policy = policyYaml(
      '  blackoutWindows:\n    - name: standup\n      schedule: "30 9 * * *"\n      duration: 1h\n      timeZone: Europe/Berlin\n',
    );
    const result = await plan(
      { 'p.yaml': policy, 's.yaml': scheduleYaml },
      staticClusterReader({ pods: pods(2), namespaces: optedIn }),
    );
    assert.equal(result.valid, true, result.summary);
    assert.equal((result.markdown.match(/⏱️ skipped: inside blackout window standup/g) ?? []).length, 3);
    assert.equal(result.annotations.filter((a) => a.title === 'chaoscraft policy: blackout').length, 3);
  });

  test('an experiment planned inside a blackout window would wait for it to end, not be denied', async () => {
    const policy = policyYaml('  blackoutWindows:\n    - schedule: "0 8 * * 1"\n      duration: 2h\n');
    const result = await plan(
      { 'p.yaml': policy, 'e.yaml': podKillYaml() },
      staticClusterReader({ pods: pods(2), namespaces: optedIn }),
    );
    assert.equal(result.valid, true, 'a blackout delays the run; it does not block the merge');
    const blackout = result.annotations.find((a) => a.title === 'chaoscraft policy: blackout');
    assert.equal(blackout?.level, 'warning');
    assert.match(blackout!.message, /the run waits: inside blackout window .* until /);
    assert.match(result.markdown, /\| `blackout` \| ⏸️ the run waits \|/);
  });

  test('a denied schedule never shows a fire time as running', async () => {
    const result = await plan(
      { 'p.yaml': policyYaml(), 's.yaml': scheduleYaml.replace('podKill', 'containerKill') },
      staticClusterReader({ pods: pods(2), namespaces: optedIn }),
    );
    assert.equal(result.valid, false);
    const fireRows = result.markdown.match(/^\| \w{3} 2024-05-\d\d 10:00 Europe\/Berlin .*$/gm) ?? [];
    assert.equal(fireRows.length, 3);
    assert.ok(
      fireRows.every((row) => row.endsWith('| ❌ refused (see the guardrails) |')),
      fireRows.join('\n'),
    );
    assert.ok(
      !/✅/.test(
        result.markdown.slice(
          result.markdown.indexOf('**Next runs**'),
          result.markdown.indexOf('**Guardrails**'),
        ),
      ),
    );
  });

  test('branch names stand next to the SHAs when base and head are given as SHAs', async () => {
    const repository = memoryRepository({ base: {}, head: { 'e.yaml': podKillYaml() } });
    const [baseSha, headSha] = [await repository.resolve('main'), await repository.resolve('feature')];
    const result = await planPullRequest({
      repository,
      base: baseSha,
      head: headSha,
      baseBranch: 'main',
      headBranch: 'alice/kill-checkout',
      now: NOW,
    });
    const compared = `Compared \`${headSha.slice(0, 12)}\` (\`alice/kill-checkout\`) with \`${baseSha.slice(0, 12)}\` (merge base with \`main\`)`;
    assert.ok(result.markdown.includes(compared), result.markdown);
    const bare = await planPullRequest({ repository, base: baseSha, head: headSha, now: NOW });
    assert.ok(!bare.markdown.includes(`(\`${headSha}\`)`), 'a SHA is not repeated as its own label');
  });

  test('a schedule that cannot be evaluated is invalid', async () => {
    const result = await plan({ 's.yaml': scheduleYaml.replace('Europe/Berlin', 'Mars/Olympus_Mons') });
    assert.equal(result.valid, false);
    // Caught by the schema (validate) or, failing that, when the planner evaluates the schedule.
    assert.ok(
      result.annotations.some(
        (a) => a.level === 'failure' && /invalid schedule|timeZone/.test(`${a.title} ${a.message}`),
      ),
    );
  });

  test('with a cluster, a PR that adds no object reads only the changed blobs', async () => {
    const base: Record<string, string> = {};
    for (let i = 0; i < 50; i++) base[`keep-${i}.yaml`] = podKillYaml({ name: `keep-${i}` });
    const edited = { ...base, 'keep-7.yaml': podKillYaml({ name: 'keep-7', mode: 'all' }) };
    const repository = memoryRepository({ base, head: edited });
    const cluster = staticClusterReader({ namespaces: optedIn });
    await planPullRequest({ repository, base: 'main', head: 'feature', cluster, now: NOW });
    assert.equal(repository.blobReads, 2, 'keep-7.yaml before and after');
    // Without one, the base's manifests are read once more for the committed policies.
    const offline = memoryRepository({ base, head: edited });
    await planPullRequest({ repository: offline, base: 'main', head: 'feature', now: NOW });
    assert.equal(offline.blobReads, 52);
    // Adding an object reads the other files of the head, to find a second copy of it.
    const adding = memoryRepository({ base, head: { ...base, 'new.yaml': invalidYaml } });
    await planPullRequest({ repository: adding, base: 'main', head: 'feature', cluster, now: NOW });
    assert.equal(adding.blobReads, 51);
  });

  test('an added object also defined in a file the PR does not change is an error', async () => {
    const base = { 'team-a/kill.yaml': podKillYaml(), 'team-a/other.yaml': latencyYaml };
    const result = await plan({ 'team-b/kill.yaml': podKillYaml() }, undefined, base);
    assert.equal(result.valid, false, result.markdown);
    const duplicate = result.annotations.find((a) => /also defined in team-a\/kill\.yaml:2/.test(a.message));
    assert.equal(duplicate?.path, 'team-b/kill.yaml');
    assert.equal(duplicate?.level, 'failure');
    assert.match(result.markdown, /a file this PR does not change; Argo CD would fight over it/);
    assert.match(result.summary, /1 invalid/);
  });

  test('a huge PR: every object in the summary, under the comment limit, details given up first', async () => {
    const files: Record<string, string> = {};
    for (let i = 0; i < 400; i++)
      files[`team/e-${String(i).padStart(3, '0')}.yaml`] = podKillYaml({ name: `e-${i}` });
    files['zz-broken.yaml'] = invalidYaml;
    const result = await plan(files, staticClusterReader({ pods: pods(5), namespaces: optedIn }));
    assert.ok(result.markdown.length <= maxCommentLength, `length ${result.markdown.length}`);
    assert.ok(result.markdown.startsWith(planCommentMarker));
    assert.equal(result.summary, '401 experiments: 400 would run, 1 invalid');
    const rows = result.markdown.match(/^\| Experiment .*\|$/gm) ?? [];
    assert.equal(rows.length, 401, 'one summary row per object');
    for (let i = 0; i < 400; i++)
      assert.ok(
        result.markdown.includes(`shop/e-${i}\``) || result.markdown.includes(`shop/e-${i}]`),
        `e-${i}`,
      );
    assert.match(rows[0]!, /shop\/broken.*❌ invalid/, 'blocking objects first');
    // Details come after the summary, blocking first, and those left out are counted.
    const details = result.markdown.indexOf('### Details');
    assert.ok(details > result.markdown.lastIndexOf('| Experiment '));
    assert.match(
      result.markdown.slice(details),
      /^### Details\n\n<details open><summary>ChaosExperiment <code>shop\/broken<\/code> · ❌ invalid/,
    );
    assert.match(
      result.markdown,
      /…details of \d+ more objects are left out to stay within GitHub's comment size/,
    );
    assert.equal(
      (result.markdown.match(/<details/g) ?? []).length,
      (result.markdown.match(/<\/details>/g) ?? []).length,
    );
  });

  test('a policy change that loosens guardrails needs review, with the whole before and after', async () => {
    const windows = (names: string[]) =>
      `  blackoutWindows:\n${names.map((n) => `    - name: ${n}\n      schedule: "0 0 * * 5"\n      duration: 48h\n      timeZone: Europe/Berlin\n`).join('')}`;
    const base = { 'p.yaml': policyYaml(windows(['weekend-freeze', 'release-freeze'])) };
    const head = {
      'p.yaml': policyYaml(windows(['weekend-freeze']))
        .replace('maxTargetsPercent: 50', 'maxTargetsPercent: 80')
        .replace('allow: [shop, media]', 'allow: [shop, media, kube-system]'),
    };
    const result = await plan(head, undefined, base);
    assert.equal(result.valid, true);
    assert.equal(result.needsReview, true);
    assert.match(result.markdown, /⚠️ \*\*Review needed\*\*: 1 policy loosens guardrails \(review\)/);
    assert.match(result.markdown, /- opens protected namespace kube-system \(namespaces\.allow\)/);
    assert.match(result.markdown, /- raises maxTargetsPercent from 50% to 80%/);
    assert.match(result.markdown, /- removes or changes blackout window release-freeze \(blackoutWindows\)/);
    assert.match(result.markdown, /\| `spec\.maxTargetsPercent` \| `50` \| `80` \|/);
    // The long value is shown whole, not cut to `{"nam…`.
    assert.ok(!result.markdown.includes('{"nam…'));
    assert.match(result.markdown, /"name": "release-freeze"/);
    const warnings = result.annotations.filter((a) => a.title === 'chaoscraft: loosens guardrails');
    assert.equal(warnings.length, 3);
    assert.ok(warnings.every((a) => a.level === 'warning' && a.path === 'p.yaml'));
  });

  test('deleting the only policy and ending a suspension need review', async () => {
    const only = await plan({ 'p.yaml': '' }, undefined, { 'p.yaml': policyYaml() });
    assert.equal(only.needsReview, true);
    assert.match(only.markdown, /removes the only ChaosPolicy/);
    const resumed = await plan({ 'p.yaml': policyYaml() }, undefined, {
      'p.yaml': policyYaml('  suspend: true\n'),
    });
    assert.match(resumed.markdown, /ends the suspension/);
    const tightened = await plan({ 'p.yaml': policyYaml('  suspend: true\n') }, undefined, {
      'p.yaml': policyYaml(),
    });
    assert.equal(tightened.needsReview, false);
    assert.match(tightened.markdown, /✅ \*\*Ready to merge\*\*/);
  });

  test('no ChaosCraft manifest changed', async () => {
    const result = await plan({
      'deploy.yaml': 'apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: x\n',
    });
    assert.equal(result.valid, true);
    assert.equal(result.summary, 'no ChaosCraft changes to plan');
  });

  test('an unreadable file (binary) that may hold our objects is an error of the file; a foreign one is skipped', async () => {
    const result = await plan({ 'bin.yaml': 'apiVersion: chaoscraft.io/v1alpha1\na\u0000b' });
    assert.equal(result.valid, false);
    assert.equal(result.summary, '1 file with errors');
    assert.equal(result.annotations[0]?.title, 'chaoscraft: binary-file');
    const foreign = await plan({ 'bin.yaml': 'a\u0000b' });
    assert.equal(foreign.valid, true, foreign.markdown);
    assert.equal(foreign.annotations.length, 0);
  });
});
