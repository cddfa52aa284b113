/** networkLoss: drops a percentage of matching packets at random (nftables `numgen random mod 100`). */
import type { Fault } from './fault.ts';
import { createNftFault } from './nft-fault.ts';
import type { FaultParamsByKind } from './params.ts';

export function createNetworkLossFault(): Fault<FaultParamsByKind['networkLoss']> {
  return createNftFault({
    kind: 'networkLoss',
    action: (params) => ({ type: 'randomDrop', percent: params.percent }),
  });
}
