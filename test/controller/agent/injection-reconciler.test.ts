// The reconcile pass with recording fakes for the API, the faults and the target resolver (no root needed):
// the ordering (finalizer before effects), retries that never repeat an effect, one-shot faults after a
// crash, continuing after a restart, recovering from the record when the target is gone, the spec checks.
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { test } from 'node:test';
import { reasonFor } from '../../../controller/agent/agent-status.ts';
import type { InjectionApi } from '../../../controller/agent/injection-api.ts';
import { checkInjection, type InjectionObject, phaseOf } from '../../../controller/agent/injection-object.ts';
import { createInjectionReconciler } from '../../../controller/agent/injection-reconciler.ts';
import { TargetNotFoundError } from '../../../controller/agent/target-resolver.ts';
import { agentFinalizer } from '../../../controller/api/contract.ts';
import { FaultError } from '../../../controller/faults/errors.ts';
import type { Fault, InjectionRecord } from '../../../controller/faults/fault.ts';
import { createFaultRegistry, type FaultRegistry } from '../../../controller/faults/registry.ts';
import { FakeClock } from '../../../controller/runtime/clock.ts';
import { silentLogger } from '../../../controller/runtime/logger.ts';

const NODE = 'node-a';
const TAG = 'cc0123456789ab';

function makeInjection(fault: Record<string, unknown>, deadlineMs: number): InjectionObject {
  return {
    apiVersion: 'chaoscraft.io/v1alpha1',
    kind: 'ChaosInjection',
    metadata: { name: 'inj', namespace: 'shop', uid: randomUUID(), resourceVersion: '1', generation: 1 },
    spec: {
      experiment: { name: 'exp', uid: 'u' },
      node: NODE,
      fault: fault as never,
      target: { pod: { namespace: 'shop', name: 'web-0', uid: randomUUID() } },
      deadline: new Date(deadlineMs).toISOString(),
      tag: TAG,
    },
  };
}

/** An in-memory API with a resourceVersion counter; `failWrites` makes the next status writes throw. */
function fakeApi(log: string[]) {
  let version = 1;
  let failWrites = 0;
  const bump = (object: InjectionObject, change: Partial<InjectionObject>) =>
    structuredClone({
      ...object,
      ...change,
      metadata: { ...object.metadata, ...change.metadata, resourceVersion: String(++version) },
    }) as InjectionObject;
  const api: InjectionApi = {
    get: async () => undefined,
    addFinalizer: async ({ injection }) => {
      log.push('addFinalizer');
      return bump(injection, { metadata: { ...injection.metadata, finalizers: [agentFinalizer] } });
    },
    removeFinalizer: async ({ injection }) => {
      log.push('removeFinalizer');
      return bump(injection, { metadata: { ...injection.metadata, finalizers: [] } });
    },
    writeStatus: async ({ injection, compute }) => {
      if (failWrites > 0) {
        failWrites--;
        throw new Error('API unavailable');
      }
      const status = compute(injection);
      if (!status) return injection;
      log.push(`status:${status.conditions?.map((c) => `${c.type}=${c.status}/${c.reason}`).join(',')}`);
      return bump(injection, { status });
    },
  };
  return { api, failNextWrites: (count: number) => (failWrites = count) };
}

/** Faults that record what they were asked to do instead of touching the node. */
function recordingFaults(log: string[], options: { present?: boolean } = {}): FaultRegistry {
  const real = createFaultRegistry();
  const wrap = <P>(fault: Fault<P>): Fault<P> => ({
    kind: fault.kind,
    oneShot: fault.oneShot,
    validate: (params) => fault.validate(params),
    inject: async ({ target, tag }) => {
      log.push(`inject:${fault.kind}:${target.id}`);
      return { kind: fault.kind, tag, targetId: target.id, details: {} } satisfies InjectionRecord;
    },
    recover: async ({ target }) => {
      log.push(`recover:${fault.kind}:${target.id}`);
    },
    verify: async () => {
      log.push(`verify:${fault.kind}`);
      return { present: options.present ?? true };
    },
  });
  return Object.fromEntries(
    Object.entries(real).map(([kind, fault]) => [kind, wrap(fault as Fault<unknown>)]),
  ) as FaultRegistry;
}

function setup(options: { present?: boolean; targetGone?: boolean; controllerLost?: boolean } = {}) {
  const log: string[] = [];
  const clock = new FakeClock();
  const { api, failNextWrites } = fakeApi(log);
  const scheduled: string[] = [];
  const reconciler = createInjectionReconciler({
    nodeName: NODE,
    api,
    faults: recordingFaults(log, options),
    resolver: {
      resolve: async ({ podUid }) => {
        if (options.targetGone) throw new TargetNotFoundError('gone', { podUid });
        return { id: `pod/${podUid}`, netnsPath: '/run/netns/x' };
      },
      listScopes: async () => [],
    },
    clock,
    logger: silentLogger,
    controllerLost: () => options.controllerLost ?? false,
    deadlines: {
      schedule: (entry) => scheduled.push(`${entry.id}@${entry.deadlineMs}`),
      cancel: () => true,
    },
    nodeChanges: { run: (_keys, work) => work(), settled: async () => {} },
  });
  return { log, clock, reconciler, scheduled, failNextWrites };
}

