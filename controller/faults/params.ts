/**
 * Parameter shapes of the node faults: the generated API types (schemas/ is the one source), plus the
 * names the fault code uses for their shared parts.
 */
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

export type Direction = NonNullable<NetworkLoss['direction']>;
export type NetworkProtocol = NonNullable<NetworkLoss['protocol']>;

/** Optional narrowing shared by the network faults. Absent fields mean "everything". */
export interface NetworkScope {
  interfaces?: string[];
  direction?: Direction;
  cidrs?: string[];
  ports?: number[];
  protocol?: NetworkProtocol;
}

export type NetworkLossParams = NetworkLoss;
export type NetworkPartitionParams = NetworkPartition & { cidrs: string[] };
export type NetworkLatencyParams = NetworkLatency;
export type NetworkBandwidthParams = NetworkBandwidth;
export type CpuStressParams = CpuStress;
export type MemoryStressParams = MemoryStress;
export type KillSignal = NonNullable<ProcessKill['signal']>;
export type ProcessKillParams = ProcessKill;
export type ContainerKillParams = ContainerKill;
export type ProcessPauseParams = ProcessPause;

export interface FaultParamsByKind {
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

export type NodeFaultKind = keyof FaultParamsByKind;
