/** The pure nft ruleset builder, and (as root) nft's own parser agreeing with what it builds. */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { buildChainRules, buildDeleteScript, buildRuleset } from '../../../controller/faults/nft-ruleset.ts';
import { hasProgram, runCommand } from '../../../controller/host/command.ts';
import { createNetns } from '../../support/netns.ts';

const tag = 'cc0011223344aa';

describe('nft ruleset builder', () => {
  test('loss with defaults drops at random on every interface but lo, egress only; the table is flushed, not deleted', () => {
    const script = buildRuleset({
      tag,
      kind: 'networkLoss',
      scope: { direction: 'egress', protocol: 'all' },
      action: { type: 'randomDrop', percent: 30 },
    });
    assert.equal(
      script,
      [
        `table inet chaoscraft_${tag} { comment "chaoscraft networkLoss"; }`,
        `flush table inet chaoscraft_${tag}`,
        `table inet chaoscraft_${tag} {`,
        '  chain egress {',
        '    type filter hook output priority -10; policy accept;',
        `    oifname != "lo" numgen random mod 100 < 30 counter drop comment "chaoscraft:${tag}"`,
        '  }',
        '  chain ingress {',
        '    type filter hook input priority -10; policy accept;',
        '  }',
        '}',
        '',
      ].join('\n'),
    );
    assert.doesNotMatch(script, /delete|destroy/, 'a delete in the transaction costs an RCU grace period');
  });

  test('CIDRs are split by family into anonymous sets in the rules; ports imply tcp+udp; both directions get rules', () => {
    const script = buildRuleset({
      tag,
      kind: 'networkPartition',
      scope: {
        direction: 'both',
        protocol: 'all',
        cidrs: ['10.0.0.0/8', '10.1.0.0/16', 'fd00::/8'],
        ports: [80, 443],
        interfaces: ['eth0'],
      },
      action: { type: 'drop' },
    });
    assert.doesNotMatch(
      script,
      /\bset remote|@remote/,
      'no named set: it would keep old elements over a flush',
    );
    assert.match(
      script,
      /oifname \{ "eth0" \} ip daddr \{ 10\.0\.0\.0\/8, 10\.1\.0\.0\/16 \} meta l4proto \{ tcp, udp \} th dport \{ 80, 443 \} counter drop/,
    );
    assert.match(script, /oifname \{ "eth0" \} ip6 daddr \{ fd00::\/8 \} /);
    assert.match(script, /iifname \{ "eth0" \} ip saddr \{ 10\.0\.0\.0\/8, 10\.1\.0\.0\/16 \} /);
    assert.match(
      script,
      /chain ingress \{\n {4}type filter hook input priority -10; policy accept;\n {4}iifname/,
    );
  });

  test('icmp matches both ICMP and ICMPv6; priority steering is egress only (the ingress chain stays empty)', () => {
    const [rule] = buildChainRules({
      scope: { direction: 'egress', protocol: 'icmp' },
      action: { type: 'drop' },
      tag,
      hook: 'output',
    });
    assert.match(rule!, /meta l4proto \{ icmp, ipv6-icmp \}/);
    const steering = buildRuleset({
      tag,
      kind: 'networkBandwidth',
      scope: { direction: 'both', protocol: 'tcp' },
      action: { type: 'setPriority', classId: 'c001:1' },
    });
    assert.match(
      steering,
      /chain ingress \{\n {4}type filter hook input priority -10; policy accept;\n {2}\}/,
    );
    assert.match(steering, /meta l4proto tcp meta priority set c001:1 counter/);
  });

  test('refuses values that did not pass validation (defence in depth)', () => {
    const scope = { direction: 'egress' as const, protocol: 'all' as const };
    assert.throws(
      () =>
        buildRuleset({
          tag,
          kind: 'networkLoss',
          scope: { ...scope, interfaces: ['eth0"; flush ruleset; "'] },
          action: { type: 'drop' },
        }),
      { code: 'UnsafeArgument' },
    );
    assert.throws(
      () =>
        buildRuleset({
          tag,
          kind: 'networkLoss',
          scope: { ...scope, cidrs: ['10.0.0.0/8 }'] },
          action: { type: 'drop' },
        }),
      { code: 'UnsafeArgument' },
    );
    assert.throws(
      () =>
        buildRuleset({
          tag,
          kind: 'networkLoss',
          scope: { ...scope, ports: [70000] },
          action: { type: 'drop' },
        }),
      { code: 'UnsafeArgument' },
    );
    assert.throws(
      () => buildRuleset({ tag, kind: 'networkLoss', scope, action: { type: 'randomDrop', percent: 101 } }),
      { code: 'UnsafeArgument' },
    );
    assert.throws(
      () => buildRuleset({ tag: 'BAD TAG', kind: 'networkLoss', scope, action: { type: 'drop' } }),
      { code: 'InvalidTag' },
    );
  });

  test('the delete script declares before deleting, so a missing table is not an error', () => {
    assert.equal(
      buildDeleteScript({ tag }),
      `table inet chaoscraft_${tag}\ndelete table inet chaoscraft_${tag}\n`,
    );
  });

  test('nft accepts every script the builder makes (checked with nft -c in a throwaway namespace)', async (t) => {
    if (process.getuid?.() !== 0) return t.skip('needs root to create a network namespace for nft -c');
    if (!hasProgram('nft')) return t.skip('nft is not installed (scripts/setup.sh installs it as root)');
    const netns = await createNetns();
    try {
      const scripts = [
        buildRuleset({
          tag,
          kind: 'networkLoss',
          scope: { direction: 'both', protocol: 'udp', ports: [53] },
          action: { type: 'randomDrop', percent: 100 },
        }),
        buildRuleset({
          tag,
          kind: 'networkPartition',
          scope: { direction: 'ingress', protocol: 'icmp', cidrs: ['::/0', '0.0.0.0/0'] },
          action: { type: 'drop' },
        }),
        buildRuleset({
          tag,
          kind: 'networkBandwidth',
          scope: { direction: 'egress', protocol: 'all', cidrs: ['10.1.2.3/24'] },
          action: { type: 'setPriority', classId: 'fffe:1' },
        }),
        buildDeleteScript({ tag }),
      ];
      for (const script of scripts) {
        const result = await runCommand({
          program: 'nft',
          args: ['-c', '-f', '-'],
          netnsPath: netns.path,
          stdin: script,
        });
        assert.equal(result.exitCode, 0, `${script}\n${result.stderr}`);
      }
    } finally {
      await netns.destroy();
    }
  });
});

test('loss of 100% is a plain drop (nft refuses numgen mod 100 < 100)', () => {
  const script = buildRuleset({
    tag,
    kind: 'networkLoss',
    scope: { direction: 'egress', protocol: 'all' },
    action: { type: 'randomDrop', percent: 100 },
  });
  assert.doesNotMatch(script, /numgen/);
  assert.match(script, /oifname != "lo" counter drop/);
});
