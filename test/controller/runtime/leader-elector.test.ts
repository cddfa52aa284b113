import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { FakeClock } from '../../../controller/runtime/clock.ts';
import { LeaderElector } from '../../../controller/runtime/leader-elector.ts';
import { type Lease, type LeaseClient, MemoryLeaseClient } from '../../../controller/runtime/lease-client.ts';

const LEASE_DURATION = 15_000;
const RENEW_DEADLINE = 10_000;
const RETRY_PERIOD = 2_000;

/** Wraps a lease client so a test can make one candidate's API calls fail or hang. */
class SwitchableLeaseClient implements LeaseClient {
  mode: 'ok' | 'fail' | 'hang' = 'ok';
  readonly #inner: LeaseClient;
  constructor(inner: LeaseClient) {
    this.#inner = inner;
  }
  #gate<T>(call: () => Promise<T>): Promise<T> {
    if (this.mode === 'fail') return Promise.reject(new Error('connection refused'));
    if (this.mode === 'hang') return new Promise<T>(() => {});
    return call();
  }
  get(namespace: string, name: string) {
    return this.#gate(() => this.#inner.get(namespace, name));
  }
  create(lease: Lease) {
    return this.#gate(() => this.#inner.create(lease));
  }
  replace(lease: Lease) {
    return this.#gate(() => this.#inner.replace(lease));
  }
}

function candidate(options: {
  identity: string;
  client: LeaseClient;
  clock: FakeClock;
  releaseOnCancel?: boolean;
}) {
  const events: string[] = [];
  let leadershipSignal: AbortSignal | undefined;
  const elector = new LeaderElector({
    client: options.client,
    namespace: 'chaoscraft-system',
    name: 'chaoscraft-controller',
    identity: options.identity,
    clock: options.clock,
    leaseDurationMs: LEASE_DURATION,
    renewDeadlineMs: RENEW_DEADLINE,
    retryPeriodMs: RETRY_PERIOD,
    releaseOnCancel: options.releaseOnCancel,
    random: () => 0,
    callbacks: {
      onStartedLeading: (signal) => {
        leadershipSignal = signal;
        events.push('started');
      },
      onStoppedLeading: () => events.push('stopped'),
      onNewLeader: (identity) => events.push(`leader:${identity}`),
    },
  });
  const controller = new AbortController();
  const running = elector.run({ signal: controller.signal });
  return { elector, events, controller, running, leadershipSignal: () => leadershipSignal };
}

