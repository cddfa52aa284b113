// The dead-man switch's view of the controller lease, driven by a FakeClock and an in-memory lease store.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { ControllerLeaseWatch } from '../../../controller/agent/controller-lease-watch.ts';
import { FakeClock } from '../../../controller/runtime/clock.ts';
import { type Lease, type LeaseClient, MemoryLeaseClient } from '../../../controller/runtime/lease-client.ts';

const where = { namespace: 'chaoscraft-system', name: 'chaoscraft-controller' };

function setup(options: { client?: LeaseClient } = {}) {
  const clock = new FakeClock();
  const client = options.client ?? new MemoryLeaseClient();
  const events: string[] = [];
  const watch = new ControllerLeaseWatch({
    client,
    ...where,
    clock,
    graceMs: 10_000,
    onLost: () => events.push('lost'),
    onRegained: () => events.push('regained'),
  });
  return { clock, client, watch, events };
}

async function renew(client: LeaseClient, at: number): Promise<void> {
  const current = await client.get(where.namespace, where.name);
  const next: Lease = {
    ...where,
    holderIdentity: 'controller-0',
    leaseDurationSeconds: 15,
    renewTime: new Date(at),
  };
  if (current) await client.replace({ ...current, renewTime: new Date(at) });
  else await client.create(next);
}

test('a missing lease means no leader election: never lost, however long', async () => {
  const { clock, watch, events } = setup();
  assert.equal(await watch.poll(), 'absent');
  await clock.advance(3_600_000);
  assert.equal(await watch.poll(), 'absent');
  assert.equal(watch.controllerLost(), false);
  assert.deepEqual(events, []);
});

test('a lease renewed within the grace stays alive; standing still past the grace is lost, once', async () => {
  const { clock, client, watch, events } = setup();
  for (let step = 0; step < 5; step++) {
    await renew(client, clock.now());
    assert.equal(await watch.poll(), 'alive');
    await clock.advance(8_000);
  }
  assert.equal(await watch.poll(), 'alive', '8 s after the last change: within the grace');
  await clock.advance(2_001);
  assert.equal(await watch.poll(), 'lost');
  assert.equal(await watch.poll(), 'lost');
  assert.deepEqual(events, ['lost'], 'onLost fires once per loss');
  await renew(client, clock.now());
  assert.equal(await watch.poll(), 'alive');
  assert.deepEqual(events, ['lost', 'regained']);
});

test("the verdict follows the agent's own clock, not the lease's timestamps", async () => {
  const { clock, client, watch } = setup();
  // The controller's clock is an hour behind: its renewTime looks ancient, but it changes, so it is alive.
  for (let step = 0; step < 3; step++) {
    await renew(client, clock.now() - 3_600_000 + step);
    assert.equal(await watch.poll(), 'alive');
    await clock.advance(5_000);
  }
  // A renewTime in the future that never changes again is still a controller that stopped renewing.
  await renew(client, clock.now() + 3_600_000);
  assert.equal(await watch.poll(), 'alive');
  await clock.advance(10_001);
  assert.equal(await watch.poll(), 'lost');
});

test('a lease that cannot be read counts as unchanged, so a cut-off agent fails safe', async () => {
  const memory = new MemoryLeaseClient();
  let failing = false;
  const client: LeaseClient = {
    get: (namespace, name) =>
      failing ? Promise.reject(new Error('connection refused')) : memory.get(namespace, name),
    create: (lease) => memory.create(lease),
    replace: (lease) => memory.replace(lease),
  };
  const { clock, watch } = setup({ client });
  await renew(memory, clock.now());
  assert.equal(await watch.poll(), 'alive');
  failing = true;
  await clock.advance(5_000);
  assert.equal(await watch.poll(), 'alive');
  await clock.advance(5_001);
  assert.equal(await watch.poll(), 'lost');
});

test('run() polls on its interval and stops on abort', async () => {
  const clock = new FakeClock();
  const client = new MemoryLeaseClient();
  let reads = 0;
  const counting: LeaseClient = {
    get: (namespace, name) => {
      reads++;
      return client.get(namespace, name);
    },
    create: (lease) => client.create(lease),
    replace: (lease) => client.replace(lease),
  };
  const watch = new ControllerLeaseWatch({
    client: counting,
    ...where,
    clock,
    graceMs: 6_000,
    pollIntervalMs: 1_000,
  });
  const stop = new AbortController();
  const running = watch.run({ signal: stop.signal });
  await clock.advance(4_500);
  assert.equal(reads, 5, 'at 0, 1, 2, 3 and 4 s');
  stop.abort();
  await running;
  await clock.advance(5_000);
  assert.equal(reads, 5);
});
