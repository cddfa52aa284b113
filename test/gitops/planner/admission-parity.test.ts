// One admission path: for the same spec, policies, namespaces and pods, the PR plan and the
// controller's lifecycle reach the same decision. A rule added to only one of them fails here.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { ChaosExperimentSpec, ChaosPolicySpec } from '../../../controller/api/types.generated.ts';
import type { PodSummary } from '../../../controller/core/pod-candidates.ts';
import { staticClusterReader } from '../../../gitops/planner/cluster-reader.ts';
import { planExperimentSpec } from '../../../gitops/planner/plan-experiment.ts';
import { World } from '../../controller/core/experiment/world.ts';

const NOW = new Date('2026-11-25T10:00:00Z');
const optedIn = { 'chaoscraft.io/allow': 'true' };

interface Case {
  name: string;
  /** What both must decide. */
  expect: string;
  spec?: Partial<ChaosExperimentSpec>;
  policies?: ChaosPolicySpec[];
  labels?: Record<string, Record<string, string>>;
  pods?: number;
}

const cases: Case[] = [
  { name: 'allowed', expect: 'admit' },
  {
    name: 'host processes selector',
    expect: 'refuse InvalidSpec',
    spec: { selector: { processes: { names: ['sshd'] } } as never },
  },
  {
    name: 'network namespace selector',
    expect: 'refuse InvalidSpec',
    spec: { selector: { netns: { names: ['ccfa'] } } as never },
  },
  { name: 'podFailure', expect: 'refuse InvalidSpec', spec: { faults: [{ podFailure: {} }] } },
  { name: 'duration out of range', expect: 'refuse InvalidSpec', spec: { duration: '0s' } },
  { name: 'namespace not opted in', expect: 'refuse PolicyDenied', labels: { shop: {} } },
  { name: 'namespace denied', expect: 'refuse PolicyDenied', policies: [{ namespaces: { deny: ['shop'] } }] },
  {
    name: 'fault kind not allowed',
    expect: 'refuse PolicyDenied',
    policies: [{ allowedFaults: ['cpuStress'] }],
  },
  {
    name: 'too much of a workload',
    expect: 'refuse PolicyDenied',
    spec: { mode: 'all' },
    policies: [{ maxTargetsPercent: 50 }],
  },
  { name: 'no targets', expect: 'refuse NoTargets', pods: 0 },
  {
    name: 'too many records',
    expect: 'refuse PolicyDenied',
    spec: { mode: 'all', faults: [{ podKill: {} }, { podKill: {} }, { podKill: {} }] },
    pods: 6001,
  },
  { name: 'suspended', expect: 'wait Suspended', policies: [{ suspend: true }] },
  {
    name: 'blackout',
    expect: 'wait BlackoutWindow',
    policies: [{ blackoutWindows: [{ schedule: '0 10 * * *', duration: '1h' }] }],
  },
  {
    name: 'suspended and denied',
    expect: 'refuse PolicyDenied',
    policies: [{ suspend: true }, { namespaces: { deny: ['shop'] } }],
  },
];

function podSummaries(count: number): PodSummary[] {
  return Array.from({ length: count }, (_, i) => ({
    namespace: 'shop',
    name: `web-${i}`,
    uid: `uid-${i}`,
    labels: { app: 'web' },
    nodeName: 'node-a',
    phase: 'Running',
    terminating: false,
    owner: { kind: 'ReplicaSet', name: 'web' },
    containers: [{ name: 'app' }],
  }));
}

/** The controller's answer after admission: admitted, waiting (reason), or refused (reason). */
function controllerDecision(c: Case): string {
  const pods = podSummaries(c.pods ?? 3);
  const world = new World({
    spec: c.spec ?? {},
    candidates: pods.map((p) => ({
      kind: 'Pod',
      namespace: p.namespace,
      name: p.name,
      uid: p.uid,
      node: p.nodeName,
      workload: `shop/ReplicaSet/web`,
    })),
    namespaceLabels: c.labels ?? { shop: optedIn },
    policies: (c.policies ?? []).map((spec, i) => ({ name: `p${i}`, spec })),
  });
  world.now = new Date(NOW);
  world.step(); // finalizer
  world.step(); // admission
  const succeeded = world.condition('Succeeded')!;
  if (succeeded.status === 'False') return `refuse ${succeeded.reason}`;
  if (world.experiment.status?.targets?.length) return 'admit';
  return `wait ${succeeded.reason}`;
}

async function planDecision(c: Case): Promise<string> {
  const labels = c.labels ?? { shop: optedIn };
  const plan = await planExperimentSpec({
    namespace: 'shop',
    name: 'exp',
    spec: {
      selector: { labelSelector: { matchLabels: { app: 'web' } } },
      faults: [{ podKill: {} }],
      duration: '60s',
      ...c.spec,
    } as ChaosExperimentSpec,
    context: {
      cluster: staticClusterReader({
        pods: podSummaries(c.pods ?? 3),
        namespaces: Object.entries(labels).map(([name, l]) => ({ name, labels: l })),
      }),
      policies: (c.policies ?? []).map((spec, i) => ({ name: `p${i}`, spec })),
      controllerNamespace: 'chaoscraft-system',
    },
    seed: 'parity',
    now: NOW,
  });
  if (plan.specProblems.length) return 'refuse InvalidSpec';
  if (plan.refusal) return `refuse ${plan.refusal.reason}`;
  if (plan.verdicts.some((v) => v.status === 'deny')) return 'refuse PolicyDenied';
  const waits = plan.verdicts.filter((v) => v.status === 'waits').map((v) => v.guardrail);
  if (waits.length)
    return `wait ${{ suspend: 'Suspended', blackout: 'BlackoutWindow' }[waits[0] as 'suspend']}`;
  return 'admit';
}

for (const c of cases) {
  test(`plan and controller agree: ${c.name}`, async () => {
    const controller = controllerDecision(c);
    const plan = await planDecision(c);
    assert.equal(controller, c.expect, 'the controller');
    assert.equal(plan, controller, 'the plan says what the controller does');
  });
}
