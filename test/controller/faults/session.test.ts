import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import type { Fault, InjectionRecord, Target } from '../../../controller/faults/fault.ts';
import { createFaultRegistry, type FaultRegistry } from '../../../controller/faults/registry.ts';
import { createFaultSession } from '../../../controller/faults/session.ts';

/** Faults that log what they were asked to do; `present` says what verify answers. */
function loggingFaults(log: string[], state: { present: boolean; slowMs?: number }): FaultRegistry {
  const real = createFaultRegistry();
  const wrap = <P>(fault: Fault<P>): Fault<P> => ({
    kind: fault.kind,
    oneShot: fault.oneShot,
    validate: (params) => fault.validate(params),
    inject: async ({ target, tag }) => {
      log.push(`inject:${fault.kind}:${target.id}`);
      if (state.slowMs) await new Promise((resolve) => setTimeout(resolve, state.slowMs));
      log.push(`injected:${fault.kind}:${target.id}`);
      return { kind: fault.kind, tag, targetId: target.id, details: {} } satisfies InjectionRecord;
    },
    recover: async ({ target, record }) => {
      log.push(`recover:${fault.kind}:${target.id}:${record ? 'record' : 'no-record'}`);
    },
    verify: async () => ({ present: state.present }),
    ...(fault.recoversFromRecord ? { recoversFromRecord: fault.recoversFromRecord } : {}),
  });
  return Object.fromEntries(
    Object.entries(real).map(([kind, fault]) => [kind, wrap(fault as Fault<unknown>)]),
  ) as FaultRegistry;
}

const target: Target = { id: 'process/demo' };
const resolve = async () => target;

