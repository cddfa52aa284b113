/**
 * The network scope as the nft and tc code uses it. Params arrive checked against the schema (with its
 * defaults) by assertInjectable; what is left here is shaping them for rule building.
 */
import { interfaceNamePattern } from '../../schemas/fragments.ts';
import type { NetworkScope } from './params.ts';

/** The schema's interface-name pattern, for names that come from the node (`ip link`) or a rule. */
export const INTERFACE_NAME_PATTERN = new RegExp(interfaceNamePattern);

/** The scope without repeated entries (ports sorted), so rules and records stay small and stable. */
export function normaliseScope(params: NetworkScope): NetworkScope {
  return {
    interfaces: params.interfaces ? [...new Set(params.interfaces)] : undefined,
    direction: params.direction,
    cidrs: params.cidrs ? [...new Set(params.cidrs)] : undefined,
    ports: params.ports ? [...new Set(params.ports)].sort((a, b) => a - b) : undefined,
    protocol: params.protocol,
  };
}
