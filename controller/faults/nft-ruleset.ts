/**
 * Pure builder of the nftables scripts our network faults load with `nft -f -`. One table per injection,
 * `inet chaoscraft_<tag>`, so that removing an injection is removing one table and nothing else is touched.
 *
 * The inject script is one nft transaction (all of it or none) that is idempotent and exact: whatever
 * table of ours the tag already names, the result is the table this spec builds afresh. The script cannot
 * assume the table it finds came from the same spec: a tag (api/contract.ts) names an injection, not its
 * params; a ChaosInjection's spec may be edited, and the agent applies the current spec again when it
 * restarts between its finalizer and its status (`earlierAttempt`). The script declares the table,
 * flushes it, then declares its chains and rules:
 *
 *   table inet chaoscraft_<tag> { comment "chaoscraft <kind>"; }
 *   flush table inet chaoscraft_<tag>
 *   table inet chaoscraft_<tag> { chain egress { … rules } chain ingress { … rules } }
 *
 * A new table deletes nothing. On Linux 6.18 with nft 1.0.6, a transaction that deletes anything (a
 * table, a chain, a set, even one declared earlier in the same script) makes the nft process that loads
 * it about 12 ms slower, one RCU grace period: the replace idiom `table; delete table; table { … }` cost
 * 38-43 ms per inject + recover pair against 27-30 ms for a table loaded by hand, and this script
 * 27-30 ms (median per pair over 50 namespaces, one after another). A re-inject over a table with rules
 * deletes those rules and pays it once. So the script is exact without deleting:
 * - `flush table` removes every rule of every chain and keeps the chains (hook, priority, policy) and
 *   named sets with their elements. Every table has the same two base chains whatever the spec, so no
 *   chain of an earlier inject can be left over; the direction the spec leaves alone gets an empty
 *   chain with policy accept, which changes no packet's fate. Redeclaring a chain resets its policy.
 * - Addresses live in anonymous sets inside the rules, so they go with the rules. Named sets refilled
 *   with `flush set` + `add element` in one transaction pay the grace period even on a new table
 *   (measured), and a named set the new spec lacks could only go with a delete.
 * - The table's comment is taken when the table is created: the kernel keeps the comment of an
 *   existing table, so it names the kind of the first inject under the tag. Nothing reads it.
 * A table of the release before this one (named sets remote4/remote6) keeps those sets on a re-inject:
 * no rule refers to them any more, so they match nothing, and recovery removes them with the table.
 * A table whose chain has another hook or priority (none of ours) makes the transaction fail whole.
 */
import { parseCidr } from '../api/cidr.ts';
import { FaultError } from './errors.ts';
import { INTERFACE_NAME_PATTERN } from './network-scope.ts';
import type { Direction, NetworkProtocol } from './params.ts';
import { NFT_FAMILY, nftTableName } from './tags.ts';

export interface NftScope {
  interfaces?: string[];
  direction: Direction;
  cidrs?: string[];
  ports?: number[];
  protocol: NetworkProtocol;
}

export type NftAction =
  /** Drop every matching packet (partition). */
  | { type: 'drop' }
  /** Drop each matching packet with probability percent/100 (loss). */
  | { type: 'randomDrop'; percent: number }
  /** Steer matching egress packets into an htb class (`major:minor`, hex), for scoped tc faults. */
  | { type: 'setPriority'; classId: string };

/** Hook priority: just ahead of the usual filter chains, so our verdict does not depend on theirs. */
const CHAIN_PRIORITY = -10;

function unsafe(what: string): never {
  throw new FaultError({ code: 'UnsafeArgument', message: `refusing to put ${what} into an nft ruleset` });
}

function quoteInterfaces(names: readonly string[]): string {
  for (const name of names)
    if (!INTERFACE_NAME_PATTERN.test(name)) unsafe('an interface name that is not valid');
  return `{ ${names.map((name) => `"${name}"`).join(', ')} }`;
}

function protocolMatch(scope: NftScope): string | undefined {
  switch (scope.protocol) {
    case 'tcp':
      return 'meta l4proto tcp';
    case 'udp':
      return 'meta l4proto udp';
    case 'icmp':
      return 'meta l4proto { icmp, ipv6-icmp }';
    case 'all':
      return scope.ports ? 'meta l4proto { tcp, udp }' : undefined;
    default:
      return unsafe('an unknown protocol');
  }
}

function portMatch(ports: readonly number[] | undefined): string | undefined {
  if (!ports) return undefined;
  for (const port of ports)
    if (!Number.isInteger(port) || port < 1 || port > 65535) unsafe('a port out of range');
  return `th dport { ${ports.join(', ')} }`;
}

