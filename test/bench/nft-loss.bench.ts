// nft-loss: inject then recover 30% packet loss in 100 network namespaces through the networkLoss
// fault (argument checks, ruleset builder, nsenter + nft through the project's command runner),
// against the same work done by hand: a ruleset file written here, loaded with
// `nsenter --net=<ns> -- nft -f <file>` and removed with `nft delete table`, spawned with
// node:child_process and nothing of the project. nsenter rather than `ip netns exec`, which costs
// twice as much and would flatter the fault. Interleaved rounds; median and p90 of per-round ratios.
import { execFile } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { createNetworkLossFault } from '../../controller/faults/network-loss.ts';
import { createNetns, exec, type Netns, netnsUnavailableReason } from '../support/netns.ts';
import { type Benchmark, type Figure, interleavedMs, median, percentile, round } from './harness.ts';

const TAG = 'ccbe0c4e10550000';
const GOAL = 1.2;
const run = promisify(execFile);
const bareLoop = join(import.meta.dirname, 'support/bare-nft-loop.ts');

/** The same effect as the fault's table, by hand: drop 30% of egress packets not on lo. */
const handWritten = `table inet bench_loss {
  chain egress {
    type filter hook output priority -10; policy accept;
    oifname != "lo" numgen random mod 100 < 30 counter drop
  }
}
`;

async function tables(netns: Netns): Promise<string> {
  const listed = await exec({ argv: ['/usr/sbin/nft', 'list', 'tables'], netnsPath: netns.path });
  if (listed.code !== 0) throw new Error(`nft list tables: ${listed.stderr}`);
  return listed.stdout.trim();
}

const benchmark: Benchmark = {
  id: 'nft-loss',
  description:
    'inject + recover packet loss in 100 namespaces via the fault; baseline: a hand-written ruleset with nsenter + nft -f',
  async run({ log, quick, sizes }) {
    const reason = netnsUnavailableReason();
    if (reason) throw new Error(`nft-loss cannot run: ${reason}`);
    const count = quick ? 20 : 100;
    const rounds = quick ? 3 : 9;
    sizes({ namespaces: count, rounds, warmUp: 1 });
    const namespaces: Netns[] = [];
    const workspace = await mkdtemp(join(tmpdir(), 'chaoscraft-bench-nft-'));
    try {
      for (let index = 0; index < count; index++) namespaces.push(await createNetns());
      log(`${count} namespaces created`);
      const rulesetFile = join(workspace, 'loss.nft');
      await writeFile(rulesetFile, handWritten);
      const fault = createNetworkLossFault();
      const params = { percent: 30 };
      const subject = async () => {
        for (const netns of namespaces) {
          const target = { id: netns.name, netnsPath: netns.path };
          await fault.inject({ target, params, tag: TAG });
          await fault.recover({ target, tag: TAG });
        }
      };
      const baseline = async () => {
        for (const netns of namespaces) {
          const enter = [`--net=${netns.path}`, '--', '/usr/sbin/nft'];
          await run('/usr/bin/nsenter', [...enter, '-f', rulesetFile]);
          await run('/usr/bin/nsenter', [...enter, 'delete', 'table', 'inet', 'bench_loss']);
        }
      };
      // Both really change the namespace: check once that each leaves its table, then removes it.
      const probe = namespaces[0]!;
      await fault.inject({ target: { id: probe.name, netnsPath: probe.path }, params, tag: TAG });
      await run('/usr/bin/nsenter', [`--net=${probe.path}`, '--', '/usr/sbin/nft', '-f', rulesetFile]);
      const both = await tables(probe);
      if (!both.includes(`chaoscraft_${TAG}`) || !both.includes('bench_loss'))
        throw new Error(`expected both tables, found: ${both}`);
      await fault.recover({ target: { id: probe.name, netnsPath: probe.path }, tag: TAG });
      await run('/usr/bin/nsenter', [
        `--net=${probe.path}`,
        '--',
        '/usr/sbin/nft',
        'delete',
        'table',
        'inet',
        'bench_loss',
      ]);

      // The same loop from a small process of its own: its own time, start-up excluded.
      const smallProcessMs: number[] = [];
      const smallProcess = async () => {
        const input = JSON.stringify({
          netnsPaths: namespaces.map((n) => n.path),
          rulesetFile,
          table: 'bench_loss',
        });
        const { stdout } = await run(process.execPath, [bareLoop, input]);
        smallProcessMs.push(Number(stdout.trim()));
      };
      const times = await interleavedMs(
        { fault: subject, nft: baseline, small: smallProcess },
        { rounds, warmUp: 1 },
      );
      // Only the timed rounds' own times (the warm-up round's come first).
      const smallMs = median(smallProcessMs.slice(-rounds));
      for (const netns of namespaces) {
        const left = await tables(netns);
        if (left) throw new Error(`tables left in ${netns.name}: ${left}`);
      }
      const ratios = times.fault.map((ms, i) => ms / times.nft[i]!);
      const ratio = median(ratios);
      const p90 = percentile(
        [...ratios].sort((a, b) => a - b),
        90,
      );
      const faultMs = median(times.fault);
      const nftMs = median(times.nft);
      log(
        `fault ${round(faultMs, 1)} ms, hand-written nft ${round(nftMs, 1)} ms for ${count} namespaces (medians of ${rounds}); per-round ratios ${ratios.map((r) => round(r, 2)).join(' ')}`,
      );
      const figure = (name: string, value: number, unit: string, extra: Partial<Figure> = {}): Figure => ({
        id: 'nft-loss',
        figure: name,
        value,
        unit,
        baseline: null,
        ratio: null,
        goal: null,
        met: null,
        ...extra,
      });
      return [
        figure(
          'headline',
          round(ratio, 3),
          `x hand-written nft (${count} namespaces, median of ${rounds} rounds)`,
          {
            baseline: round(nftMs, 1),
            ratio: round(ratio, 3),
            goal: `<= ${GOAL}`,
            met: ratio <= GOAL,
          },
        ),
        figure('p90 of per-round ratio', round(p90, 3), 'x hand-written nft'),
        figure(
          'vs the hand-written loop in a small process of its own',
          round(faultMs / smallMs, 3),
          `x (${count} namespaces; the baseline above spawns from this larger benchmark process)`,
          { baseline: round(smallMs, 1), ratio: round(faultMs / smallMs, 3) },
        ),
        figure(`inject+recover ${count} namespaces`, round(faultMs, 1), 'ms', {
          baseline: round(nftMs, 1),
          ratio: round(faultMs / nftMs, 3),
        }),
        figure('per namespace (inject+recover)', round(faultMs / count, 2), 'ms', {
          baseline: round(nftMs / count, 2),
          ratio: round(faultMs / nftMs, 3),
        }),
      ];
    } finally {
      for (const netns of namespaces) await netns.destroy();
      await rm(workspace, { recursive: true, force: true });
    }
  },
};

export default benchmark;
