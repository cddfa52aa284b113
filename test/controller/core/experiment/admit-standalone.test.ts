// Admission in standalone mode: the same admitRun, refusing what one host without Kubernetes cannot
// carry out, and admitting processes and network namespaces that a cluster refuses.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { ChaosExperimentSpec } from '../../../../controller/api/types.generated.ts';
import { admitRun } from '../../../../controller/core/experiment/admit-run.ts';

const now = new Date('2026-01-01T00:00:00Z');

function admit(spec: ChaosExperimentSpec, mode: 'cluster' | 'standalone', names = ['sleep-1']) {
  return admitRun({
    experiment: { namespace: 'default', name: 'x', spec },
    candidates: names.map((name) => ({ kind: 'Process' as const, name, pid: 1 })),
    policy: {
      policies: [],
      namespaceLabels: { default: { 'chaoscraft.io/allow': 'true' } },
      controllerNamespace: 'chaoscraft-system',
      activeExperiments: 0,
    },
    seed: 's',
    now,
    mode,
  });
}

const processes = { processes: { names: ['sleep'] } };

test('standalone admits host processes and network namespaces, which a cluster refuses', () => {
  const kill = { selector: processes, duration: '1s', faults: [{ processKill: {} }] } as ChaosExperimentSpec;
  assert.equal(admit(kill, 'standalone').decision, 'admit');
  assert.equal(admit(kill, 'cluster').decision, 'refuse');
  const unit = { ...kill, selector: { processes: { systemdUnit: 'nginx.service' } } };
  assert.equal(admit(unit, 'standalone').decision, 'admit');
  assert.deepEqual(admit(unit, 'cluster').decision, 'refuse');
  const loss = { selector: { netns: ['ccsa1'] }, duration: '1s', faults: [{ networkLoss: { percent: 5 } }] };
  assert.equal(admit(loss as ChaosExperimentSpec, 'standalone').decision, 'admit');
});

test('standalone refuses pod selectors, pod faults, both selectors, and faults that do not fit the target', () => {
  const cases: [ChaosExperimentSpec, RegExp][] = [
    [
      {
        selector: { labelSelector: { matchLabels: { a: 'b' } } },
        duration: '1s',
        faults: [{ processKill: {} }],
      },
      /spec.selector.labelSelector selects pods/,
    ],
    [
      { selector: processes, duration: '1s', faults: [{ podKill: {} }] },
      /podKill acts on pods or containers/,
    ],
    [
      { selector: { ...processes, netns: ['n'] }, duration: '1s', faults: [{ processKill: {} }] },
      /gives both processes and netns/,
    ],
    [
      { selector: processes, duration: '1s', faults: [{ networkLoss: { percent: 5 } }] },
      /networkLoss acts on a network namespace; select it with spec.selector.netns/,
    ],
    [
      { selector: { netns: ['n'] }, duration: '1s', faults: [{ cpuStress: { workers: 1, load: 50 } }] },
      /cpuStress acts on processes/,
    ],
  ] as never;
  for (const [spec, message] of cases) {
    const admission = admit(spec, 'standalone');
    assert.equal(admission.decision, 'refuse');
    assert.equal(admission.decision === 'refuse' && admission.reason, 'InvalidSpec');
    assert.match(admission.decision === 'refuse' ? admission.message : '', message);
  }
});
