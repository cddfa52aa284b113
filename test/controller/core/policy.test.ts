import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { ChaosExperimentSpec, ChaosPolicySpec } from '../../../controller/api/types.generated.ts';
import { evaluatePolicy, type PolicyInput } from '../../../controller/core/policy.ts';

const spec = (extra: Partial<ChaosExperimentSpec> = {}): ChaosExperimentSpec => ({
  selector: { labelSelector: { matchLabels: { app: 'web' } } },
  faults: [{ podKill: {} }],
  duration: '60s',
  ...extra,
});
const optedIn = { 'chaoscraft.io/allow': 'true' };

function input(overrides: Partial<PolicyInput> & { policy?: ChaosPolicySpec } = {}): PolicyInput {
  const { policy, ...rest } = overrides;
  return {
    experiment: { namespace: 'shop', name: 'exp', spec: spec() },
    policies: policy ? [{ name: 'default', spec: policy }] : [],
    namespaceLabels: { shop: optedIn, media: optedIn, 'kube-system': optedIn, 'chaoscraft-system': optedIn },
    controllerNamespace: 'chaoscraft-system',
    now: new Date('2026-11-25T10:00:00Z'),
    ...rest,
  };
}
const denied = (decision: ReturnType<typeof evaluatePolicy>) =>
  decision.verdicts.filter((v) => v.status === 'deny').map((v) => v.guardrail);

test('an opted-in own namespace with no policy is allowed, every guardrail reported', () => {
  const decision = evaluatePolicy(input());
  assert.equal(decision.allowed, true);
  assert.equal(decision.verdicts.length, 9);
});

test('namespaces must opt in with the label; a missing namespace says so', () => {
  assert.deepEqual(
    denied(evaluatePolicy(input({ namespaceLabels: { shop: { 'chaoscraft.io/allow': 'false' } } }))),
    ['namespace-opt-in'],
  );
  const missing = evaluatePolicy(input({ namespaceLabels: {} }));
  assert.match(missing.verdicts.find((v) => v.guardrail === 'namespace-opt-in')!.message, /does not exist/);
});

test('kube-system and the controller namespace are protected unless a policy names them', () => {
  const inKubeSystem = input({ experiment: { namespace: 'kube-system', name: 'x', spec: spec() } });
  assert.deepEqual(denied(evaluatePolicy(inKubeSystem)), ['protected-namespace']);
  const own = input({ experiment: { namespace: 'chaoscraft-system', name: 'x', spec: spec() } });
  assert.deepEqual(denied(evaluatePolicy(own)), ['protected-namespace']);
  const opened = evaluatePolicy({
    ...inKubeSystem,
    policies: [{ name: 'p', spec: { namespaces: { allow: ['kube-system'] } } }],
  });
  assert.equal(opened.allowed, true);
});

test('another namespace needs allowCrossNamespace in every policy', () => {
  const cross = {
    experiment: { namespace: 'shop', name: 'x', spec: spec({ selector: { namespaces: ['media'] } }) },
  };
  assert.deepEqual(denied(evaluatePolicy(input(cross))), ['cross-namespace']);
  assert.equal(
    evaluatePolicy(input({ ...cross, policy: { namespaces: { allowCrossNamespace: true } } })).allowed,
    true,
  );
  const twoPolicies = evaluatePolicy(
    input({
      ...cross,
      policies: [
        { name: 'a', spec: { namespaces: { allowCrossNamespace: true } } },
        { name: 'b', spec: {} },
      ],
    }),
  );
  assert.deepEqual(denied(twoPolicies), ['cross-namespace'], 'the strictest policy wins');
});

