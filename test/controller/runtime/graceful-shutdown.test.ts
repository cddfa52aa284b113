import assert from 'node:assert/strict';
import { EventEmitter } from 'node:events';
import { describe, test } from 'node:test';
import { FakeClock, flushMicrotasks, sleep } from '../../../controller/runtime/clock.ts';
import { gracefulShutdown, type SignalSource } from '../../../controller/runtime/graceful-shutdown.ts';
import { LeaderElector } from '../../../controller/runtime/leader-elector.ts';
import { MemoryLeaseClient } from '../../../controller/runtime/lease-client.ts';
import { WorkQueue } from '../../../controller/runtime/work-queue.ts';
import { runWorkers } from '../../../controller/runtime/workers.ts';

function fakeSignals() {
  const emitter = new EventEmitter();
  const source: SignalSource = {
    on: (signal, listener) => emitter.on(signal, listener),
    off: (signal, listener) => emitter.off(signal, listener),
  };
  return { emitter, source };
}

describe('gracefulShutdown', () => {
  test('on SIGTERM: stop work, wait for in-flight work, then release, then resolve', async () => {
    const clock = new FakeClock();
    const { emitter, source } = fakeSignals();
    const steps: string[] = [];
    const workController = new AbortController();
    let finishWork: () => void = () => {};
    const inFlight = new Promise<void>((resolve) => {
      finishWork = resolve;
    });
    workController.signal.addEventListener('abort', () => steps.push('work aborted'));
    const handle = gracefulShutdown({
      workController,
      inFlight: () => inFlight.then(() => steps.push('work finished')),
      release: async () => {
        steps.push('released');
      },
      clock,
      signalSource: source,
    });
    assert.equal(emitter.listenerCount('SIGTERM'), 1);
    assert.equal(emitter.listenerCount('SIGINT'), 1);
    emitter.emit('SIGTERM', 'SIGTERM');
    await clock.advance(1_000);
    assert.deepEqual(steps, ['work aborted']);
    finishWork();
    const report = await handle.done;
    assert.deepEqual(steps, ['work aborted', 'work finished', 'released']);
    assert.equal(report.reason, 'SIGTERM');
    assert.equal(report.drained, true);
    assert.equal(report.released, true);
    assert.equal(report.durationMs, 1_000);
    assert.equal(emitter.listenerCount('SIGTERM'), 0, 'listeners are removed when done');
  });

  test('releases the lease even when in-flight work overruns the drain timeout', async () => {
    const clock = new FakeClock();
    const { emitter, source } = fakeSignals();
    let released = false;
    const handle = gracefulShutdown({
      workController: new AbortController(),
      inFlight: () => new Promise(() => {}),
      drainTimeoutMs: 5_000,
      release: async () => {
        released = true;
      },
      clock,
      signalSource: source,
    });
    emitter.emit('SIGINT', 'SIGINT');
    await clock.advance(4_999);
    assert.equal(released, false);
    await clock.advance(1);
    const report = await handle.done;
    assert.equal(released, true);
    assert.deepEqual(
      { drained: report.drained, released: report.released },
      { drained: false, released: true },
    );
  });

  test('a failing release is reported, and a second signal calls onForce', async () => {
    const clock = new FakeClock();
    const { emitter, source } = fakeSignals();
    const forced: string[] = [];
    const handle = gracefulShutdown({
      workController: new AbortController(),
      inFlight: () => sleep({ clock, ms: 100 }),
      release: async () => {
        throw new Error('api down');
      },
      onForce: (reason) => forced.push(reason),
      clock,
      signalSource: source,
    });
    emitter.emit('SIGTERM', 'SIGTERM');
    emitter.emit('SIGINT', 'SIGINT');
    assert.deepEqual(forced, ['SIGINT']);
    await clock.advance(100);
    const report = await handle.done;
    assert.equal(report.released, false);
  });

  test('end to end: the lease is released only after the in-flight reconcile finished', async () => {
    const clock = new FakeClock();
    const { emitter, source } = fakeSignals();
    const leases = new MemoryLeaseClient();
    const events: string[] = [];
    const queue = new WorkQueue({ clock });
    const workController = new AbortController();
    const electionController = new AbortController();
    let workers: Promise<void> | undefined;
    const elector = new LeaderElector({
      client: leases,
      namespace: 'chaoscraft-system',
      name: 'controller',
      identity: 'pod-a',
      clock,
      random: () => 0,
      callbacks: {
        onStartedLeading: () => {
          workers = runWorkers({
            queue,
            workers: 2,
            signal: workController.signal,
            reconcile: async (key) => {
              events.push(`start ${key}`);
              await sleep({ clock, ms: 3_000 });
              const lease = await leases.get('chaoscraft-system', 'controller');
              events.push(`end ${key} (holder ${lease?.holderIdentity})`);
              return {};
            },
          });
        },
        onStoppedLeading: () => events.push('stopped leading'),
      },
    });
    const election = elector.run({ signal: electionController.signal });
    const handle = gracefulShutdown({
      workController,
      inFlight: async () => workers,
      release: async () => {
        electionController.abort();
        await election;
      },
      clock,
      signalSource: source,
    });
    await flushMicrotasks();
    queue.add('team-a/pod-kill');
    await clock.advance(1_000);
    emitter.emit('SIGTERM', 'SIGTERM');
    queue.add('team-a/ignored-after-shutdown');
    await clock.advance(2_000);
    const report = await handle.done;
    assert.deepEqual(events, [
      'start team-a/pod-kill',
      'end team-a/pod-kill (holder pod-a)',
      'stopped leading',
    ]);
    assert.equal(report.drained, true);
    assert.equal((await leases.get('chaoscraft-system', 'controller'))?.holderIdentity, '');
  });
});
