/**
 * Where a pod's container lives in cgroup v2, for the layouts kubelet and the container runtimes use:
 *
 *   systemd driver:  /kubepods.slice/kubepods-burstable.slice/kubepods-burstable-pod<uid_with_underscores>.slice/cri-containerd-<id>.scope
 *                    (Guaranteed pods sit directly under kubepods.slice as kubepods-pod<uid>.slice;
 *                     CRI-O names the scope crio-<id>.scope, cri-dockerd docker-<id>.scope)
 *   cgroupfs driver: /kubepods/burstable/pod<uid>/<id>   (CRI-O: .../pod<uid>/crio-<id>)
 *
 * A kubelet started with `--cgroup-root=/kubelet` (kind does this) prefixes every slice with `kubelet-`.
 */
import { stat } from 'node:fs/promises';

export type ContainerRuntime = 'containerd' | 'cri-o' | 'docker';
export type CgroupDriver = 'systemd' | 'cgroupfs';
export type QosClass = 'Guaranteed' | 'Burstable' | 'BestEffort';

export interface ContainerCgroup {
  podUid: string;
  containerId: string;
  qosClass: QosClass;
  driver: CgroupDriver;
  /** Unknown for the cgroupfs layout of containerd and docker, which name the directory by bare ID. */
  runtime?: ContainerRuntime;
}

const POD_UID_PATTERN = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;
const CONTAINER_ID_PATTERN = /^[0-9a-f]{64}$/;
const QOS_BY_SLICE: Readonly<Record<string, QosClass>> = { burstable: 'Burstable', besteffort: 'BestEffort' };
const SCOPE_PREFIX: Readonly<Record<ContainerRuntime, string>> = {
  containerd: 'cri-containerd-',
  'cri-o': 'crio-',
  docker: 'docker-',
};

/** `containerd://<id>` (as in a pod's containerStatuses) to runtime and bare ID. */
export function parseContainerStatusId(text: string): { runtime?: ContainerRuntime; id: string } | undefined {
  const match = /^(?:([a-z-]+):\/\/)?([0-9a-f]{64})$/.exec(text);
  if (!match) return undefined;
  const scheme = match[1];
  const runtime =
    scheme === 'containerd'
      ? 'containerd'
      : scheme === 'cri-o'
        ? 'cri-o'
        : scheme === 'docker'
          ? 'docker'
          : undefined;
  if (scheme !== undefined && runtime === undefined) return undefined;
  return runtime ? { runtime, id: match[2]! } : { id: match[2]! };
}

/** Reads pod UID, container ID, QoS class, driver and runtime from a container's cgroup path. */
export function parseContainerCgroupPath(path: string): ContainerCgroup | undefined {
  const segments = path.split('/').filter((segment) => segment.length > 0);
  if (segments.length < 2) return undefined;
  const containerSegment = segments[segments.length - 1]!;
  const podSegment = segments[segments.length - 2]!;

  const systemdPod = /^(?:[a-z0-9]+-)*kubepods(?:-(burstable|besteffort))?-pod([0-9a-f_]{36})\.slice$/.exec(
    podSegment,
  );
  if (systemdPod) {
    const podUid = systemdPod[2]!.replaceAll('_', '-');
    const scope = /^(cri-containerd|crio|docker)-([0-9a-f]{64})\.scope$/.exec(containerSegment);
    if (!scope || !POD_UID_PATTERN.test(podUid)) return undefined;
    const runtime: ContainerRuntime =
      scope[1] === 'cri-containerd' ? 'containerd' : scope[1] === 'crio' ? 'cri-o' : 'docker';
    const qosClass = systemdPod[1] ? QOS_BY_SLICE[systemdPod[1]]! : 'Guaranteed';
    return { podUid, containerId: scope[2]!, qosClass, driver: 'systemd', runtime };
  }

  const cgroupfsPod = /^pod([0-9a-f-]{36})$/.exec(podSegment);
  if (cgroupfsPod && POD_UID_PATTERN.test(cgroupfsPod[1]!)) {
    const container = /^(crio-)?([0-9a-f]{64})$/.exec(containerSegment);
    if (!container) return undefined;
    const parent = segments[segments.length - 3];
    const qosClass = parent !== undefined && parent in QOS_BY_SLICE ? QOS_BY_SLICE[parent]! : 'Guaranteed';
    const base = {
      podUid: cgroupfsPod[1]!,
      containerId: container[2]!,
      qosClass,
      driver: 'cgroupfs' as const,
    };
    return container[1] ? { ...base, runtime: 'cri-o' } : base;
  }
  return undefined;
}