function actionStatement(action: NftAction, tag: string): string {
  const comment = `comment "chaoscraft:${tag}"`;
  switch (action.type) {
    case 'drop':
      return `counter drop ${comment}`;
    case 'randomDrop':
      if (!Number.isInteger(action.percent) || action.percent < 1 || action.percent > 100)
        unsafe('a bad percent');
      // nft refuses `< 100` (numgen mod 100 yields 0..99, so the constant must be in range): 100% is a plain drop.
      if (action.percent === 100) return `counter drop ${comment}`;
      return `numgen random mod 100 < ${action.percent} counter drop ${comment}`;
    case 'setPriority':
      if (!/^[0-9a-f]{1,4}:[0-9a-f]{1,4}$/.test(action.classId)) unsafe('a bad class id');
      return `meta priority set ${action.classId} counter ${comment}`;
    default:
      return unsafe('an unknown action');
  }
}

/** CIDRs split by family, normalised to `address/prefix`. */
function cidrsByFamily(cidrs: readonly string[]): { v4: string[]; v6: string[] } {
  const v4: string[] = [];
  const v6: string[] = [];
  for (const text of cidrs) {
    const cidr = parseCidr(text) ?? unsafe('a CIDR that is not valid');
    (cidr.family === 4 ? v4 : v6).push(`${cidr.address}/${cidr.prefix}`);
  }
  return { v4, v6 };
}

/**
 * The rules of one chain (one direction). Returns one rule per address family in use; the addresses are an
 * anonymous interval set in the rule, which nft merges (overlapping CIDRs are fine, each packet is judged
 * once) and which goes with the rule when the table is flushed.
 */
export function buildChainRules(options: {
  scope: NftScope;
  action: NftAction;
  tag: string;
  hook: 'output' | 'input';
}) {
  const { scope, hook } = options;
  const ifField = hook === 'output' ? 'oifname' : 'iifname';
  const addrField = hook === 'output' ? 'daddr' : 'saddr';
  const interfaceMatch = scope.interfaces
    ? `${ifField} ${quoteInterfaces(scope.interfaces)}`
    : `${ifField} != "lo"`;
  const tail = [protocolMatch(scope), portMatch(scope.ports), actionStatement(options.action, options.tag)]
    .filter((part) => part !== undefined)
    .join(' ');
  if (!scope.cidrs) return [`${interfaceMatch} ${tail}`];
  const { v4, v6 } = cidrsByFamily(scope.cidrs);
  const rules: string[] = [];
  if (v4.length > 0) rules.push(`${interfaceMatch} ip ${addrField} { ${v4.join(', ')} } ${tail}`);
  if (v6.length > 0) rules.push(`${interfaceMatch} ip6 ${addrField} { ${v6.join(', ')} } ${tail}`);
  return rules;
}

/** Every table has both chains, whatever the spec: see the top of this file. */
const CHAINS = [
  { direction: 'egress', hook: 'output' },
  { direction: 'ingress', hook: 'input' },
] as const;

/** The whole idempotent script for one injection. */
export function buildRuleset(options: {
  tag: string;
  kind: string;
  scope: NftScope;
  action: NftAction;
}): string {
  const { tag, scope, action } = options;
  const table = `${NFT_FAMILY} ${nftTableName(tag)}`;
  if (!/^[A-Za-z]{1,32}$/.test(options.kind)) unsafe('a bad kind');
  const directions: string[] = action.type === 'setPriority' ? ['egress'] : expandDirection(scope.direction);
  const lines = [
    `table ${table} { comment "chaoscraft ${options.kind}"; }`,
    `flush table ${table}`,
    `table ${table} {`,
  ];
  for (const { direction, hook } of CHAINS) {
    lines.push(`  chain ${direction} {`);
    lines.push(`    type filter hook ${hook} priority ${CHAIN_PRIORITY}; policy accept;`);
    if (directions.includes(direction))
      for (const rule of buildChainRules({ scope, action, tag, hook })) lines.push(`    ${rule}`);
    lines.push('  }');
  }
  lines.push('}');
  return `${lines.join('\n')}\n`;
}

/**
 * Removes the injection's table; succeeds whether or not the table exists. This one pays the grace period
 * (it deletes), as `nft delete table` does.
 */
export function buildDeleteScript(options: { tag: string }): string {
  const table = `${NFT_FAMILY} ${nftTableName(options.tag)}`;
  return `table ${table}\ndelete table ${table}\n`;
}

export function expandDirection(direction: Direction): Array<'egress' | 'ingress'> {
  if (direction === 'both') return ['egress', 'ingress'];
  if (direction === 'egress' || direction === 'ingress') return [direction];
  return unsafe('an unknown direction');
}
