// nft-loss: inject then recover 30% packet loss in 100 network namespaces through the networkLoss fault,
// against loading and deleting the very same ruleset with raw `nft -f -` (one nsenter + nft call each).
import { runChecked } from '../../controller/faults/command.ts';
import { createNetworkLossFault } from '../../controller/faults/network-loss.ts';
import { listTaggedTables } from '../../controller/faults/nft.ts';
import { buildDeleteScript, buildRuleset } from '../../controller/faults/nft-ruleset.ts';
import { createNetns, type Netns, netnsUnavailableReason } from '../support/netns.ts';
import { type Benchmark, compareMs, round } from './harness.ts';

const TAG = 'ccbe0c4e10550000';

const benchmark: Benchmark = {
  id: 'nft-loss',
  description:
    'inject + recover packet loss in 100 namespaces via the fault; baseline: the same rules with raw nft -f',
  async run({ log, quick }) {
    const reason = netnsUnavailableReason();
    if (reason) throw new Error(`nft-loss cannot run: ${reason}`);
    const count = quick ? 20 : 100;
    const rounds = quick ? 3 : 5;
    const namespaces: Netns[] = [];
    try {
      for (let index = 0; index < count; index++) namespaces.push(await createNetns());
      log(`${count} namespaces created`);
      const fault = createNetworkLossFault();
      const params = { percent: 30 };
      const script = buildRuleset({
        tag: TAG,
        kind: 'networkLoss',
        scope: { direction: 'egress', protocol: 'all' },
        action: { type: 'randomDrop', percent: 30 },
      });
      const deleteScript = buildDeleteScript({ tag: TAG });
      const subject = async () => {
        for (const netns of namespaces) {
          const target = { id: netns.name, netnsPath: netns.path };
          await fault.inject({ target, params, tag: TAG });
          await fault.recover({ target, tag: TAG });
        }
      };
      const baseline = async () => {
        for (const netns of namespaces) {
          await runChecked({ program: 'nft', args: ['-f', '-'], netnsPath: netns.path, stdin: script });
          await runChecked({ program: 'nft', args: ['-f', '-'], netnsPath: netns.path, stdin: deleteScript });
        }
      };
      const timing = await compareMs(subject, baseline, rounds);
      for (const netns of namespaces) {
        if ((await listTaggedTables({ netnsPath: netns.path })).length > 0)
          throw new Error(`rules left in ${netns.name}`);
      }
      const ratio = timing.subject / timing.baseline;
      log(
        `fault ${round(timing.subject, 1)} ms, raw nft ${round(timing.baseline, 1)} ms for ${count} namespaces`,
      );
      return [
        {
          id: 'nft-loss',
          figure: 'headline',
          value: round(ratio),
          unit: 'ratio',
          baseline: 1,
          ratio: round(ratio),
          goal: '<= 1.5',
          met: ratio <= 1.5,
        },
        {
          id: 'nft-loss',
          figure: `inject+recover ${count} namespaces`,
          value: round(timing.subject, 1),
          unit: 'ms',
          baseline: round(timing.baseline, 1),
          ratio: round(ratio),
          goal: null,
          met: null,
        },
        {
          id: 'nft-loss',
          figure: 'per namespace (inject+recover)',
          value: round(timing.subject / count, 2),
          unit: 'ms',
          baseline: round(timing.baseline / count, 2),
          ratio: round(ratio),
          goal: null,
          met: null,
        },
      ];
    } finally {
      for (const netns of namespaces) await netns.destroy();
    }
  },
};

export default benchmark;
