// What makes a CIDR real rather than merely well-shaped: an address node:net accepts and a prefix
// that fits its family. The schema's `cidr` format and the nft ruleset builder both use this.
import { isIPv6 } from 'node:net';

export type CidrFamily = 4 | 6;

const ipv4Octet = '(25[0-5]|2[0-4][0-9]|1[0-9]{2}|[1-9]?[0-9])';
const ipv4Address = new RegExp(`^${ipv4Octet}(\\.${ipv4Octet}){3}$`);

/** Parses `a.b.c.d/n` or `x::y/n`; undefined when it is not a well-formed CIDR. */
export function parseCidr(
  text: unknown,
): { family: CidrFamily; address: string; prefix: number } | undefined {
  if (typeof text !== 'string' || text.length > 64) return undefined;
  const slash = text.indexOf('/');
  if (slash < 0) return undefined;
  const address = text.slice(0, slash);
  const prefixText = text.slice(slash + 1);
  if (!/^(0|[1-9][0-9]{0,2})$/.test(prefixText)) return undefined;
  const prefix = Number(prefixText);
  if (ipv4Address.test(address)) return prefix <= 32 ? { family: 4, address, prefix } : undefined;
  if (isIPv6Address(address)) return prefix <= 128 ? { family: 6, address, prefix } : undefined;
  return undefined;
}

/** IPv6 text: hex digits, colons and an optional dotted IPv4 tail only (no zone ids), checked by node:net. */
export function isIPv6Address(text: string): boolean {
  return /^[0-9A-Fa-f:.]{2,45}$/.test(text) && isIPv6(text);
}