describe('fault session', () => {
  test('a fault is applied once per id, however often apply is called', async () => {
    const log: string[] = [];
    const session = createFaultSession({ faults: loggingFaults(log, { present: true }) });
    const request = {
      id: 'a',
      kind: 'cpuStress' as const,
      tag: 'cc0001',
      params: {},
      resolve,
      earlierAttempt: false,
    };
    assert.equal((await session.apply(request)).outcome, 'applied');
    assert.equal((await session.apply({ ...request, earlierAttempt: true })).outcome, 'held');
    assert.deepEqual(log, ['inject:cpuStress:process/demo', 'injected:cpuStress:process/demo']);
    assert.deepEqual(session.ids(), ['a']);
  });

  test('a one-shot fault with an earlier attempt on record is never applied again; others are', async () => {
    const log: string[] = [];
    const session = createFaultSession({ faults: loggingFaults(log, { present: true }) });
    const kill = await session.apply({
      id: 'k',
      kind: 'processKill',
      tag: 'cc0002',
      params: {},
      resolve,
      earlierAttempt: true,
    });
    assert.equal(kill.outcome, 'interrupted');
    const stress = await session.apply({
      id: 's',
      kind: 'cpuStress',
      tag: 'cc0003',
      params: {},
      resolve,
      earlierAttempt: true,
    });
    assert.equal(stress.outcome, 'applied');
    assert.deepEqual(log, ['inject:cpuStress:process/demo', 'injected:cpuStress:process/demo']);
  });

  test('continue re-applies a change that is gone, keeps one that is there, never repeats a one-shot', async () => {
    const log: string[] = [];
    const state = { present: false };
    const session = createFaultSession({ faults: loggingFaults(log, state) });
    const record: InjectionRecord = { kind: 'networkLoss', tag: 'cc0004', targetId: target.id, details: {} };
    const gone = await session.continue({
      id: 'n',
      kind: 'networkLoss',
      tag: 'cc0004',
      params: {},
      resolve,
      record,
    });
    assert.deepEqual(gone, { outcome: 'verified', reapplied: true, record });
    state.present = true;
    const again = createFaultSession({ faults: loggingFaults(log, state) });
    const there = await again.continue({
      id: 'n',
      kind: 'networkLoss',
      tag: 'cc0004',
      params: {},
      resolve,
      record,
    });
    assert.deepEqual(there, { outcome: 'verified', reapplied: false, record });
    const kill = await again.continue({
      id: 'k',
      kind: 'processKill',
      tag: 'cc0005',
      params: {},
      resolve,
      record: undefined,
    });
    assert.equal(kill.outcome, 'one-shot');
    assert.deepEqual(log, ['inject:networkLoss:process/demo', 'injected:networkLoss:process/demo']);
  });

  test('recover falls back to the record when the target cannot be found, and does nothing without either', async () => {
    const log: string[] = [];
    const session = createFaultSession({ faults: loggingFaults(log, { present: true }) });
    const record: InjectionRecord = {
      kind: 'cpuStress',
      tag: 'cc0006',
      targetId: 'process/gone',
      details: {},
    };
    assert.equal(
      await session.recover({
        id: 'x',
        kind: 'cpuStress',
        tag: 'cc0006',
        record,
        resolve: async () => undefined,
      }),
      true,
    );
    assert.equal(
      await session.recover({ id: 'y', kind: 'cpuStress', tag: 'cc0007', record: undefined }),
      false,
    );
    assert.deepEqual(log, ['recover:cpuStress:process/gone:record']);
  });

  test('a recovery goes to the node changes as a removal (it passes the sweep); an injection does not', async () => {
    const log: string[] = [];
    const asked: boolean[] = [];
    const changes = {
      run: <T>(_keys: readonly string[], work: () => Promise<T>, options?: { removal?: boolean }) => {
        asked.push(options?.removal === true);
        return work();
      },
    };
    const faults = loggingFaults(log, { present: false });
    const session = createFaultSession({ faults, changes });
    const request = { id: 'r', kind: 'networkLoss' as const, tag: 'cc0009', params: {}, resolve };
    const applied = await session.apply({ ...request, earlierAttempt: false });
    assert.equal(applied.outcome, 'applied');
    const record = 'record' in applied ? applied.record : undefined;
    // Another process's session: it does not hold the record, so it verifies and re-applies.
    await createFaultSession({ faults, changes }).continue({ ...request, record });
    await session.recover({ ...request, record });
    assert.deepEqual(asked, [false, false, true], 'apply, continue, recover');
  });

  test('recover skips resolving the target when the fault undoes from the record alone', async () => {
    const log: string[] = [];
    const session = createFaultSession({ faults: loggingFaults(log, { present: true }) });
    let resolved = 0;
    const counting = async () => {
      resolved++;
      return target;
    };
    const lossRecord: InjectionRecord = {
      kind: 'networkLoss',
      tag: 'cc0008',
      targetId: 'pod/recorded',
      netnsPath: '/proc/1/ns/net',
      details: {},
    };
    await session.recover({
      id: 'n',
      kind: 'networkLoss',
      tag: 'cc0008',
      record: lossRecord,
      resolve: counting,
    });
    assert.equal(resolved, 0, 'an nft fault with its namespace on record needs no live target');
    // Without the namespace on record, and for a fault that does not say so, the target is resolved.
    const { netnsPath: _, ...withoutNamespace } = lossRecord;
    await session.recover({
      id: 'm',
      kind: 'networkLoss',
      tag: 'cc0009',
      record: withoutNamespace,
      resolve: counting,
    });
    await session.recover({
      id: 's',
      kind: 'cpuStress',
      tag: 'cc000a',
      record: {
        kind: 'cpuStress',
        tag: 'cc000a',
        targetId: 'pod/recorded',
        cgroupPath: '/sys/fs/cgroup/x',
        details: {},
      },
      resolve: counting,
    });
    assert.equal(resolved, 2);
    assert.deepEqual(log, [
      'recover:networkLoss:pod/recorded:record',
      'recover:networkLoss:process/demo:record',
      'recover:cpuStress:process/demo:record',
    ]);
  });

  test('changes to one target run one at a time; to different targets side by side', async () => {
    const log: string[] = [];
    const session = createFaultSession({ faults: loggingFaults(log, { present: true, slowMs: 30 }) });
    const other: Target = { id: 'process/other' };
    await Promise.all([
      session.apply({
        id: '1',
        kind: 'cpuStress',
        tag: 'cc0008',
        params: {},
        resolve,
        earlierAttempt: false,
      }),
      session.apply({
        id: '2',
        kind: 'memoryStress',
        tag: 'cc0009',
        params: {},
        resolve,
        earlierAttempt: false,
      }),
      session.apply({
        id: '3',
        kind: 'cpuStress',
        tag: 'cc0010',
        params: {},
        resolve: async () => other,
        earlierAttempt: false,
      }),
    ]);
    const demo = log.filter((line) => line.endsWith(':process/demo'));
    assert.deepEqual(demo, [
      'inject:cpuStress:process/demo',
      'injected:cpuStress:process/demo',
      'inject:memoryStress:process/demo',
      'injected:memoryStress:process/demo',
    ]);
    // The other target started before the first change to process/demo had ended.
    assert.ok(log.indexOf('inject:cpuStress:process/other') < log.indexOf('injected:cpuStress:process/demo'));
  });
});
