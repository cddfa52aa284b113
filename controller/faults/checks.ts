/**
 * The agent's own checks on fault params. The API schema checks the same things first; these run again
 * right before any value reaches a command, so a bad object that slipped past the API server (or came from
 * standalone mode) is still refused.
 */
import { isIPv6 } from 'node:net';
import type { ValidationIssue } from './errors.ts';
import type { Direction, NetworkScope } from './params.ts';

export const INTERFACE_NAME_PATTERN = /^[A-Za-z0-9][A-Za-z0-9_.-]{0,14}$/;
export const MAX_INTERFACES = 16;
export const MAX_CIDRS = 256;
export const MAX_PORTS = 32;

const SCOPE_KEYS = ['interfaces', 'direction', 'cidrs', 'ports', 'protocol'] as const;
const IPV4_OCTET = '(25[0-5]|2[0-4][0-9]|1[0-9]{2}|[1-9]?[0-9])';
const IPV4_PATTERN = new RegExp(`^${IPV4_OCTET}(\\.${IPV4_OCTET}){3}$`);

export function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** Issues for every key of `params` not in `allowed`: a typo must not silently widen a fault. */
export function unknownKeys(params: Record<string, unknown>, allowed: readonly string[]): ValidationIssue[] {
  return Object.keys(params)
    .filter((key) => !allowed.includes(key))
    .map((key) => ({ path: `/${key}`, message: 'unknown field' }));
}

export function checkInteger(options: {
  value: unknown;
  path: string;
  min: number;
  max: number;
  required: boolean;
}): ValidationIssue[] {
  const { value, path, min, max } = options;
  if (value === undefined) return options.required ? [{ path, message: 'is required' }] : [];
  if (typeof value !== 'number' || !Number.isInteger(value) || value < min || value > max) {
    return [{ path, message: `must be an integer from ${min} to ${max}` }];
  }
  return [];
}

export function checkPattern(options: {
  value: unknown;
  path: string;
  pattern: RegExp;
  required: boolean;
}): ValidationIssue[] {
  const { value, path, pattern } = options;
  if (value === undefined) return options.required ? [{ path, message: 'is required' }] : [];
  if (typeof value !== 'string' || value.length > 64 || !pattern.test(value)) {
    return [{ path, message: `must match ${pattern}` }];
  }
  return [];
}

export function checkEnum(options: {
  value: unknown;
  path: string;
  allowed: readonly string[];
}): ValidationIssue[] {
  if (options.value === undefined) return [];
  return typeof options.value === 'string' && options.allowed.includes(options.value)
    ? []
    : [{ path: options.path, message: `must be one of ${options.allowed.join(', ')}` }];
}

export type CidrFamily = 4 | 6;

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
  if (IPV4_PATTERN.test(address)) return prefix <= 32 ? { family: 4, address, prefix } : undefined;
  if (isIPv6Address(address)) return prefix <= 128 ? { family: 6, address, prefix } : undefined;
  return undefined;
}

/** IPv6 text: hex digits, colons and an optional dotted IPv4 tail only (no zone ids), checked by node:net. */
export function isIPv6Address(text: string): boolean {
  return /^[0-9A-Fa-f:.]{2,45}$/.test(text) && isIPv6(text);
}

export function checkCidrs(options: { value: unknown; path: string; required: boolean }): ValidationIssue[] {
  const { value, path } = options;
  if (value === undefined) return options.required ? [{ path, message: 'is required' }] : [];
  if (!Array.isArray(value)) return [{ path, message: 'must be a list of CIDRs' }];
  if (options.required && value.length === 0) return [{ path, message: 'must hold at least one CIDR' }];
  if (value.length > MAX_CIDRS) return [{ path, message: `must hold at most ${MAX_CIDRS} CIDRs` }];
  return value.flatMap((cidr, index) =>
    parseCidr(cidr)
      ? []
      : [{ path: `${path}/${index}`, message: 'must be an IPv4 or IPv6 CIDR like 10.0.0.0/8' }],
  );
}

/** Checks the shared network scope fields; `extraKeys` are the fault's own fields. */
export function checkNetworkScope(options: {
  params: Record<string, unknown>;
  extraKeys: readonly string[];
  cidrsRequired?: boolean;
}): ValidationIssue[] {
  const { params } = options;
  const issues = unknownKeys(params, [...SCOPE_KEYS, ...options.extraKeys]);
  const { interfaces, ports, protocol } = params;
  if (interfaces !== undefined) {
    if (!Array.isArray(interfaces) || interfaces.length === 0 || interfaces.length > MAX_INTERFACES) {
      issues.push({
        path: '/interfaces',
        message: `must be a list of 1 to ${MAX_INTERFACES} interface names`,
      });
    } else {
      interfaces.forEach((name, index) => {
        if (typeof name !== 'string' || !INTERFACE_NAME_PATTERN.test(name)) {
          issues.push({ path: `/interfaces/${index}`, message: `must match ${INTERFACE_NAME_PATTERN}` });
        }
      });
    }
  }
  issues.push(
    ...checkEnum({ value: params.direction, path: '/direction', allowed: ['ingress', 'egress', 'both'] }),
  );
  issues.push(
    ...checkCidrs({ value: params.cidrs, path: '/cidrs', required: options.cidrsRequired ?? false }),
  );
  issues.push(...checkEnum({ value: protocol, path: '/protocol', allowed: ['tcp', 'udp', 'icmp', 'all'] }));
  if (ports !== undefined) {
    if (!Array.isArray(ports) || ports.length === 0 || ports.length > MAX_PORTS) {
      issues.push({ path: '/ports', message: `must be a list of 1 to ${MAX_PORTS} ports` });
    } else {
      ports.forEach((port, index) => {
        issues.push(
          ...checkInteger({ value: port, path: `/ports/${index}`, min: 1, max: 65535, required: true }),
        );
      });
      if (protocol === 'icmp')
        issues.push({ path: '/ports', message: 'ports need protocol tcp, udp or all' });
    }
  }
  return issues;
}

/**
 * The scope with defaults applied; call only after `checkNetworkScope` found no issue. The default
 * direction is the schema's for the fault: egress, except partition, which cuts both ways.
 */
export function normaliseScope(
  params: NetworkScope,
  defaultDirection: Direction = 'egress',
): Required<Omit<NetworkScope, 'interfaces' | 'cidrs' | 'ports'>> &
  Pick<NetworkScope, 'interfaces' | 'cidrs' | 'ports'> {
  return {
    interfaces: params.interfaces ? [...new Set(params.interfaces)] : undefined,
    direction: params.direction ?? defaultDirection,
    cidrs: params.cidrs ? [...new Set(params.cidrs)] : undefined,
    ports: params.ports ? [...new Set(params.ports)].sort((a, b) => a - b) : undefined,
    protocol: params.protocol ?? 'all',
  };
}
