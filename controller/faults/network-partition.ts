/** networkPartition: drops all traffic to (egress) and/or from (ingress) the given CIDRs, optionally ports. */
import type { Fault } from './fault.ts';
import { createNftFault } from './nft-fault.ts';
import type { FaultParamsByKind } from './params.ts';

export function createNetworkPartitionFault(): Fault<FaultParamsByKind['networkPartition']> {
  return createNftFault({ kind: 'networkPartition', action: () => ({ type: 'drop' }) });
}
