/**
 * networkLatency: delays egress packets with tc netem. Kernels built without sch_netem cannot do this;
 * that is detected from tc's answer and reported as `NetemUnavailable`, never as a generic failure.
 */

import { delayMicros } from '../api/fault-semantics.ts';
import { NetemUnavailableError } from './errors.ts';
import type { Fault } from './fault.ts';
import type { FaultParamsByKind, NetworkLatencyParams } from './params.ts';
import { createTcFault, type TcShape } from './tc-fault.ts';

/** Rate of the htb class that carries scoped traffic: high enough to add no shaping of its own. */
const SCOPED_CLASS_RATE = '100gbit';

/** Params passed the schema and the delay bounds (api/fault-semantics.ts), so every delay reads. */
export function latencyShape(
  params: Pick<NetworkLatencyParams, 'latency' | 'jitter' | 'correlation'>,
): TcShape {
  const leaf = ['netem', 'delay', `${delayMicros(params.latency)}us`];
  if (params.jitter !== undefined) {
    leaf.push(`${delayMicros(params.jitter)}us`);
    if (params.correlation !== undefined) leaf.push(`${params.correlation}%`);
  }
  return { leaf, classRate: SCOPED_CLASS_RATE };
}

/** tc's words for "this kernel has no such qdisc" (netlink extack or the older message). */
export function isUnknownQdiscMessage(stderr: string): boolean {
  return /Specified qdisc kind is unknown|Unknown qdisc "?netem"?|qdisc kind is unknown/i.test(stderr);
}

export function createNetworkLatencyFault(): Fault<FaultParamsByKind['networkLatency']> {
  return createTcFault({
    kind: 'networkLatency',
    shape: latencyShape,
    explainFailure: ({ stderr, interfaceName }) =>
      isUnknownQdiscMessage(stderr)
        ? new NetemUnavailableError({ interfaceName, detail: stderr.trim() })
        : undefined,
  });
}
