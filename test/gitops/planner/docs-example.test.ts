// The example plan comment in docs/GITOPS.md is the planner's real output for the PR built here:
// this test fails when the layout changes and the documentation was not regenerated
// (UPDATE_SNAPSHOTS=1 rewrites the block between the markers).
import assert from 'node:assert/strict';
import { readFile, writeFile } from 'node:fs/promises';
import { test } from 'node:test';
import type { PodSummary } from '../../../controller/core/pod-candidates.ts';
import { planCommentBody } from '../../../gitops/github/publish-plan.ts';
import { staticClusterReader } from '../../../gitops/planner/cluster-reader.ts';
import { planPullRequest } from '../../../gitops/planner/plan-pull-request.ts';
import { podKillYaml, policyYaml, scheduleYaml } from './manifests.ts';
import { memoryRepository } from './memory-repository.ts';

const docPath = new URL('../../../docs/GITOPS.md', import.meta.url);
const start = '<!-- plan-example:start -->';
const end = '<!-- plan-example:end -->';

const pods: PodSummary[] = Array.from({ length: 4 }, (_, i) => ({
  namespace: 'shop',
  name: `checkout-7d9f8-${'abcd'[i]}x2lq`,
  uid: `uid-${i}`,
  labels: { app: 'checkout' },
  nodeName: `node-${i % 2}`,
  phase: 'Running',
  terminating: false,
  owner: { kind: 'ReplicaSet', name: 'checkout-7d9f8' },
  containers: [{ name: 'app' }],
}));

async function examplePlanComment(): Promise<string> {
  const base = { 'policies/default.yaml': policyYaml() };
  const head = {
    'policies/default.yaml': policyYaml().replace('maxTargetsPercent: 50', 'maxTargetsPercent: 75'),
    'experiments/checkout-pod-kill.yaml': podKillYaml(),
    'experiments/checkout-container-kill.yaml': podKillYaml({
      name: 'checkout-container-kill',
      fault: 'containerKill: {}',
    }),
    'schedules/weekday-pod-kill.yaml': scheduleYaml,
  };
  const plan = await planPullRequest({
    repository: memoryRepository({ base, head }),
    base: 'main',
    head: 'feature',
    headBranch: 'alice/checkout-chaos',
    cluster: staticClusterReader({
      pods,
      namespaces: [{ name: 'shop', labels: { 'chaoscraft.io/allow': 'true' } }],
    }),
    now: new Date('2024-05-06T09:00:00Z'),
  });
  return planCommentBody(plan);
}

test('docs/GITOPS.md shows the plan comment the planner makes today', async () => {
  const doc = await readFile(docPath, 'utf8');
  const from = doc.indexOf(start);
  const to = doc.indexOf(end);
  assert.ok(from > 0 && to > from, 'the example markers are in docs/GITOPS.md');
  const block = `${start}\n\n~~~~markdown\n${await examplePlanComment()}~~~~\n\n`;
  if (process.env.UPDATE_SNAPSHOTS === '1') {
    await writeFile(docPath, `${doc.slice(0, from)}${block}${doc.slice(to)}`);
    return;
  }
  assert.equal(doc.slice(from, to), block, 'UPDATE_SNAPSHOTS=1 to regenerate the example');
});
