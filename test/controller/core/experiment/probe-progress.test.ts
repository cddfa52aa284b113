import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { Probe } from '../../../../controller/api/types.generated.ts';
import {
  assessProbes,
  dueProbes,
  recordProbeResult,
} from '../../../../controller/core/experiment/probe-progress.ts';

const probe = (extra: Partial<Probe> = {}): Probe => ({ name: 'up', http: { url: 'http://x' }, ...extra });
const t0 = new Date('2026-01-01T00:00:00Z');
const later = (ms: number) => new Date(t0.getTime() + ms);

test('failure streaks count Failed and Error alike and reset on a pass', () => {
  let results = recordProbeResult([], {
    name: 'up',
    phase: 'during',
    outcome: 'Failed',
    message: 'x',
    at: t0,
  });
  results = recordProbeResult(results, {
    name: 'up',
    phase: 'during',
    outcome: 'Error',
    message: 'x',
    at: later(1),
  });
  assert.equal(results[0]!.consecutiveFailures, 2);
  results = recordProbeResult(results, {
    name: 'up',
    phase: 'during',
    outcome: 'Passed',
    message: 'ok',
    at: later(2),
  });
  assert.equal(results[0]!.consecutiveFailures, 0);
  assert.equal(results.length, 1, 'one entry per probe and phase');
});

test('a probe breaks the hypothesis only at its failureThreshold', () => {
  const probes = [probe({ failureThreshold: 2 })];
  let results = recordProbeResult([], {
    name: 'up',
    phase: 'during',
    outcome: 'Failed',
    message: '503',
    at: t0,
  });
  assert.equal(assessProbes({ probes, phase: 'during', results }).holds, true);
  results = recordProbeResult(results, {
    name: 'up',
    phase: 'during',
    outcome: 'Failed',
    message: '503',
    at: later(1),
  });
  const verdict = assessProbes({ probes, phase: 'during', results });
  assert.equal(verdict.holds, false);
  assert.deepEqual(verdict.broken, [{ name: 'up', message: '503' }]);
});

test('during the faults a probe is due every interval; nextDueInMs says when', () => {
  const probes = [probe({ interval: '15s' })];
  assert.deepEqual(dueProbes({ probes, phase: 'during', results: [], now: t0 }).due, ['up']);
  const results = recordProbeResult([], {
    name: 'up',
    phase: 'during',
    outcome: 'Passed',
    message: 'ok',
    at: t0,
  });
  assert.deepEqual(dueProbes({ probes, phase: 'during', results, now: later(5000) }), {
    due: [],
    nextDueInMs: 10_000,
  });
  assert.deepEqual(dueProbes({ probes, phase: 'during', results, now: later(15_000) }).due, ['up']);
});

test('before and after, a passed probe is settled and not run again', () => {
  const probes = [probe()];
  const results = recordProbeResult([], {
    name: 'up',
    phase: 'before',
    outcome: 'Passed',
    message: 'ok',
    at: t0,
  });
  assert.deepEqual(dueProbes({ probes, phase: 'before', results, now: later(60_000) }).due, []);
  assert.equal(assessProbes({ probes, phase: 'before', results }).settled, true);
  assert.equal(
    assessProbes({ probes, phase: 'after', results }).settled,
    false,
    'each phase has its own results',
  );
});

test('`when` limits the phases a probe runs in', () => {
  const probes = [probe({ when: ['after'] })];
  assert.deepEqual(dueProbes({ probes, phase: 'during', results: [], now: t0 }).due, []);
  assert.deepEqual(dueProbes({ probes, phase: 'after', results: [], now: t0 }).due, ['up']);
});
