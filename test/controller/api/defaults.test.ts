// Schema defaults for objects that never passed through the API server.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { withDefaults } from '../../../controller/api/defaults.ts';

const experiment = {
  apiVersion: 'chaoscraft.io/v1alpha1',
  kind: 'ChaosExperiment',
  metadata: { name: 'x', namespace: 'shop' },
  spec: {
    selector: { names: ['a'] },
    duration: '30s',
    faults: [{ cpuStress: { workers: 2 } }, { networkPartition: { cidrs: ['10.0.0.0/8'] } }],
    abort: {},
  },
};

test('absent fields get their schema defaults, at every depth, on a copy', () => {
  const defaulted = withDefaults('ChaosExperiment', experiment);
  assert.equal(defaulted.spec.faults[0]?.cpuStress?.workers, 2);
  assert.deepEqual(defaulted.spec.faults[0], { cpuStress: { workers: 2, load: 100 } });
  assert.deepEqual(defaulted.spec.faults[1], {
    networkPartition: { cidrs: ['10.0.0.0/8'], direction: 'both', protocol: 'all' },
  });
  assert.equal((defaulted.spec as { mode?: string }).mode, 'one');
  assert.deepEqual(defaulted.spec.abort, { onHypothesisFailure: true });
  assert.equal((experiment.spec as { mode?: string }).mode, undefined, 'the original is untouched');
});

test('fields that are set keep their values; unknown kinds are only copied', () => {
  const set = { ...experiment, spec: { ...experiment.spec, mode: 'all' } };
  assert.equal(withDefaults('ChaosExperiment', set).spec.mode, 'all');
  const other = { kind: 'ConfigMap', data: {} };
  assert.deepEqual(withDefaults('ConfigMap', other), other);
});
