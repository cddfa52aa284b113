/** networkBandwidth: caps egress throughput with a token bucket (tc tbf), or an htb class when scoped. */
import { checkInteger, checkNetworkScope, checkPattern, isRecord } from './checks.ts';
import type { ValidationIssue } from './errors.ts';
import type { Fault } from './fault.ts';
import type { NetworkBandwidthParams } from './params.ts';
import { checkEgressOnly, createTcFault, type TcShape } from './tc-fault.ts';

export const RATE_PATTERN = /^[1-9][0-9]{0,9}(bit|kbit|mbit|gbit)$/;
const MIN_BYTES = 64;
const MAX_BYTES = 1 << 30;
/** At least one full-size Ethernet frame must fit in the bucket, or large packets would never pass. */
const MIN_BURST_BYTES = 1600;

const BITS_PER_UNIT: Readonly<Record<string, number>> = { bit: 1, kbit: 1e3, mbit: 1e6, gbit: 1e9 };

/** Bits per second of a tc rate such as `8mbit` (tc's k/m/g are powers of ten). */
export function rateToBitsPerSecond(rate: string): number {
  const match = /^([0-9]+)([a-z]+)$/.exec(rate);
  if (!match || !RATE_PATTERN.test(rate)) throw new RangeError(`not a rate: ${rate}`);
  return Number(match[1]) * BITS_PER_UNIT[match[2]!]!;
}

export function validateNetworkBandwidth(params: unknown): ValidationIssue[] {
  if (!isRecord(params)) return [{ path: '', message: 'must be an object' }];
  return [
    ...checkPattern({ value: params.rate, path: '/rate', pattern: RATE_PATTERN, required: true }),
    ...checkInteger({ value: params.burst, path: '/burst', min: MIN_BYTES, max: MAX_BYTES, required: false }),
    ...checkInteger({ value: params.limit, path: '/limit', min: MIN_BYTES, max: MAX_BYTES, required: false }),
    ...checkNetworkScope({ params, extraKeys: ['rate', 'burst', 'limit'] }),
    ...checkEgressOnly(params),
  ];
}

/**
 * Defaults: a bucket of 10 ms worth of traffic (at least one frame), and a queue of 50 ms on top of it, so
 * the cap is smooth at low rates and does not starve high ones.
 */
export function bandwidthShape(params: NetworkBandwidthParams): TcShape {
  const bytesPerSecond = rateToBitsPerSecond(params.rate) / 8;
  const burst =
    params.burst ?? Math.min(MAX_BYTES, Math.max(MIN_BURST_BYTES, Math.ceil(bytesPerSecond / 100)));
  const limit = params.limit ?? Math.min(MAX_BYTES, burst + Math.ceil(bytesPerSecond * 0.05));
  return {
    leaf: ['tbf', 'rate', params.rate, 'burst', String(burst), 'limit', String(limit)],
    classRate: params.rate,
  };
}

export function createNetworkBandwidthFault(): Fault<NetworkBandwidthParams> {
  return createTcFault<NetworkBandwidthParams>({
    kind: 'networkBandwidth',
    validate: validateNetworkBandwidth,
    shape: bandwidthShape,
  });
}
