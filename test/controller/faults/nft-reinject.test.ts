/**
 * The inject script against real nftables (root only): injecting over a table the tag already names, whatever
 * spec made it, leaves exactly the table the new spec makes in an empty namespace (same chains, rules and
 * addresses, one copy of each); a failing script changes nothing; recovery removes the table.
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { listTaggedTables, loadRuleset } from '../../../controller/faults/nft.ts';
import {
  buildDeleteScript,
  buildRuleset,
  type NftAction,
  type NftScope,
} from '../../../controller/faults/nft-ruleset.ts';
import { hasProgram, runCommand } from '../../../controller/host/command.ts';
import { createNetns, type Netns, netnsUnavailableReason } from '../../support/netns.ts';

const tag = 'cc5eed0f1a5c0ffe';
const table = `chaoscraft_${tag}`;
const skip =
  netnsUnavailableReason() ??
  (hasProgram('nft') ? undefined : 'nft is not installed (scripts/setup.sh installs it as root)');

type Spec = { scope: NftScope; action: NftAction };

/** Both directions, both families, ports: every part a table can have. */
const wide: Spec = {
  scope: {
    direction: 'both',
    protocol: 'all',
    cidrs: ['10.0.0.0/8', '192.168.1.0/24', 'fd00::/8'],
    ports: [80, 443],
  },
  action: { type: 'drop' },
};
/** Egress only, other IPv4 addresses, no IPv6. */
const narrow: Spec = {
  scope: { direction: 'egress', protocol: 'tcp', cidrs: ['172.16.0.0/12', '10.9.0.0/16'] },
  action: { type: 'drop' },
};
/** Ingress only, no addresses at all. */
const bare: Spec = {
  scope: { direction: 'ingress', protocol: 'udp' },
  action: { type: 'randomDrop', percent: 30 },
};

const script = (spec: Spec) => buildRuleset({ tag, kind: 'networkPartition', ...spec });

/** What the table of the release before this one looked like: named sets, one chain per direction in use. */
const previousRelease = `table inet ${table}
delete table inet ${table}
table inet ${table} {
  comment "chaoscraft networkPartition"
  set remote4 { type ipv4_addr; flags interval; auto-merge; elements = { 10.0.0.0/8, 192.168.1.0/24 } }
  set remote6 { type ipv6_addr; flags interval; auto-merge; elements = { fd00::/8 } }
  chain egress {
    type filter hook output priority -10; policy accept;
    oifname != "lo" ip daddr @remote4 counter drop comment "chaoscraft:${tag}"
    oifname != "lo" ip6 daddr @remote6 counter drop comment "chaoscraft:${tag}"
  }
}
`;

describe('nft inject script over an existing table (real nftables)', { skip }, () => {
  let netns: Netns;
  before(async () => {
    netns = await createNetns();
  });
  after(async () => {
    await netns?.destroy();
  });

  const load = (text: string) => loadRuleset({ netnsPath: netns.path, script: text });
  const recover = () => load(buildDeleteScript({ tag }));
  /** The table as nft prints it (counters of our rules stay 0: the namespace has only lo), or undefined. */
  async function listing(): Promise<string | undefined> {
    const result = await runCommand({
      program: 'nft',
      args: ['list', 'table', 'inet', table],
      netnsPath: netns.path,
    });
    return result.exitCode === 0 ? result.stdout : undefined;
  }
  /** The table the spec makes where none was. */
  async function fresh(spec: Spec): Promise<string> {
    await recover();
    await load(script(spec));
    const text = await listing();
    await recover();
    assert.ok(text, 'the fresh table is listed');
    return text;
  }
  /** The table after `over` was injected and then `spec` under the same tag. */
  async function reinjected(over: string[], spec: Spec): Promise<string | undefined> {
    await recover();
    for (const text of over) await load(text);
    await load(script(spec));
    return listing();
  }

  test('a re-inject over a table with other addresses leaves exactly the new ones', async () => {
    const expected = await fresh(narrow);
    const actual = await reinjected([script(wide)], narrow);
    assert.equal(actual, expected);
    for (const old of ['10.0.0.0/8', '192.168.1.0/24', 'fd00::/8', 'ip6'])
      assert.ok(!actual!.includes(old), `${old} is gone`);
    assert.match(actual!, /ip daddr \{ 10\.9\.0\.0\/16, 172\.16\.0\.0\/12 \}/);
  });

  test('a re-inject over a table of another layout (other directions, both families) leaves exactly the new one', async () => {
    assert.equal(await reinjected([script(wide)], bare), await fresh(bare));
    assert.equal(await reinjected([script(bare)], narrow), await fresh(narrow));
    assert.equal(await reinjected([script(narrow), script(bare)], wide), await fresh(wide));
  });

  test('injecting twice leaves one table with one copy of each rule', async () => {
    const expected = await fresh(wide);
    const actual = await reinjected([script(wide)], wide);
    assert.equal(actual, expected);
    assert.deepEqual(await listTaggedTables({ netnsPath: netns.path }), [tag]);
    assert.equal(actual!.match(/comment "chaoscraft:/g)?.length, 4, 'two directions × two families');
  });

  test('a script that fails changes nothing: the flush is undone with the rest of the transaction', async () => {
    await recover();
    await load(script(wide));
    const before = await listing();
    const failing = `${script(narrow)}add rule inet ${table} egress jump missing\n`;
    await assert.rejects(load(failing));
    assert.equal(await listing(), before);
  });

  test('a table of the release before (named sets) is taken over: its rules go, its sets are referenced by none', async () => {
    const expected = await fresh(narrow);
    const actual = await reinjected([previousRelease], narrow);
    const rules = (text: string) => text.split('\n').filter((line) => line.includes('chaoscraft:'));
    assert.deepEqual(rules(actual!), rules(expected));
    assert.ok(!actual!.includes('@remote'), 'no rule matches the old sets');
    // The sets stay until recovery removes the table: deleting them would cost every inject a grace period.
    assert.match(actual!, /set remote4/);
  });

  test('recovery removes the table, and recovering again is not an error', async () => {
    await load(script(wide));
    await recover();
    assert.equal(await listing(), undefined);
    assert.deepEqual(await listTaggedTables({ netnsPath: netns.path }), []);
    await recover();
  });
});
