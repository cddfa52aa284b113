import assert from 'node:assert/strict';
import { test } from 'node:test';
import { seededRandom, selectTargets, targetCount } from '../../../controller/core/selection.ts';

const names = Array.from({ length: 50 }, (_, i) => `pod-${String(i).padStart(2, '0')}`);
const pick = (mode: Parameters<typeof selectTargets>[0]['mode'], value?: number, seed = 's') =>
  selectTargets({ candidates: names, keyOf: (n) => n, mode, value, seed });

test('counts per mode', () => {
  assert.equal(pick('one').length, 1);
  assert.equal(pick('all').length, 50);
  assert.equal(pick('fixed', 7).length, 7);
  assert.equal(pick('fixed', 500).length, 50, 'fixed never exceeds what exists');
  assert.equal(pick('fixed-percent', 10).length, 5);
  assert.equal(targetCount('fixed-percent', 10, 3, Math.random), 1, '10% of 3 pods is one pod, not zero');
  assert.equal(targetCount('fixed-percent', 50, 0, Math.random), 0);
  for (let i = 0; i < 20; i++) {
    const n = pick('random-max-percent', 20, `seed-${i}`).length;
    assert.ok(n >= 1 && n <= 10, `random-max-percent chose ${n}`);
  }
});

test('the same seed chooses the same targets, whatever the input order', () => {
  const shuffled = [...names].reverse();
  const a = selectTargets({ candidates: names, keyOf: (n) => n, mode: 'fixed', value: 5, seed: 'uid/1' });
  const b = selectTargets({ candidates: shuffled, keyOf: (n) => n, mode: 'fixed', value: 5, seed: 'uid/1' });
  assert.deepEqual(a, b);
  const c = selectTargets({ candidates: names, keyOf: (n) => n, mode: 'fixed', value: 5, seed: 'uid/2' });
  assert.notDeepEqual(a, c, 'another seed (another generation) chooses differently');
});

test('selection is spread over the candidates, not biased to the first ones', () => {
  const hits = new Map<string, number>();
  for (let i = 0; i < 2000; i++) {
    const [chosen] = pick('one', undefined, `seed-${i}`);
    hits.set(chosen!, (hits.get(chosen!) ?? 0) + 1);
  }
  assert.equal(hits.size, 50, 'every pod gets chosen sometimes');
  for (const count of hits.values()) assert.ok(count > 10 && count < 90, `count ${count} is far from 40`);
});

test('the seeded generator is deterministic and in [0, 1)', () => {
  const a = seededRandom('x');
  const b = seededRandom('x');
  for (let i = 0; i < 100; i++) {
    const v = a();
    assert.equal(v, b());
    assert.ok(v >= 0 && v < 1);
  }
});
