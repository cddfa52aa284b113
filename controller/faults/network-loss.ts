/** networkLoss: drops a percentage of matching packets at random (nftables `numgen random mod 100`). */
import { checkInteger, checkNetworkScope, isRecord } from './checks.ts';
import type { ValidationIssue } from './errors.ts';
import type { Fault } from './fault.ts';
import { createNftFault } from './nft-fault.ts';
import type { NetworkLossParams } from './params.ts';

export function validateNetworkLoss(params: unknown): ValidationIssue[] {
  if (!isRecord(params)) return [{ path: '', message: 'must be an object' }];
  return [
    ...checkInteger({ value: params.percent, path: '/percent', min: 1, max: 100, required: true }),
    ...checkNetworkScope({ params, extraKeys: ['percent'] }),
  ];
}

export function createNetworkLossFault(): Fault<NetworkLossParams> {
  return createNftFault<NetworkLossParams>({
    kind: 'networkLoss',
    validate: validateNetworkLoss,
    action: (params) => ({ type: 'randomDrop', percent: params.percent }),
  });
}