/** Every plausible path (relative to the cgroup2 mount) of a container, most common layouts first. */
export function candidateContainerCgroupPaths(options: {
  podUid: string;
  containerId: string;
  qosClass?: QosClass;
  runtime?: ContainerRuntime;
  /** Names of kubelet cgroup roots to try: '' for the default, 'kubelet' for `--cgroup-root=/kubelet`. */
  cgroupRoots?: string[];
}): string[] {
  const { podUid, containerId } = options;
  if (!POD_UID_PATTERN.test(podUid)) throw new RangeError('podUid must be a lowercase UUID');
  if (!CONTAINER_ID_PATTERN.test(containerId))
    throw new RangeError('containerId must be 64 lowercase hex chars');
  const qosClasses: QosClass[] = options.qosClass
    ? [options.qosClass]
    : ['Burstable', 'BestEffort', 'Guaranteed'];
  const runtimes: ContainerRuntime[] = options.runtime
    ? [options.runtime]
    : ['containerd', 'cri-o', 'docker'];
  const roots = options.cgroupRoots ?? ['', 'kubelet'];
  const systemdUid = podUid.replaceAll('-', '_');
  const paths: string[] = [];
  for (const root of roots) {
    if (!/^[a-z0-9]*$/.test(root)) throw new RangeError('cgroup root names are lowercase letters and digits');
    const slicePrefix = root ? `${root}-` : '';
    for (const qos of qosClasses) {
      // systemd: every level of the slice name repeats its parents' names joined with '-'.
      const top = `${slicePrefix}kubepods`;
      const qosSlice = qos === 'Guaranteed' ? top : `${top}-${qos.toLowerCase()}`;
      const dirs = [
        root ? `/${root}.slice` : '',
        `/${top}.slice`,
        qos === 'Guaranteed' ? '' : `/${qosSlice}.slice`,
      ].join('');
      for (const runtime of runtimes) {
        paths.push(`${dirs}/${qosSlice}-pod${systemdUid}.slice/${SCOPE_PREFIX[runtime]}${containerId}.scope`);
      }
      // cgroupfs: plain directories named after the QoS class and the pod UID.
      const fsDirs = `${root ? `/${root}` : ''}/kubepods${qos === 'Guaranteed' ? '' : `/${qos.toLowerCase()}`}/pod${podUid}`;
      for (const runtime of runtimes) {
        paths.push(`${fsDirs}/${runtime === 'cri-o' ? 'crio-' : ''}${containerId}`);
      }
    }
  }
  return [...new Set(paths)];
}

/** The absolute cgroup directory of a container under one of the cgroup2 mounts, or undefined. */
export async function resolveContainerCgroup(options: {
  mounts: string[];
  podUid: string;
  containerId: string;
  qosClass?: QosClass;
  runtime?: ContainerRuntime;
  cgroupRoots?: string[];
}): Promise<string | undefined> {
  for (const relative of candidateContainerCgroupPaths(options)) {
    for (const mount of options.mounts) {
      const absolute = `${mount.replace(/\/$/, '')}${relative}`;
      const info = await stat(absolute).catch(() => undefined);
      if (info?.isDirectory()) return absolute;
    }
  }
  return undefined;
}