describe('LeaderElector', () => {
  test('two candidates on one lease: exactly one leads, both learn who', async () => {
    const clock = new FakeClock();
    const store = new MemoryLeaseClient();
    const a = candidate({ identity: 'pod-a', client: store, clock });
    const b = candidate({ identity: 'pod-b', client: store, clock });
    for (let step = 0; step < 30; step++) {
      await clock.advance(1000);
      assert.equal(Number(a.elector.isLeader()) + Number(b.elector.isLeader()), 1, `at step ${step}`);
    }
    assert.deepEqual(a.events, ['leader:pod-a', 'started']);
    assert.deepEqual(b.events, ['leader:pod-a']);
    assert.equal(b.elector.getLeader(), 'pod-a');
    a.controller.abort();
    b.controller.abort();
    await clock.advance(RETRY_PERIOD * 3);
    await Promise.all([a.running, b.running]);
  });

  test('a leader that stops renewing is replaced only after leaseDuration', async () => {
    const clock = new FakeClock();
    const store = new MemoryLeaseClient();
    const a = candidate({ identity: 'pod-a', client: store, clock, releaseOnCancel: false });
    await clock.advance(1);
    const b = candidate({ identity: 'pod-b', client: store, clock });
    await clock.advance(10_000);
    assert.equal(a.elector.isLeader(), true);
    // pod-a vanishes without releasing (crash, partition).
    a.controller.abort();
    await a.running;
    const lastRenew = (await store.get('chaoscraft-system', 'chaoscraft-controller'))!.renewTime!.getTime();
    assert.equal((await store.get('chaoscraft-system', 'chaoscraft-controller'))!.holderIdentity, 'pod-a');
    const tookOver = await clock.advanceUntil({
      condition: () => b.elector.isLeader(),
      stepMs: 100,
      maxMs: 30_000,
    });
    assert.ok(tookOver, 'pod-b never took over');
    const takeoverAt = clock.now();
    assert.ok(
      takeoverAt >= lastRenew + LEASE_DURATION,
      `took over ${lastRenew + LEASE_DURATION - takeoverAt} ms early`,
    );
    assert.ok(takeoverAt <= lastRenew + LEASE_DURATION + 2 * RETRY_PERIOD + 100, 'took over too late');
    const lease = (await store.get('chaoscraft-system', 'chaoscraft-controller'))!;
    assert.equal(lease.holderIdentity, 'pod-b');
    assert.equal(lease.leaseTransitions, 1);
    assert.ok(b.events.includes('leader:pod-b'));
    b.controller.abort();
    await clock.advance(1);
    await b.running;
  });

  test('release on shutdown lets the other candidate take over at once', async () => {
    const clock = new FakeClock();
    const store = new MemoryLeaseClient();
    const a = candidate({ identity: 'pod-a', client: store, clock });
    await clock.advance(1);
    const b = candidate({ identity: 'pod-b', client: store, clock });
    await clock.advance(5_000);
    a.controller.abort();
    await clock.advance(0);
    await a.running;
    assert.deepEqual(a.events, ['leader:pod-a', 'started', 'stopped']);
    assert.equal(a.leadershipSignal()?.aborted, true);
    const released = (await store.get('chaoscraft-system', 'chaoscraft-controller'))!;
    assert.equal(released.holderIdentity, '');
    const releasedAt = clock.now();
    const tookOver = await clock.advanceUntil({
      condition: () => b.elector.isLeader(),
      stepMs: 100,
      maxMs: 5_000,
    });
    assert.ok(tookOver);
    assert.ok(clock.now() - releasedAt <= RETRY_PERIOD, 'takeover waited longer than one retry period');
    b.controller.abort();
    await clock.advance(1);
    await b.running;
  });

  test('renew failing past renewDeadline stops leadership before the lease could expire', async () => {
    const clock = new FakeClock();
    const client = new SwitchableLeaseClient(new MemoryLeaseClient());
    const a = candidate({ identity: 'pod-a', client, clock });
    await clock.advance(6_000);
    assert.equal(a.elector.isLeader(), true);
    const renewedAt = (await client.get('chaoscraft-system', 'chaoscraft-controller'))!.renewTime!.getTime();
    client.mode = 'fail';
    const stoppedInTime = await clock.advanceUntil({
      condition: () => a.events.includes('stopped'),
      stepMs: 100,
      maxMs: LEASE_DURATION,
    });
    assert.ok(stoppedInTime, 'never stopped leading');
    const stoppedAt = clock.now();
    assert.ok(stoppedAt >= renewedAt + RENEW_DEADLINE, 'stopped before renewDeadline');
    assert.ok(stoppedAt < renewedAt + LEASE_DURATION, 'still leading when others may take over');
    assert.equal(a.elector.isLeader(), false);
    assert.equal(a.leadershipSignal()?.aborted, true);
    await a.running;
  });

  test('a hanging API call counts as a failed renewal', async () => {
    const clock = new FakeClock();
    const client = new SwitchableLeaseClient(new MemoryLeaseClient());
    const a = candidate({ identity: 'pod-a', client, clock });
    await clock.advance(1);
    assert.equal(a.elector.isLeader(), true);
    const acquiredAt = (await client.get('chaoscraft-system', 'chaoscraft-controller'))!.renewTime!.getTime();
    client.mode = 'hang';
    const stopped = await clock.advanceUntil({
      condition: () => a.events.includes('stopped'),
      stepMs: 100,
      maxMs: LEASE_DURATION,
    });
    assert.ok(stopped, 'a hung renewal kept the candidate leading');
    assert.ok(clock.now() - acquiredAt >= RENEW_DEADLINE);
    assert.ok(clock.now() - acquiredAt < LEASE_DURATION);
    await a.running;
  });

  test('a leader that finds another holder in the lease steps down at once', async () => {
    const clock = new FakeClock();
    const store = new MemoryLeaseClient();
    const a = candidate({ identity: 'pod-a', client: store, clock });
    await clock.advance(1);
    const current = (await store.get('chaoscraft-system', 'chaoscraft-controller'))!;
    await store.replace({ ...current, holderIdentity: 'intruder', renewTime: new Date(clock.now()) });
    await clock.advance(RETRY_PERIOD);
    assert.equal(a.elector.isLeader(), false);
    assert.deepEqual(a.events, ['leader:pod-a', 'started', 'leader:intruder', 'stopped']);
    await a.running;
  });

  test('rejects timings that cannot be safe', () => {
    const base = {
      client: new MemoryLeaseClient(),
      namespace: 'ns',
      name: 'lease',
      identity: 'me',
      clock: new FakeClock(),
      callbacks: { onStartedLeading: () => {}, onStoppedLeading: () => {} },
    };
    assert.throws(() => new LeaderElector({ ...base, leaseDurationMs: 10_000, renewDeadlineMs: 10_000 }), {
      code: 'InvalidOptions',
    });
    assert.throws(() => new LeaderElector({ ...base, renewDeadlineMs: 2_000, retryPeriodMs: 2_000 }), {
      code: 'InvalidOptions',
    });
    assert.throws(() => new LeaderElector({ ...base, identity: '' }), { code: 'InvalidOptions' });
  });
});
