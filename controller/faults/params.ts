/**
 * Parameter shapes of the node faults: the generated API types (schemas/ is the one source) as written,
 * and as the fault code works with them after checkFaultParams filled in the schema's defaults.
 */
import type { FaultKindOf } from '../../schemas/faults.ts';
import type {
  ContainerKill,
  CpuStress,
  MemoryStress,
  NetworkBandwidth,
  NetworkLatency,
  NetworkLoss,
  NetworkPartition,
  ProcessKill,
  ProcessPause,
} from '../api/types.generated.ts';

/** The node faults: the kinds the fault table gives to the agent. */
export type NodeFaultKind = FaultKindOf<'agent'>;

/** `T` with the fields `K`, which have a schema default, always present. */
type Defaulted<T, K extends keyof T> = Omit<T, K> & Required<Pick<T, K>>;

type ScopeDefaults = 'direction' | 'protocol';

export type Direction = NonNullable<NetworkLoss['direction']>;
export type NetworkProtocol = NonNullable<NetworkLoss['protocol']>;

/** Optional narrowing shared by the network faults. Absent lists mean "everything". */
export interface NetworkScope {
  interfaces?: string[];
  direction: Direction;
  cidrs?: string[];
  ports?: number[];
  protocol: NetworkProtocol;
}

export type NetworkLossParams = Defaulted<NetworkLoss, ScopeDefaults>;
export type NetworkPartitionParams = Defaulted<NetworkPartition, ScopeDefaults>;
export type NetworkLatencyParams = Defaulted<NetworkLatency, ScopeDefaults>;
export type NetworkBandwidthParams = Defaulted<NetworkBandwidth, ScopeDefaults>;
export type CpuStressParams = Defaulted<CpuStress, 'load'>;
export type MemoryStressParams = Defaulted<MemoryStress, 'workers'>;
export type KillSignal = NonNullable<ProcessKill['signal']>;
export type ProcessKillParams = Defaulted<ProcessKill, 'signal'>;
export type ContainerKillParams = Defaulted<ContainerKill, 'signal'>;
export type ProcessPauseParams = Defaulted<ProcessPause, 'method'>;

/** Params as written in the API (what inject takes); a missing kind fails to compile in the registry. */
export interface FaultParamsByKind {
  networkLoss: NetworkLoss;
  networkPartition: NetworkPartition;
  networkLatency: NetworkLatency;
  networkBandwidth: NetworkBandwidth;
  cpuStress: CpuStress;
  memoryStress: MemoryStress;
  processKill: ProcessKill;
  containerKill: ContainerKill;
  processPause: ProcessPause;
}

/** Params after the check, defaults filled in (what assertInjectable returns). */
export interface CheckedParamsByKind {
  networkLoss: NetworkLossParams;
  networkPartition: NetworkPartitionParams;
  networkLatency: NetworkLatencyParams;
  networkBandwidth: NetworkBandwidthParams;
  cpuStress: CpuStressParams;
  memoryStress: MemoryStressParams;
  processKill: ProcessKillParams;
  containerKill: ContainerKillParams;
  processPause: ProcessPauseParams;
}
