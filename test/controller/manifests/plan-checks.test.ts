// validate refuses what a PR plan and the controller refuse, one sentence per problem naming
// the field, through the same functions (core/experiment/spec-checks.ts, core/schedule-times.ts).
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { checkSpec } from '../../../controller/core/experiment/spec-checks.ts';
import { validateText } from '../../../controller/manifests/validate.ts';

const schedule = (fields: string, duration = '60s') => `apiVersion: chaoscraft.io/v1alpha1
kind: ChaosSchedule
metadata: { name: s, namespace: shop }
spec:
${fields}
  template:
    spec:
      selector: { names: [web-0] }
      faults: [{ podKill: {} }]
      duration: ${duration}
`;

function findings(text: string): string[] {
  return validateText({ file: 's.yaml', text }).diagnostics.map((d) => `${d.line} ${d.field}: ${d.message}`);
}

test('impossible cron fields and unknown time zones name their field', () => {
  assert.deepEqual(findings(schedule('  schedule: "99 99 * * *"')), [
    '5 spec.schedule: Constraint error, got value 99 expected range 0-59',
  ]);
  assert.deepEqual(findings(schedule('  schedule: "0 0 31 2 *"')), [
    '5 spec.schedule: Invalid explicit day of month definition',
  ]);
  assert.deepEqual(findings(schedule('  schedule: "0 10 * * 1-5"\n  timeZone: Mars/Olympus')), [
    '6 spec.timeZone: time zone "Mars/Olympus" is not known; use an IANA name such as Europe/Berlin, or UTC',
  ]);
});

test('zero and absurd durations are refused as the controller refuses them', () => {
  assert.deepEqual(findings(schedule('  schedule: "@daily"', '0s')), [
    '10 spec.template.spec.duration: must be between 1s and 24h, not 0s',
  ]);
  const experiment = `apiVersion: chaoscraft.io/v1alpha1
kind: ChaosExperiment
metadata: { name: e, namespace: shop }
spec:
  selector: { names: [web-0] }
  faults: [{ podKill: {} }]
  duration: 9999h
`;
  assert.deepEqual(findings(experiment), ['7 spec.duration: must be between 1s and 24h, not 9999h']);
  // The controller's own wording is unchanged.
  assert.deepEqual(
    checkSpec({ selector: { names: ['a'] }, faults: [{ podKill: {} }], duration: '9999h' } as never),
    ['spec.duration must be between 1s and 24h, not 9999h'],
  );
});

test('1e309 reads as infinity: one sentence, not a schema riddle', () => {
  const text = `apiVersion: chaoscraft.io/v1alpha1
kind: ChaosExperiment
metadata: { name: e, namespace: shop }
spec:
  selector: { names: [web-0] }
  mode: fixed-percent
  value: 1e309
  faults: [{ podKill: {} }]
  duration: 30s
`;
  assert.deepEqual(findings(text), [
    '7 spec.value: is too large to be a number (it reads as infinity); write a number that fits',
  ]);
});

test('a blackout window that cannot be evaluated is refused in the policy', () => {
  const text = `apiVersion: chaoscraft.io/v1alpha1
kind: ChaosPolicy
metadata: { name: p }
spec:
  blackoutWindows:
    - { schedule: "0 9 * * *", duration: 1h, timeZone: Nowhere/Land }
`;
  assert.deepEqual(
    validateText({ file: 'p.yaml', text }).diagnostics.map((d) => d.field),
    ['spec.blackoutWindows[0].timeZone'],
  );
});
