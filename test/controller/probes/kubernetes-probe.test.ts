import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { KubernetesProbe } from '../../../controller/api/types.generated.ts';
import {
  FieldPathError,
  fieldValueToString,
  parseFieldPath,
  readFieldPath,
} from '../../../controller/probes/field-path.ts';
import {
  createKubernetesProbeProvider,
  type ObjectReader,
  type ObjectReference,
} from '../../../controller/probes/kubernetes-probe.ts';

const deployment = {
  apiVersion: 'apps/v1',
  kind: 'Deployment',
  metadata: { name: 'web', namespace: 'shop' },
  spec: { replicas: 3, paused: false },
  status: {
    readyReplicas: 3,
    conditions: [
      { type: 'Available', status: 'True', reason: 'MinimumReplicasAvailable' },
      { type: 'Progressing', status: 'False', reason: 'ProgressDeadlineExceeded' },
    ],
  },
};

/** An in-memory reader keyed by apiVersion/kind/namespace/name, recording each lookup. */
function fakeReader(
  objects: Record<string, object>,
  failure?: Error,
): ObjectReader & { calls: ObjectReference[] } {
  const calls: ObjectReference[] = [];
  return {
    calls,
    async get(reference) {
      calls.push({
        apiVersion: reference.apiVersion,
        kind: reference.kind,
        namespace: reference.namespace,
        name: reference.name,
      });
      if (failure) throw failure;
      return objects[
        `${reference.apiVersion}/${reference.kind}/${reference.namespace ?? ''}/${reference.name}`
      ];
    },
  };
}

const objects = { 'apps/v1/Deployment/shop/web': deployment };
const ref = { apiVersion: 'apps/v1', kind: 'Deployment', name: 'web', namespace: 'shop' };

async function run(
  kubernetes: KubernetesProbe,
  reader: ObjectReader = fakeReader(objects),
  defaultNamespace?: string,
) {
  const provider = createKubernetesProbeProvider({ reader });
  return provider.run({
    probe: { name: 'k', kubernetes },
    signal: new AbortController().signal,
    defaultNamespace,
  });
}

describe('kubernetes probe', () => {
  it('passes when the object exists and nothing more is asked', async () => {
    const result = await run(ref);
    assert.equal(result.outcome, 'Passed');
    assert.match(result.message, /Deployment shop\/web \(apps\/v1\) exists/);
  });

  it('fails when the object is missing', async () => {
    const result = await run({ ...ref, name: 'gone' });
    assert.equal(result.outcome, 'Failed');
    assert.match(result.message, /does not exist/);
  });

  it('is an Error when the read itself fails', async () => {
    const failure = Object.assign(new Error('connect ECONNREFUSED'), { code: 'ECONNREFUSED' });
    const result = await run(ref, fakeReader(objects, failure));
    assert.equal(result.outcome, 'Error');
    assert.match(result.message, /read failed: ECONNREFUSED: connect ECONNREFUSED/);
  });

  it('uses the experiment namespace when the probe names none', async () => {
    const reader = fakeReader(objects);
    const result = await run({ apiVersion: 'apps/v1', kind: 'Deployment', name: 'web' }, reader, 'shop');
    assert.equal(result.outcome, 'Passed');
    assert.equal(reader.calls[0]?.namespace, 'shop');
  });

  it('checks a condition, with status defaulting to True', async () => {
    assert.equal((await run({ ...ref, condition: { type: 'Available' } })).outcome, 'Passed');
    const progressing = await run({ ...ref, condition: { type: 'Progressing' } });
    assert.equal(progressing.outcome, 'Failed');
    assert.equal(progressing.value, 'False');
    assert.match(progressing.message, /Progressing is False \(reason ProgressDeadlineExceeded\), want True/);
    assert.equal(
      (await run({ ...ref, condition: { type: 'Progressing', status: 'False' } })).outcome,
      'Passed',
    );
    const absent = await run({ ...ref, condition: { type: 'ReplicaFailure' } });
    assert.equal(absent.outcome, 'Failed');
    assert.match(absent.message, /ReplicaFailure is not present/);
  });

  it('compares a field as a string', async () => {
    const ready = await run({ ...ref, field: { path: 'status.readyReplicas', equals: '3' } });
    assert.deepEqual([ready.outcome, ready.value], ['Passed', '3']);
    const wrong = await run({ ...ref, field: { path: 'spec.replicas', equals: '5' } });
    assert.equal(wrong.outcome, 'Failed');
    assert.match(wrong.message, /spec\.replicas is "3", want "5"/);
    assert.equal((await run({ ...ref, field: { path: 'spec.paused', equals: 'false' } })).outcome, 'Passed');
    const indexed = await run({
      ...ref,
      field: { path: 'status.conditions[1].reason', equals: 'ProgressDeadlineExceeded' },
    });
    assert.equal(indexed.outcome, 'Passed');
  });

  it('fails when the field is absent, naming where the path stopped', async () => {
    const result = await run({ ...ref, field: { path: 'status.unavailableReplicas', equals: '0' } });
    assert.equal(result.outcome, 'Failed');
    assert.match(result.message, /status\.unavailableReplicas is not set/);
  });

  it('requires both condition and field when both are given', async () => {
    const result = await run({
      ...ref,
      condition: { type: 'Available' },
      field: { path: 'status.readyReplicas', equals: '2' },
    });
    assert.equal(result.outcome, 'Failed');
    assert.match(result.message, /condition Available is True; status\.readyReplicas is "3", want "2"/);
  });

  it('is an Error for a malformed field path', async () => {
    const result = await run({ ...ref, field: { path: 'status..x', equals: '1' } });
    assert.equal(result.outcome, 'Error');
    assert.match(result.message, /invalid field path/);
  });
});

describe('field paths', () => {
  it('parses names and indexes', () => {
    assert.deepEqual(parseFieldPath('a.b[2].c'), [{ key: 'a' }, { key: 'b' }, { index: 2 }, { key: 'c' }]);
    for (const bad of ['', '.a', 'a.', 'a[x]', 'a[-1]', 'a b', 'a.b-c']) {
      assert.throws(() => parseFieldPath(bad), FieldPathError, bad);
    }
  });

  it('follows own properties only', () => {
    assert.deepEqual(readFieldPath({ object: {}, path: 'constructor' }), {
      found: false,
      missingAt: 'constructor',
    });
    assert.deepEqual(readFieldPath({ object: { a: [1] }, path: 'a[1]' }), {
      found: false,
      missingAt: 'a[1]',
    });
    assert.deepEqual(readFieldPath({ object: { a: 'text' }, path: 'a.length' }), {
      found: false,
      missingAt: 'a.length',
    });
    assert.deepEqual(readFieldPath({ object: { a: [{ b: null }] }, path: 'a[0].b' }), {
      found: true,
      value: null,
    });
  });

  it('renders values as strings', () => {
    assert.deepEqual([3, 1.5, true, null, 'x', { a: 1 }, [1, 2]].map(fieldValueToString), [
      '3',
      '1.5',
      'true',
      'null',
      'x',
      '{"a":1}',
      '[1,2]',
    ]);
  });
});
