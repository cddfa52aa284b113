// Which policy changes weaken a guardrail: each rule, and changes that only tighten.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { ChaosPolicySpec } from '../../../controller/api/types.generated.ts';
import { policyLoosenings } from '../../../gitops/planner/policy-loosening.ts';

const protectedNamespaces = ['kube-system', 'chaoscraft-system'];
const loosens = (
  before: ChaosPolicySpec | undefined,
  after: ChaosPolicySpec | undefined,
  policiesAfter = 1,
) =>
  policyLoosenings({
    name: 'p',
    ...(before ? { before } : {}),
    ...(after ? { after } : {}),
    protectedNamespaces,
    policiesAfter,
  });

test('each way of loosening a guardrail is named, with the field', () => {
  assert.deepEqual(loosens({ suspend: true }, { suspend: false }), ['ends the suspension (suspend)']);
  assert.deepEqual(
    loosens({ namespaces: { allow: ['shop'] } }, { namespaces: { allow: ['shop', 'kube-system'] } }),
    ['opens protected namespace kube-system (namespaces.allow)'],
  );
  assert.deepEqual(loosens({ namespaces: { allow: ['shop'] } }, {}), [
    'drops the list of allowed namespaces: every one is allowed (namespaces.allow)',
  ]);
  assert.deepEqual(
    loosens({ namespaces: { deny: ['payments', 'shop'] } }, { namespaces: { deny: ['shop'] } }),
    ['no longer denies namespaces payments (namespaces.deny)'],
  );
  assert.deepEqual(loosens({}, { namespaces: { allowCrossNamespace: true } }), [
    'allows targeting other namespaces (namespaces.allowCrossNamespace)',
  ]);
  assert.deepEqual(loosens({ allowedFaults: ['podKill'] }, { allowedFaults: ['podKill', 'networkLoss'] }), [
    'allows networkLoss (allowedFaults)',
  ]);
  assert.deepEqual(loosens({ deniedFaults: ['containerKill'] }, {}), [
    'no longer denies fault kinds containerKill (deniedFaults)',
  ]);
  assert.deepEqual(loosens({ maxTargetsPercent: 25 }, { maxTargetsPercent: 50 }), [
    'raises maxTargetsPercent from 25% to 50%',
  ]);
  assert.deepEqual(loosens({ maxConcurrentExperiments: 2 }, {}), [
    'drops the limit of 2 (maxConcurrentExperiments)',
  ]);
  assert.deepEqual(
    loosens(
      { blackoutWindows: [{ name: 'freeze', schedule: '0 0 * * *', duration: '2h' }] },
      { blackoutWindows: [] },
    ),
    ['removes or changes blackout window freeze (blackoutWindows)'],
  );
});

test('removing a policy loosens; removing the only one says so', () => {
  assert.deepEqual(loosens({ suspend: false }, undefined, 2), [
    'removes this policy: its guardrails no longer apply',
  ]);
  assert.deepEqual(loosens({}, undefined, 0), [
    'removes the only ChaosPolicy: no policy guards any experiment after the merge',
  ]);
});

test('an added policy only tightens, unless it opens a protected namespace', () => {
  assert.deepEqual(loosens(undefined, { namespaces: { allow: ['shop'] }, maxTargetsPercent: 90 }), []);
  assert.deepEqual(loosens(undefined, { namespaces: { allow: ['chaoscraft-system'] } }), [
    'opens protected namespace chaoscraft-system (namespaces.allow)',
  ]);
});

test('tightening is not flagged', () => {
  assert.deepEqual(
    loosens(
      { maxTargetsPercent: 50, allowedFaults: ['podKill', 'networkLoss'], namespaces: { deny: ['a'] } },
      {
        suspend: true,
        maxTargetsPercent: 10,
        allowedFaults: ['podKill'],
        namespaces: { deny: ['a', 'b'], allow: ['shop'] },
        maxConcurrentExperiments: 1,
        blackoutWindows: [{ schedule: '0 0 * * *', duration: '1h' }],
      },
    ),
    [],
  );
});
