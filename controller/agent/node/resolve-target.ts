/**
 * Turns "container X of pod Y" into a fault Target on this node: its cgroup directory, its processes
 * (PID + start time) and the network namespace of its first process.
 */
import type { Target } from '../../faults/fault.ts';
import { listCgroupPids } from '../../host/cgroup-v2.ts';
import {
  type ContainerRuntime,
  parseContainerStatusId,
  type QosClass,
  resolveContainerCgroup,
} from '../../host/container-paths.ts';
import { netnsPathOf, readProcessStat } from '../../host/proc.ts';

export class TargetNotFoundError extends Error {
  readonly code = 'TargetNotFound';
  readonly data: Readonly<Record<string, unknown>>;
  constructor(message: string, data: Record<string, unknown>) {
    super(message);
    this.name = 'TargetNotFoundError';
    this.data = Object.freeze({ ...data });
  }
}

export async function resolveContainerTarget(options: {
  mounts: string[];
  podUid: string;
  /** As in the pod's containerStatuses: `containerd://<64 hex>` or the bare ID. */
  containerStatusId: string;
  qosClass?: QosClass;
  cgroupRoots?: string[];
}): Promise<Target> {
  const parsed = parseContainerStatusId(options.containerStatusId);
  if (!parsed)
    throw new TargetNotFoundError('container ID is not <runtime>://<64 hex>', { podUid: options.podUid });
  const runtime: ContainerRuntime | undefined = parsed.runtime;
  const cgroupPath = await resolveContainerCgroup({ ...options, containerId: parsed.id, runtime });
  if (!cgroupPath) {
    throw new TargetNotFoundError('no cgroup directory found for the container on this node', {
      podUid: options.podUid,
      containerId: parsed.id,
    });
  }
  const processes = [];
  for (const pid of await listCgroupPids({ cgroupPath, recursive: true })) {
    const stat = await readProcessStat({ pid });
    if (stat && stat.state !== 'Z') processes.push({ pid, startTime: stat.startTime });
  }
  const first = processes[0];
  return {
    id: `pod/${options.podUid}/${parsed.id.slice(0, 12)}`,
    cgroupPath,
    processes,
    ...(first ? { netnsPath: netnsPathOf({ pid: first.pid }) } : {}),
  };
}
