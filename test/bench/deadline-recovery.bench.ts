// deadline-recovery: ~50 packet-loss injections whose deadlines pass while nobody recovers them; the
// agent's DeadlineScheduler (the dead-man switch) must remove each rule soon after its deadline.
// Figure: p99 of (rule gone - deadline) in ms. The goal is absolute, so there is no baseline.
import { DeadlineScheduler } from '../../controller/agent/node/deadline.ts';
import { injectionTag } from '../../controller/api/contract.ts';
import { createNetworkLossFault } from '../../controller/faults/network-loss.ts';
import { listTaggedTables } from '../../controller/faults/nft.ts';
import { systemClock } from '../../controller/runtime/clock.ts';
import { createNetns, netnsUnavailableReason } from '../support/netns.ts';
import { type Benchmark, round } from './harness.ts';

function percentile(sorted: number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)]!;
}

const benchmark: Benchmark = {
  id: 'deadline-recovery',
  description:
    'injections whose deadline passes are recovered by the agent alone; p99 of deadline -> rule gone',
  async run({ log, quick }) {
    const reason = netnsUnavailableReason();
    if (reason) throw new Error(`deadline-recovery cannot run: ${reason}`);
    const count = quick ? 15 : 50;
    const netns = await createNetns();
    try {
      const fault = createNetworkLossFault();
      const target = { id: netns.name, netnsPath: netns.path };
      const lateness: number[] = [];
      let finished = 0;
      let done: () => void = () => {};
      const allDone = new Promise<void>((resolve) => {
        done = resolve;
      });
      const scheduler = new DeadlineScheduler({
        clock: systemClock,
        retryDelayMs: 50,
        onDeadline: async (entry) => {
          await fault.recover({ target, tag: entry.id });
          lateness.push(Date.now() - entry.deadlineMs);
          if (++finished === count) done();
        },
      });
      const tags: string[] = [];
      for (let index = 0; index < count; index++) {
        const tag = injectionTag(`deadline-bench-${Date.now()}`, String(index));
        await fault.inject({ target, params: { percent: 30 }, tag });
        tags.push(tag);
      }
      // Every injection is in place before the first deadline; deadlines are staggered 20 ms apart.
      const start = Date.now() + 200;
      tags.forEach((tag, index) => {
        scheduler.schedule({ id: tag, deadlineMs: start + index * 20 });
      });
      log(`${count} injections scheduled`);
      const timeout = new Promise<never>((_, reject) =>
        setTimeout(() => reject(new Error('recoveries did not finish within 30 s')), 30_000).unref(),
      );
      await Promise.race([allDone, timeout]);
      scheduler.stop();
      const left = await listTaggedTables({ netnsPath: netns.path });
      if (left.length > 0) throw new Error(`${left.length} rules were left after their deadlines`);
      lateness.sort((a, b) => a - b);
      const p99 = percentile(lateness, 99);
      const p50 = percentile(lateness, 50);
      log(`p50 ${p50} ms, p99 ${p99} ms, max ${lateness[lateness.length - 1]} ms`);
      return [
        {
          id: 'deadline-recovery',
          figure: 'headline',
          value: round(p99, 1),
          unit: 'ms (p99)',
          baseline: null,
          ratio: null,
          goal: '<= 100 ms',
          met: p99 <= 100,
        },
        {
          id: 'deadline-recovery',
          figure: 'p50 deadline -> rule gone',
          value: round(p50, 1),
          unit: 'ms',
          baseline: null,
          ratio: null,
          goal: null,
          met: null,
        },
        {
          id: 'deadline-recovery',
          figure: 'injections',
          value: count,
          unit: 'count',
          baseline: null,
          ratio: null,
          goal: null,
          met: null,
        },
      ];
    } finally {
      await netns.destroy();
    }
  },
};

export default benchmark;
