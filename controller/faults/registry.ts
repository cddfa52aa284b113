/** Every node fault by kind, created fresh (faults hold no state, so a new set is as good as the old). */

import { createCpuStressFault } from './cpu-stress.ts';
import type { Fault } from './fault.ts';
import { createMemoryStressFault } from './memory-stress.ts';
import { createNetworkBandwidthFault } from './network-bandwidth.ts';
import { createNetworkLatencyFault } from './network-latency.ts';
import { createNetworkLossFault } from './network-loss.ts';
import { createNetworkPartitionFault } from './network-partition.ts';
import type { FaultParamsByKind, NodeFaultKind } from './params.ts';
import { createContainerKillFault, createProcessKillFault } from './process-kill.ts';
import { createProcessPauseFault } from './process-pause.ts';

export type FaultRegistry = { [K in NodeFaultKind]: Fault<FaultParamsByKind[K]> };

export function createFaultRegistry(): FaultRegistry {
  return {
    networkLoss: createNetworkLossFault(),
    networkPartition: createNetworkPartitionFault(),
    networkLatency: createNetworkLatencyFault(),
    networkBandwidth: createNetworkBandwidthFault(),
    cpuStress: createCpuStressFault(),
    memoryStress: createMemoryStressFault(),
    processKill: createProcessKillFault(),
    containerKill: createContainerKillFault(),
    processPause: createProcessPauseFault(),
  };
}
