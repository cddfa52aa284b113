/**
 * The conformance suite every node fault passes (design §4): injecting twice leaves one change, recovering
 * what was never injected is a no-op, a fresh fault instance recovers from the record (or the tag alone)
 * after a simulated agent crash, and recovery succeeds after the target died.
 */
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { after, describe, test } from 'node:test';
import type { Fault, Target } from '../../../controller/faults/fault.ts';
import { listTagged } from '../../../controller/faults/tagged.ts';

export interface ConformanceTarget {
  target: Target;
  /** Makes the target die: delete the namespace, end the processes, remove the cgroup. */
  killTarget(): Promise<void>;
  dispose(): Promise<void>;
}

export interface ConformanceSubject<P> {
  name: string;
  /** A fresh instance each call: what an agent restart would build. */
  createFault(): Fault<P>;
  params: P;
  /** Why the suite cannot run here (not root, tool missing), or undefined. */
  skipReason(): string | undefined;
  setup(): Promise<ConformanceTarget>;
  /** How many copies of this fault's change under `tag` are on the target right now. */
  countChanges(target: Target, tag: string): Promise<number>;
  /** Copies one inject leaves: 1, or 0 for faults with nothing to undo (kill). */
  expectedAfterInject: number;
  /** Where listTagged should look for leftovers, if this fault's changes are listable. */
  listTaggedScope?: (target: Target) => { netnsPath?: string; cgroupPath?: string };
}

export function newTag(): string {
  return `cc${randomBytes(6).toString('hex')}`;
}

export function describeConformance<P>(subject: ConformanceSubject<P>): void {
  describe(`conformance: ${subject.name}`, () => {
    const targets: ConformanceTarget[] = [];
    after(async () => {
      for (const fixture of targets) await fixture.dispose();
    });
    const start = async () => {
      const fixture = await subject.setup();
      targets.push(fixture);
      return fixture;
    };
    const assertNoTaggedLeftovers = async (target: Target, tag: string) => {
      if (!subject.listTaggedScope) return;
      const left = await listTagged(subject.listTaggedScope(target));
      assert.deepEqual(
        left.filter((change) => change.type === 'tcQdisc' || change.tag === tag),
        [],
        'no tagged change may remain',
      );
    };

    test('injecting twice leaves one change, not two', async (t) => {
      const reason = subject.skipReason();
      if (reason) return t.skip(reason);
      const { target } = await start();
      const fault = subject.createFault();
      const tag = newTag();
      await fault.inject({ target, params: subject.params, tag });
      await fault.inject({ target, params: subject.params, tag });
      assert.equal(await subject.countChanges(target, tag), subject.expectedAfterInject);
      assert.equal((await fault.verify({ target, tag })).present, subject.expectedAfterInject > 0);
      await fault.recover({ target, tag });
      assert.equal(await subject.countChanges(target, tag), 0);
      assert.equal((await fault.verify({ target, tag })).present, false);
      await assertNoTaggedLeftovers(target, tag);
    });

    test('recovering without an injection is a no-op', async (t) => {
      const reason = subject.skipReason();
      if (reason) return t.skip(reason);
      const { target } = await start();
      const fault = subject.createFault();
      const tag = newTag();
      await fault.recover({ target, tag });
      await fault.recover({ target, tag });
      assert.equal(await subject.countChanges(target, tag), 0);
      assert.equal((await fault.verify({ target, tag })).present, false);
    });

    test('a new instance recovers from the record after a simulated agent crash', async (t) => {
      const reason = subject.skipReason();
      if (reason) return t.skip(reason);
      const { target } = await start();
      const tag = newTag();
      const record = await subject.createFault().inject({ target, params: subject.params, tag });
      assert.equal(record.kind, subject.createFault().kind);
      assert.equal(record.tag, tag);
      // The record survives only as JSON (the ChaosInjection status or the standalone state file).
      const persisted = JSON.parse(JSON.stringify(record));
      assert.deepEqual(persisted, record, 'the record must be plain JSON');
      await subject.createFault().recover({ target, record: persisted, tag });
      assert.equal(await subject.countChanges(target, tag), 0);
      await assertNoTaggedLeftovers(target, tag);
    });

    test('a new instance recovers from the tag alone (record lost)', async (t) => {
      const reason = subject.skipReason();
      if (reason) return t.skip(reason);
      const { target } = await start();
      const tag = newTag();
      await subject.createFault().inject({ target, params: subject.params, tag });
      await subject.createFault().recover({ target, tag });
      assert.equal(await subject.countChanges(target, tag), 0);
      await assertNoTaggedLeftovers(target, tag);
    });

    test('recovery succeeds after the target died', async (t) => {
      const reason = subject.skipReason();
      if (reason) return t.skip(reason);
      const fixture = await start();
      const tag = newTag();
      const record = await subject
        .createFault()
        .inject({ target: fixture.target, params: subject.params, tag });
      await fixture.killTarget();
      await subject.createFault().recover({ target: fixture.target, record, tag });
      await subject.createFault().recover({ target: fixture.target, tag });
    });
  });
}
