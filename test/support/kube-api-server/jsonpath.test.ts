// The JSONPath subset used by printer columns, and the human Age format.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { evaluateJsonPath, JsonPathError } from './jsonpath.ts';
import { humanDuration } from './table.ts';

const object = {
  metadata: { name: 'x', labels: { 'app.kubernetes.io/name': 'web' } },
  spec: { replicas: 3 },
  status: {
    conditions: [
      { type: 'Ready', status: 'True', count: 2 },
      { type: 'Succeeded', status: 'False', reason: 'HypothesisFailed', count: 5 },
    ],
    targets: [{ name: 'a' }, { name: 'b' }],
  },
};

describe('JSONPath subset', () => {
  const evaluate = (expression: string) => evaluateJsonPath({ expression, value: object });

  it('walks fields, indexes and wildcards', () => {
    assert.deepEqual(evaluate('.spec.replicas'), [3]);
    assert.deepEqual(evaluate('{.spec.replicas}'), [3]);
    assert.deepEqual(evaluate('.status.targets[1].name'), ['b']);
    assert.deepEqual(evaluate('.status.targets[-1].name'), ['b']);
    assert.deepEqual(evaluate('.status.targets[*].name'), ['a', 'b']);
    assert.deepEqual(evaluate(".metadata.labels['app.kubernetes.io/name']"), ['web']);
    assert.deepEqual(evaluate('.metadata.labels.app\\.kubernetes\\.io/name'), ['web']);
    assert.deepEqual(evaluate('.spec.missing'), []);
  });

  it('filters arrays with comparisons and existence', () => {
    assert.deepEqual(evaluate('.status.conditions[?(@.type=="Succeeded")].status'), ['False']);
    assert.deepEqual(evaluate(".status.conditions[?(@.type=='Succeeded')].reason"), ['HypothesisFailed']);
    assert.deepEqual(evaluate('.status.conditions[?(@.type!="Succeeded")].type'), ['Ready']);
    assert.deepEqual(evaluate('.status.conditions[?(@.count>3)].type'), ['Succeeded']);
    assert.deepEqual(evaluate('.status.conditions[?(@.reason)].type'), ['Succeeded']);
  });

  it('rejects what it does not understand', () => {
    assert.throws(() => evaluate('.status.conditions[?(@.type=="x"'), JsonPathError);
    assert.throws(() => evaluate('spec'), JsonPathError);
    assert.throws(() => evaluate('.a[1:2]'), JsonPathError);
  });
});

describe('human durations', () => {
  it('formats like kube duration.HumanDuration', () => {
    const seconds = (value: number) => humanDuration(value * 1000);
    assert.equal(seconds(5), '5s');
    assert.equal(seconds(119), '119s');
    assert.equal(seconds(150), '2m30s');
    assert.equal(seconds(600), '10m');
    assert.equal(seconds(3 * 3600 + 120), '3h2m');
    assert.equal(seconds(30 * 3600), '30h');
    assert.equal(seconds(3 * 86400 + 3600), '3d1h');
    assert.equal(seconds(100 * 86400), '100d');
    assert.equal(humanDuration(-5000), '<invalid>');
  });
});
