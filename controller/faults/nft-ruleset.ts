/**
 * Pure builder of the nftables scripts our network faults load with `nft -f -`. One table per injection,
 * `inet chaoscraft_<tag>`, so that removing an injection is removing one table and nothing else is touched.
 *
 * The script first declares the table, deletes it, then defines it afresh, all in one nft transaction:
 * injecting twice leaves exactly one copy, and the change is atomic (all rules or none).
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

/** The rules of one chain (one direction). Returns one rule per address family in use. */
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
  if (v4.length > 0) rules.push(`${interfaceMatch} ip ${addrField} @remote4 ${tail}`);
  if (v6.length > 0) rules.push(`${interfaceMatch} ip6 ${addrField} @remote6 ${tail}`);
  return rules;
}

/** Named interval sets (auto-merged, so overlapping CIDRs are fine and each packet is judged once). */
function buildSets(cidrs: readonly string[] | undefined): string[] {
  if (!cidrs) return [];
  const { v4, v6 } = cidrsByFamily(cidrs);
  const sets: string[] = [];
  if (v4.length > 0) {
    sets.push(
      `  set remote4 { type ipv4_addr; flags interval; auto-merge; elements = { ${v4.join(', ')} } }`,
    );
  }
  if (v6.length > 0) {
    sets.push(
      `  set remote6 { type ipv6_addr; flags interval; auto-merge; elements = { ${v6.join(', ')} } }`,
    );
  }
  return sets;
}

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
  const directions = action.type === 'setPriority' ? ['egress'] : expandDirection(scope.direction);
  const lines = [`table ${table}`, `delete table ${table}`, `table ${table} {`];
  lines.push(`  comment "chaoscraft ${options.kind}"`);
  lines.push(...buildSets(scope.cidrs));
  for (const direction of directions) {
    const hook = direction === 'egress' ? 'output' : 'input';
    lines.push(`  chain ${direction} {`);
    lines.push(`    type filter hook ${hook} priority ${CHAIN_PRIORITY}; policy accept;`);
    for (const rule of buildChainRules({ scope, action, tag, hook })) lines.push(`    ${rule}`);
    lines.push('  }');
  }
  lines.push('}');
  return `${lines.join('\n')}\n`;
}

/** Removes the injection's table; succeeds whether or not the table exists. */
export function buildDeleteScript(options: { tag: string }): string {
  const table = `${NFT_FAMILY} ${nftTableName(options.tag)}`;
  return `table ${table}\ndelete table ${table}\n`;
}

export function expandDirection(direction: Direction): Array<'egress' | 'ingress'> {
  if (direction === 'both') return ['egress', 'ingress'];
  if (direction === 'egress' || direction === 'ingress') return [direction];
  return unsafe('an unknown direction');
}