const loss = { networkLoss: { percent: 30 } };

test('finalizer first, then the effect, then the status; the deadline is armed', async () => {
  const { log, clock, reconciler, scheduled } = setup();
  const deadlineMs = clock.now() + 60_000;
  const result = await reconciler.reconcile({ injection: makeInjection(loss, deadlineMs) });
  assert.deepEqual(
    log.map((entry) => entry.split(':').slice(0, 2).join(':')),
    ['addFinalizer', 'inject:networkLoss', 'status:Injected=True/Injected'],
  );
  assert.equal(phaseOf(result!), 'injected');
  assert.deepEqual(scheduled, [`shop/inj@${deadlineMs}`]);
});

test('a failed status write is retried without applying the fault again', async () => {
  const { log, clock, reconciler, failNextWrites } = setup();
  const injection = makeInjection(loss, clock.now() + 60_000);
  failNextWrites(1);
  await assert.rejects(reconciler.reconcile({ injection }), /API unavailable/);
  const withFinalizer = { ...injection, metadata: { ...injection.metadata, finalizers: [agentFinalizer] } };
  await reconciler.reconcile({ injection: withFinalizer });
  assert.equal(log.filter((entry) => entry.startsWith('inject:')).length, 1);
  assert.ok(log.includes('status:Injected=True/Injected'));
});

test('after a crash, a one-shot fault with a finalizer but no status is not repeated', async () => {
  const { log, clock, reconciler } = setup();
  const injection = makeInjection({ processKill: { signal: 'SIGKILL' } }, clock.now() + 60_000);
  injection.metadata.finalizers = [agentFinalizer];
  await reconciler.reconcile({ injection });
  assert.equal(log.filter((entry) => entry.startsWith('inject:')).length, 0);
  assert.ok(log.includes('status:Injected=False/InjectionInterrupted'));
  assert.ok(log.includes('removeFinalizer'));
});

test('a one-shot fault is applied once in the normal flow, and not again on later passes', async () => {
  const { log, clock, reconciler } = setup();
  const injected = await reconciler.reconcile({
    injection: makeInjection({ processKill: { signal: 'SIGKILL' } }, clock.now() + 60_000),
  });
  assert.equal(phaseOf(injected!), 'injected');
  await reconciler.reconcile({ injection: injected! });
  assert.equal(log.filter((entry) => entry.startsWith('inject:processKill')).length, 1);
});

test('continuing after a restart: verified in place, or applied again when missing', async () => {
  for (const present of [true, false]) {
    const { log, clock, reconciler } = setup({ present });
    const first = setup();
    const injected = await first.reconciler.reconcile({
      injection: makeInjection(loss, clock.now() + 60_000),
    });
    await reconciler.reconcile({ injection: injected! });
    await reconciler.reconcile({ injection: injected! });
    assert.equal(
      log.filter((entry) => entry === 'verify:networkLoss').length,
      1,
      'verified once per process',
    );
    assert.equal(log.filter((entry) => entry.startsWith('inject:')).length, present ? 0 : 1);
  }
});

test('past the deadline: recovered with DeadlineReached; never applied if it was not yet', async () => {
  const { log, clock, reconciler } = setup();
  const injected = await reconciler.reconcile({ injection: makeInjection(loss, clock.now() + 1000) });
  await clock.advance(1000);
  const recovered = await reconciler.reconcile({ injection: injected! });
  assert.ok(log.includes('status:Injected=True/Injected,Recovered=True/DeadlineReached'));
  assert.deepEqual(recovered?.metadata.finalizers, []);

  const late = setup();
  await late.reconciler.reconcile({ injection: makeInjection(loss, late.clock.now() - 1) });
  assert.deepEqual(late.log, ['status:Injected=False/DeadlineExceeded']);
});

test('controller lost: nothing new is applied', async () => {
  const { log, clock, reconciler } = setup({ controllerLost: true });
  await reconciler.reconcile({ injection: makeInjection(loss, clock.now() + 60_000) });
  assert.deepEqual(log, ['status:Injected=False/ControllerLost']);
});

