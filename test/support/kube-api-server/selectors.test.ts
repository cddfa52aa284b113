// Label and field selector parsing and matching, unit-level.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { KubeApiError } from './errors.ts';
import { compileObjectFilter, labelsMatch, parseFieldSelector, parseLabelSelector } from './selectors.ts';

describe('label selectors', () => {
  it('parses every operator', () => {
    assert.deepEqual(parseLabelSelector('a=1, b==2,c!=3,d in (x, y),e notin (z),f,!g,h>4,i<5'), [
      { key: 'a', operator: 'in', values: ['1'] },
      { key: 'b', operator: 'in', values: ['2'] },
      { key: 'c', operator: 'notIn', values: ['3'] },
      { key: 'd', operator: 'in', values: ['x', 'y'] },
      { key: 'e', operator: 'notIn', values: ['z'] },
      { key: 'f', operator: 'exists' },
      { key: 'g', operator: 'notExists' },
      { key: 'h', operator: 'gt', value: 4 },
      { key: 'i', operator: 'lt', value: 5 },
    ]);
  });

  it('accepts prefixed keys and empty values', () => {
    const requirements = parseLabelSelector('app.kubernetes.io/name=web,chaoscraft.io/allow=');
    assert.equal(
      labelsMatch(requirements, { 'app.kubernetes.io/name': 'web', 'chaoscraft.io/allow': '' }),
      true,
    );
  });

  it('matches like kube: != and notin also match objects without the label', () => {
    const labels = { app: 'web' };
    assert.equal(labelsMatch(parseLabelSelector('tier!=front'), labels), true);
    assert.equal(labelsMatch(parseLabelSelector('tier notin (front)'), labels), true);
    assert.equal(labelsMatch(parseLabelSelector('tier in (front)'), labels), false);
    assert.equal(labelsMatch(parseLabelSelector('app,!tier'), labels), true);
    assert.equal(labelsMatch(parseLabelSelector(''), undefined), true);
    assert.equal(labelsMatch(parseLabelSelector('replicas>2'), { replicas: '3' }), true);
    assert.equal(labelsMatch(parseLabelSelector('replicas>2'), { replicas: 'x' }), false);
  });

  it('refuses malformed selectors with 400', () => {
    for (const bad of ['a in (b', 'bad key=1', 'a=b=c', '-a=1', 'a>x']) {
      assert.throws(
        () => parseLabelSelector(bad),
        (error) => error instanceof KubeApiError && error.httpStatus === 400,
        bad,
      );
    }
  });
});

describe('field selectors', () => {
  it('supports the fields kube-apiserver registers per kind, with = == !=', () => {
    assert.deepEqual(
      parseFieldSelector({ selector: 'spec.nodeName==n1,status.phase!=Failed', kind: 'Pod' }),
      [
        { field: 'spec.nodeName', operator: 'equals', value: 'n1' },
        { field: 'status.phase', operator: 'notEquals', value: 'Failed' },
      ],
    );
    assert.throws(
      () => parseFieldSelector({ selector: 'spec.nodeName=n1', kind: 'ConfigMap' }),
      /field label not supported/,
    );
  });

  it('treats missing fields as empty strings', () => {
    const filter = compileObjectFilter({ fieldSelector: 'spec.nodeName=', kind: 'Pod' });
    assert.equal(filter.matches({ metadata: { name: 'p' }, spec: {} }), true);
    assert.equal(filter.matches({ metadata: { name: 'p' }, spec: { nodeName: 'n' } }), false);
  });

  it('combines label and field selectors', () => {
    const filter = compileObjectFilter({
      labelSelector: 'app=web',
      fieldSelector: 'metadata.namespace=prod',
      kind: 'Pod',
    });
    assert.equal(filter.matchesEverything, false);
    assert.equal(
      filter.matches({ metadata: { name: 'a', namespace: 'prod', labels: { app: 'web' } } }),
      true,
    );
    assert.equal(
      filter.matches({ metadata: { name: 'a', namespace: 'dev', labels: { app: 'web' } } }),
      false,
    );
    assert.equal(compileObjectFilter({ kind: 'Pod' }).matchesEverything, true);
  });
});
