/** networkBandwidth: caps egress throughput with a token bucket (tc tbf), or an htb class when scoped. */
import { bucketBytes, ratePattern } from '../../schemas/faults.ts';
import type { Fault } from './fault.ts';
import type { FaultParamsByKind, NetworkBandwidthParams } from './params.ts';
import { createTcFault, type TcShape } from './tc-fault.ts';

const RATE_PATTERN = new RegExp(ratePattern);
const BITS_PER_UNIT: Readonly<Record<string, number>> = { bit: 1, kbit: 1e3, mbit: 1e6, gbit: 1e9 };

/** Bits per second of a tc rate such as `8mbit` (tc's k/m/g are powers of ten). */
export function rateToBitsPerSecond(rate: string): number {
  const match = /^([0-9]+)([a-z]+)$/.exec(rate);
  if (!match || !RATE_PATTERN.test(rate)) throw new RangeError(`not a rate: ${rate}`);
  return Number(match[1]) * BITS_PER_UNIT[match[2]!]!;
}

const clampBytes = (bytes: number) => Math.min(bucketBytes.maximum, Math.max(bucketBytes.minimum, bytes));

/**
 * The defaults the schema describes but cannot hold, since they depend on the rate: a bucket of 10 ms worth
 * of traffic and a queue of 50 ms on top of it, within the schema's bounds, so the cap is smooth at low rates
 * and does not starve high ones.
 */
export function bandwidthShape(params: Pick<NetworkBandwidthParams, 'rate' | 'burst' | 'limit'>): TcShape {
  const bytesPerSecond = rateToBitsPerSecond(params.rate) / 8;
  const burst = params.burst ?? clampBytes(Math.ceil(bytesPerSecond / 100));
  const limit = params.limit ?? clampBytes(burst + Math.ceil(bytesPerSecond * 0.05));
  return {
    leaf: ['tbf', 'rate', params.rate, 'burst', String(burst), 'limit', String(limit)],
    classRate: params.rate,
  };
}

export function createNetworkBandwidthFault(): Fault<FaultParamsByKind['networkBandwidth']> {
  return createTcFault({ kind: 'networkBandwidth', shape: bandwidthShape });
}
