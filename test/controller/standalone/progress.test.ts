import assert from 'node:assert/strict';
import { test } from 'node:test';
import { createProgress, plainOutput } from '../../../controller/standalone/progress.ts';
import type { RunState } from '../../../controller/standalone/state-store.ts';

const now = new Date('2026-01-01T00:00:10Z');

function running(): RunState {
  return {
    key: 'default/x',
    uid: 'u',
    generation: 1,
    specHash: 'h',
    spec: { selector: { netns: ['n'] }, duration: '20s', faults: [{ networkLoss: { percent: 5 } }] },
    namespace: 'default',
    name: 'x',
    finalizers: [],
    attempts: {},
    status: {
      injectedTime: '2026-01-01T00:00:00Z',
      conditions: [
        {
          type: 'Succeeded',
          status: 'Unknown',
          reason: 'Running',
          message: 'faults in place for 20s',
          lastTransitionTime: '2026-01-01T00:00:00Z',
        },
      ],
      probes: [{ name: 'health', phase: 'during', outcome: 'Passed', time: '2026-01-01T00:00:09Z' }],
    },
  } as RunState;
}

test('plain output under CI, without a terminal or with NO_COLOR', () => {
  assert.equal(plainOutput({ isTTY: true, env: {} }), false);
  assert.equal(plainOutput({ isTTY: true, env: { CI: 'true' } }), true);
  assert.equal(plainOutput({ isTTY: false, env: {} }), true);
  assert.equal(plainOutput({ isTTY: true, env: { NO_COLOR: '' } }), true);
});

test('a step is one plain line with the time left; a probe change is one line', () => {
  const out: string[] = [];
  const progress = createProgress({ write: (t) => out.push(t), plain: true, now: () => now });
  progress.run(running(), { conditions: [] });
  assert.deepEqual(out, [
    '00:00:10  default/x  probe health (during): Passed \n',
    '00:00:10  default/x  Running (10s left): faults in place for 20s\n',
  ]);
  progress.tick([running()]);
  assert.equal(out.length, 2, 'no bar in plain output');
});

test('on a terminal a bar shows the time left and the probes, and is cleared before the next line', () => {
  const out: string[] = [];
  const progress = createProgress({ write: (t) => out.push(t), plain: false, now: () => now });
  progress.tick([running()]);
  assert.equal(out.join(''), 'x [##########..........] 10s left, health Passed');
  progress.line('next');
  assert.equal(out.at(-2), '\r\x1b[K');
  assert.equal(out.at(-1), '00:00:10  next\n');
});