test('deleted after the pod is gone: recovered from the record, finalizer released', async () => {
  const { log, clock, reconciler } = setup({ targetGone: true });
  const injection = makeInjection(loss, clock.now() + 60_000);
  injection.metadata.finalizers = [agentFinalizer];
  injection.metadata.deletionTimestamp = new Date(clock.now()).toISOString();
  injection.status = {
    conditions: [
      {
        type: 'Injected',
        status: 'True',
        reason: 'Injected',
        message: '',
        lastTransitionTime: '2024-01-01T00:00:00Z',
      },
    ],
    record: { kind: 'networkLoss', tag: TAG, targetId: 'pod/old', netnsPath: '/proc/1/ns/net', details: {} },
  };
  await reconciler.reconcile({ injection });
  assert.deepEqual(log, [
    'recover:networkLoss:pod/old',
    'status:Injected=True/Injected,Recovered=True/Recovered',
    'removeFinalizer',
  ]);
});

test('deleted before anything was applied: no effect, Recovered, finalizer released', async () => {
  const { log, clock, reconciler } = setup();
  const injection = makeInjection(loss, clock.now() + 60_000);
  injection.metadata.finalizers = [agentFinalizer];
  injection.metadata.deletionTimestamp = new Date(clock.now()).toISOString();
  await reconciler.reconcile({ injection });
  assert.deepEqual(log.slice(1), ['status:Recovered=True/Recovered', 'removeFinalizer']);
  assert.equal(
    log[0],
    `recover:networkLoss:pod/${injection.spec?.target?.pod.uid}`,
    'recovery is always safe',
  );
});

test('a fault error becomes a final Injected False with its code as the reason', async () => {
  const { clock } = setup();
  const log: string[] = [];
  const faults = recordingFaults(log);
  faults.networkLoss.inject = async () => {
    throw new FaultError({ code: 'ToolMissing', message: 'nft is not installed on this node' });
  };
  const { api } = fakeApi(log);
  const reconciler = createInjectionReconciler({
    nodeName: NODE,
    api,
    faults,
    resolver: { resolve: async () => ({ id: 't' }), listScopes: async () => [] },
    clock,
    logger: silentLogger,
    controllerLost: () => false,
    deadlines: { schedule: () => {}, cancel: () => true },
    nodeChanges: { run: (_keys, work) => work(), settled: async () => {} },
  });
  await reconciler.reconcile({ injection: makeInjection(loss, clock.now() + 60_000) });
  assert.deepEqual(log, [
    'addFinalizer',
    'recover:networkLoss:t',
    'status:Injected=False/ToolMissing',
    'removeFinalizer',
  ]);
});

test('the agent checks every spec value again', () => {
  const faults = createFaultRegistry();
  const check = (mutate: (injection: InjectionObject) => void) => {
    const injection = makeInjection(loss, Date.now() + 60_000);
    mutate(injection);
    const result = checkInjection({ injection, nodeName: NODE, faults });
    return result.ok ? [] : result.issues.map((issue) => issue.path);
  };
  assert.deepEqual(
    check(() => {}),
    [],
  );
  assert.deepEqual(
    check((i) => {
      i.spec!.node = 'node-b';
    }),
    ['/spec/node'],
  );
  assert.deepEqual(
    check((i) => {
      i.spec!.tag = 'cc$(reboot)';
    }),
    ['/spec/tag'],
  );
  assert.deepEqual(
    check((i) => {
      i.spec!.deadline = 'tomorrow';
    }),
    ['/spec/deadline'],
  );
  assert.deepEqual(
    check((i) => {
      i.spec!.target!.pod.uid = '../../etc';
    }),
    ['/spec/target/pod/uid'],
  );
  assert.deepEqual(
    check((i) => {
      i.spec!.target!.containerIDs = ['docker://x;y'];
    }),
    ['/spec/target/containerIDs/0'],
  );
  assert.deepEqual(
    check((i) => {
      i.spec!.fault = { podKill: {} } as never;
    }),
    ['/spec/fault'],
  );
  assert.deepEqual(
    check((i) => {
      i.spec!.fault = { networkLoss: { percent: 30 }, cpuStress: { workers: 1 } } as never;
    }),
    ['/spec/fault'],
  );
  assert.deepEqual(
    check((i) => {
      i.spec!.fault = { networkLoss: { percent: 30, interfaces: ['a b'] } };
    }),
    ['/spec/fault/networkLoss/interfaces/0'],
  );
  assert.deepEqual(
    check((i) => {
      i.spec!.fault = { networkLoss: { percent: 30, extra: 1 } } as never;
    }),
    ['/spec/fault/networkLoss/extra'],
  );
});

test('condition reasons always match the metav1 pattern', () => {
  assert.equal(reasonFor('NetemUnavailable'), 'NetemUnavailable');
  assert.equal(reasonFor('bad reason!'), 'InjectionFailed');
  assert.equal(reasonFor(undefined), 'InjectionFailed');
});