test('allow and deny lists, fault kinds and the kill switch', () => {
  assert.deepEqual(denied(evaluatePolicy(input({ policy: { namespaces: { allow: ['media'] } } }))), [
    'namespace-allowed',
  ]);
  assert.deepEqual(denied(evaluatePolicy(input({ policy: { namespaces: { deny: ['shop'] } } }))), [
    'namespace-allowed',
  ]);
  assert.deepEqual(denied(evaluatePolicy(input({ policy: { deniedFaults: ['podKill'] } }))), ['fault-kinds']);
  assert.deepEqual(denied(evaluatePolicy(input({ policy: { allowedFaults: ['cpuStress'] } }))), [
    'fault-kinds',
  ]);
  assert.deepEqual(denied(evaluatePolicy(input({ policy: { suspend: true } }))), ['suspend']);
});

test('maxTargetsPercent is judged per workload', () => {
  const targets = [
    { namespace: 'shop', name: 'a', workload: 'shop/ReplicaSet/web' },
    { namespace: 'shop', name: 'b', workload: 'shop/ReplicaSet/web' },
    { namespace: 'shop', name: 'c', workload: 'shop/ReplicaSet/api' },
  ];
  const base = {
    policy: { maxTargetsPercent: 50 },
    targets,
    workloadSizes: { 'shop/ReplicaSet/web': 4, 'shop/ReplicaSet/api': 2 },
  };
  assert.equal(evaluatePolicy(input(base)).allowed, true, '2 of 4 and 1 of 2 are both 50%');
  const tooMany = evaluatePolicy(
    input({ ...base, workloadSizes: { 'shop/ReplicaSet/web': 3, 'shop/ReplicaSet/api': 2 } }),
  );
  assert.deepEqual(denied(tooMany), ['max-targets-percent']);
  assert.match(
    tooMany.verdicts.find((v) => v.status === 'deny')!.message,
    /hits 2 of 3 pods \(67%\) of shop\/ReplicaSet\/web/,
  );
});

test('maxConcurrentExperiments', () => {
  assert.equal(
    evaluatePolicy(input({ policy: { maxConcurrentExperiments: 2 }, activeExperiments: 1 })).allowed,
    true,
  );
  assert.deepEqual(
    denied(evaluatePolicy(input({ policy: { maxConcurrentExperiments: 2 }, activeExperiments: 2 }))),
    ['max-concurrent'],
  );
});

test('blackout windows in their time zone', () => {
  // Fridays 14:00 Berlin time for 4h; 2026-11-27 is a Friday, Berlin is UTC+1 then.
  const policy: ChaosPolicySpec = {
    blackoutWindows: [{ name: 'release', schedule: '0 14 * * 5', duration: '4h', timeZone: 'Europe/Berlin' }],
  };
  const at = (iso: string) => evaluatePolicy(input({ policy, now: new Date(iso) }));
  assert.equal(at('2026-11-27T12:59:00Z').allowed, true, '13:59 Berlin: before the window');
  assert.deepEqual(denied(at('2026-11-27T13:00:00Z')), ['blackout']);
  assert.match(
    at('2026-11-27T16:59:00Z').verdicts.find((v) => v.status === 'deny')!.message,
    /until 2026-11-27T17:00:00.000Z/,
  );
  assert.equal(at('2026-11-27T17:00:00Z').allowed, true, 'the window has ended');
});

test('every namespace the controller could pick pods from is judged, whatever else the selector holds', () => {
  const hostSelector = spec({ selector: { processes: { names: ['kubelet'] } } as never });
  const decision = evaluatePolicy(
    input({ experiment: { namespace: 'kube-system', name: 'exp', spec: hostSelector } }),
  );
  assert.deepEqual(denied(decision), ['protected-namespace']);
});

test('a fact not known (no cluster) is unknown, never a pass', () => {
  const decision = evaluatePolicy(
    input({ namespaceLabels: undefined, policy: { maxTargetsPercent: 10, maxConcurrentExperiments: 1 } }),
  );
  const unknown = decision.verdicts.filter((v) => v.status === 'unknown').map((v) => v.guardrail);
  assert.deepEqual(unknown, ['namespace-opt-in', 'max-targets-percent', 'max-concurrent']);
  assert.equal(decision.allowed, false);
});
