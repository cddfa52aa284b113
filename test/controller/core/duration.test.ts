import assert from 'node:assert/strict';
import { test } from 'node:test';
import { DurationError, formatDuration, parseDuration } from '../../../controller/core/duration.ts';

test('Go-style durations', () => {
  assert.equal(parseDuration('90s'), 90_000);
  assert.equal(parseDuration('1h30m'), 5_400_000);
  assert.equal(parseDuration('1.5s'), 1500);
  assert.equal(parseDuration('250ms'), 250);
  assert.equal(parseDuration('10us'), 0.01);
  assert.equal(parseDuration('0'), 0);
});

test('anything else is a DurationError with the input and a hint', () => {
  for (const bad of ['', '5', '5 m', '-5s', '5x', 's', '1h 30m']) {
    assert.throws(
      () => parseDuration(bad),
      (e: unknown) => e instanceof DurationError && e.code === 'InvalidDuration',
      bad,
    );
  }
  assert.throws(() => parseDuration('5x'), /"5x" is not a duration \(unexpected "5x"\); write e.g. 30s/);
});

test('formatDuration', () => {
  assert.equal(formatDuration(90_000), '1m30s');
  assert.equal(formatDuration(250), '250ms');
  assert.equal(formatDuration(3_600_000), '1h');
  assert.equal(formatDuration(1000), '1s');
});
