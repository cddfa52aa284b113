import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { FakeClock, flushMicrotasks, sleep } from '../../../controller/runtime/clock.ts';
import { TerminalError, TransientError, WaitingError } from '../../../controller/runtime/errors.ts';
import { ItemExponentialRateLimiter } from '../../../controller/runtime/rate-limiter.ts';
import { WorkQueue } from '../../../controller/runtime/work-queue.ts';
import { type ReconcileOutcome, type Reconciler, runWorkers } from '../../../controller/runtime/workers.ts';

function setup(options: { workers: number; reconcile: Reconciler }) {
  const clock = new FakeClock();
  const queue = new WorkQueue({ clock, rateLimiter: new ItemExponentialRateLimiter({}) });
  const controller = new AbortController();
  const outcomes: ReconcileOutcome[] = [];
  const running = runWorkers({
    queue,
    workers: options.workers,
    reconcile: options.reconcile,
    signal: controller.signal,
    onOutcome: (outcome) => outcomes.push(outcome),
    now: () => clock.now(),
  });
  return { clock, queue, controller, outcomes, running };
}

describe('runWorkers', () => {
  test('never runs the same key on two workers, while different keys run in parallel', async () => {
    const activeByKey = new Map<string, number>();
    let maxSameKey = 0;
    let active = 0;
    let maxActive = 0;
    let reconciles = 0;
    let clockRef: FakeClock | undefined;
    const { clock, queue, controller, running } = setup({
      workers: 4,
      reconcile: async (key) => {
        reconciles++;
        const now = (activeByKey.get(key) ?? 0) + 1;
        activeByKey.set(key, now);
        maxSameKey = Math.max(maxSameKey, now);
        maxActive = Math.max(maxActive, ++active);
        // Re-adding the key while it is being processed must not hand it to an idle worker.
        queue.add(key);
        await sleep({ clock: clockRef!, ms: 10 });
        activeByKey.set(key, (activeByKey.get(key) ?? 1) - 1);
        active--;
        return {};
      },
    });
    clockRef = clock;
    for (let round = 0; round < 20; round++) {
      for (const key of ['ns/a', 'ns/b', 'ns/c']) queue.add(key);
      await clock.advance(3);
    }
    controller.abort();
    await clock.advance(20);
    await running;
    assert.equal(maxSameKey, 1, 'a key ran on two workers at once');
    assert.ok(maxActive >= 2, `different keys should run concurrently (max ${maxActive})`);
    assert.ok(reconciles >= 6, `expected repeated reconciles, got ${reconciles}`);
  });

  test('a successful reconcile forgets the back-off', async () => {
    const { queue, controller, outcomes, running } = setup({ workers: 1, reconcile: async () => undefined });
    queue.addRateLimited('ns/a');
    assert.equal(queue.numRequeues('ns/a'), 1);
    queue.add('ns/a');
    await flushMicrotasks();
    assert.equal(outcomes[0]?.kind, 'success');
    assert.equal(queue.numRequeues('ns/a'), 0);
    controller.abort();
    await running;
  });

  test('requeueAfter re-adds after the delay and resets back-off', async () => {
    let calls = 0;
    const { clock, queue, controller, outcomes, running } = setup({
      workers: 1,
      reconcile: async () => (++calls === 1 ? { requeueAfter: 1000 } : {}),
    });
    queue.add('ns/a');
    await flushMicrotasks();
    assert.equal(calls, 1);
    await clock.advance(999);
    assert.equal(calls, 1);
    await clock.advance(1);
    assert.equal(calls, 2);
    assert.deepEqual(
      outcomes.map((outcome) => outcome.kind),
      ['requeueAfter', 'success'],
    );
    controller.abort();
    await running;
  });

  test('transient errors and non-Error throws retry with growing back-off; terminal errors do not', async () => {
    const attempts = new Map<string, number[]>();
    let clockRef: FakeClock | undefined;
    const { clock, queue, controller, outcomes, running } = setup({
      workers: 2,
      reconcile: async (key) => {
        attempts.set(key, [...(attempts.get(key) ?? []), clockRef!.now()]);
        if (key === 'ns/transient') throw new TransientError('api timeout');
        if (key === 'ns/panic') throw 'not an error object';
        throw new TerminalError('invalid spec');
      },
    });
    clockRef = clock;
    const start = clock.now();
    for (const key of ['ns/transient', 'ns/panic', 'ns/terminal']) queue.add(key);
    await clock.advance(100);
    controller.abort();
    await running;
    const offsets = (key: string) => (attempts.get(key) ?? []).map((time) => time - start);
    // 0, then +5, +10, +20, +40 ms (cumulative 5, 15, 35, 75).
    assert.deepEqual(offsets('ns/transient'), [0, 5, 15, 35, 75]);
    assert.deepEqual(offsets('ns/panic'), [0, 5, 15, 35, 75]);
    assert.deepEqual(offsets('ns/terminal'), [0]);
    assert.equal(queue.numRequeues('ns/terminal'), 0);
    const panic = outcomes.find((outcome) => outcome.key === 'ns/panic');
    assert.equal(panic?.kind, 'retry');
    assert.equal(panic?.kind === 'retry' ? (panic.error as { code?: string }).code : '', 'ReconcilePanic');
  });

  test('a synchronous throw from the reconciler is caught and retried', async () => {
    let calls = 0;
    const reconcile = ((_key: string) => {
      calls++;
      throw new Error('boom');
    }) as unknown as Reconciler;
    const { clock, queue, controller, outcomes, running } = setup({ workers: 1, reconcile });
    queue.add('ns/a');
    await clock.advance(5);
    assert.equal(calls, 2);
    assert.equal(outcomes[0]?.kind, 'retry');
    controller.abort();
    await running;
  });

  test('WaitingError requeues after its delay without counting a failure', async () => {
    let calls = 0;
    const { clock, queue, controller, outcomes, running } = setup({
      workers: 1,
      reconcile: async () => {
        calls++;
        if (calls === 1) throw new WaitingError('probe interval', { requeueAfterMs: 250 });
        return {};
      },
    });
    queue.add('ns/a');
    await clock.advance(249);
    assert.equal(calls, 1);
    assert.equal(queue.numRequeues('ns/a'), 0);
    await clock.advance(1);
    assert.equal(calls, 2);
    assert.equal(outcomes[0]?.kind, 'waiting');
    controller.abort();
    await running;
  });

  test('an invalid requeueAfter is treated as an error', async () => {
    const { queue, controller, outcomes, running } = setup({
      workers: 1,
      reconcile: async () => ({ requeueAfter: -5 }),
    });
    queue.add('ns/a');
    await flushMicrotasks();
    assert.equal(outcomes[0]?.kind, 'retry');
    assert.equal(
      outcomes[0]?.kind === 'retry' ? (outcomes[0].error as { code?: string }).code : '',
      'InvalidResult',
    );
    controller.abort();
    await running;
  });

  test('abort stops taking keys and waits for in-flight reconciles', async () => {
    const started: string[] = [];
    const finished: string[] = [];
    let clockRef: FakeClock | undefined;
    const { clock, queue, controller, running } = setup({
      workers: 2,
      reconcile: async (key) => {
        started.push(key);
        await sleep({ clock: clockRef!, ms: 50 });
        finished.push(key);
        return {};
      },
    });
    clockRef = clock;
    for (const key of ['ns/a', 'ns/b', 'ns/c', 'ns/d']) queue.add(key);
    await flushMicrotasks();
    assert.deepEqual(started, ['ns/a', 'ns/b']);
    controller.abort();
    let resolved = false;
    void running.then(() => {
      resolved = true;
    });
    await clock.advance(49);
    assert.equal(resolved, false, 'must wait for the in-flight reconciles');
    await clock.advance(1);
    await running;
    assert.deepEqual(finished.sort(), ['ns/a', 'ns/b']);
    assert.deepEqual(started, ['ns/a', 'ns/b'], 'no new key after abort');
    assert.equal(queue.isShuttingDown(), true);
  });

  test('rejects a worker count below one', async () => {
    const clock = new FakeClock();
    await assert.rejects(
      runWorkers({
        queue: new WorkQueue({ clock }),
        workers: 0,
        reconcile: async () => ({}),
        signal: new AbortController().signal,
      }),
      { code: 'InvalidOptions' },
    );
  });
});
