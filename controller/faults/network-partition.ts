/** networkPartition: drops all traffic to (egress) and/or from (ingress) the given CIDRs, optionally ports. */
import { checkNetworkScope, isRecord } from './checks.ts';
import type { ValidationIssue } from './errors.ts';
import type { Fault } from './fault.ts';
import { createNftFault } from './nft-fault.ts';
import type { NetworkPartitionParams } from './params.ts';

export function validateNetworkPartition(params: unknown): ValidationIssue[] {
  if (!isRecord(params)) return [{ path: '', message: 'must be an object' }];
  return checkNetworkScope({ params, extraKeys: [], cidrsRequired: true });
}

export function createNetworkPartitionFault(): Fault<NetworkPartitionParams> {
  return createNftFault<NetworkPartitionParams>({
    kind: 'networkPartition',
    validate: validateNetworkPartition,
    action: () => ({ type: 'drop' }),
    defaultDirection: 'both',
  });
}
