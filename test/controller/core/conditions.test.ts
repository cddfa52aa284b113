import assert from 'node:assert/strict';
import { test } from 'node:test';
import { setCondition } from '../../../controller/core/conditions.ts';

const t1 = new Date('2026-01-01T00:00:00Z');
const t2 = new Date('2026-01-01T00:01:00Z');

test('a new condition gets the transition time now', () => {
  const [c] = setCondition([], { type: 'Ready', status: 'False', reason: 'Waiting', message: 'm' }, t1);
  assert.deepEqual(c, {
    type: 'Ready',
    status: 'False',
    reason: 'Waiting',
    message: 'm',
    lastTransitionTime: t1.toISOString(),
  });
});

test('reason and message changes keep lastTransitionTime; a status change moves it', () => {
  const first = setCondition([], { type: 'Ready', status: 'False', reason: 'A', message: 'a' }, t1);
  const same = setCondition(
    first,
    { type: 'Ready', status: 'False', reason: 'B', message: 'b', observedGeneration: 2 },
    t2,
  );
  assert.equal(same[0]!.lastTransitionTime, t1.toISOString());
  assert.equal(same[0]!.reason, 'B');
  assert.equal(same[0]!.observedGeneration, 2);
  const flipped = setCondition(same, { type: 'Ready', status: 'True', reason: 'B', message: 'b' }, t2);
  assert.equal(flipped[0]!.lastTransitionTime, t2.toISOString());
  assert.equal(first[0]!.reason, 'A', 'the input list is not modified');
});

test('other conditions are kept in place', () => {
  let list = setCondition([], { type: 'A', status: 'True', reason: 'R', message: '' }, t1);
  list = setCondition(list, { type: 'B', status: 'True', reason: 'R', message: '' }, t1);
  list = setCondition(list, { type: 'A', status: 'False', reason: 'R', message: '' }, t2);
  assert.deepEqual(
    list.map((c) => c.type),
    ['A', 'B'],
  );
});
