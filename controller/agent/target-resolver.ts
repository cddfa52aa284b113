/**
 * How the agent finds what an injection acts on, and where on this node it may have left changes. Behind an
 * interface so tests can hand it their own network namespaces and cgroups; production resolves pods from
 * their UID and container IDs through the kubelet's cgroup layout (node/resolve-target.ts).
 */
import { readdir } from 'node:fs/promises';
import type { Target } from '../faults/fault.ts';
import { findCgroup2Mounts, listCgroupPids } from '../host/cgroup-v2.ts';
import { parseContainerCgroupPath } from '../host/container-paths.ts';
import { namespaceIdentity, netnsPathOf } from '../host/proc.ts';
import { resolveContainerTarget, TargetNotFoundError } from './node/resolve-target.ts';

export { TargetNotFoundError } from './node/resolve-target.ts';

/** A place where tagged changes can live: a network namespace, a cgroup, or both. */
export interface SweepScope {
  netnsPath?: string;
  cgroupPath?: string;
}

export interface TargetRequest {
  podUid: string;
  /** As in the pod's containerStatuses, e.g. `containerd://<64 hex>`. */
  containerIDs: readonly string[];
}

export interface TargetResolver {
  /** The target on this node; rejects with `TargetNotFoundError` (code `TargetNotFound`) when absent. */
  resolve(request: TargetRequest): Promise<Target>;
  /** Every namespace and cgroup on this node where an injection may have left a change, for the sweep. */
  listScopes(): Promise<SweepScope[]>;
}

/** Directories visited when listing pod cgroups: a node has hundreds of containers, not hundreds of thousands. */
const MAX_WALKED_DIRECTORIES = 50_000;
/** kubepods → qos → pod → container is four levels below the kubepods root. */
const MAX_WALK_DEPTH = 4;

export function createPodTargetResolver(
  options: {
    /** kubelet `--cgroup-root` names: '' for the default, 'kubelet' for kind. Default both. */
    cgroupRoots?: string[];
    /** cgroup2 mount points; default: read from /proc/self/mountinfo once. */
    mounts?: string[];
  } = {},
): TargetResolver {
  const cgroupRoots = options.cgroupRoots ?? ['', 'kubelet'];
  for (const root of cgroupRoots) {
    if (!/^[a-z0-9]{0,32}$/.test(root)) throw new RangeError('cgroup roots are lowercase letters and digits');
  }
  let mountsPromise: Promise<string[]> | undefined;
  const mounts = () => {
    mountsPromise ??= options.mounts ? Promise.resolve(options.mounts) : findCgroup2Mounts();
    return mountsPromise;
  };

  return {
    async resolve({ podUid, containerIDs }) {
      if (containerIDs.length === 0)
        throw new TargetNotFoundError('the injection names no container of the pod', { podUid });
      const found: Target[] = [];
      for (const containerStatusId of containerIDs) {
        found.push(
          await resolveContainerTarget({ mounts: await mounts(), podUid, containerStatusId, cgroupRoots }),
        );
      }
      const [first] = found as [Target, ...Target[]];
      // Network faults act on the pod's one namespace; cgroup faults on the first container named.
      const withNetns = found.find((target) => target.netnsPath !== undefined);
      return {
        id: found.length === 1 ? first.id : `pod/${podUid}`,
        ...(first.cgroupPath === undefined ? {} : { cgroupPath: first.cgroupPath }),
        ...(withNetns?.netnsPath === undefined ? {} : { netnsPath: withNetns.netnsPath }),
        processes: found.flatMap((target) => target.processes ?? []),
      };
    },

    async listScopes() {
      const scopes: SweepScope[] = [];
      const seenNamespaces = new Set<string>();
      for (const mount of await mounts()) {
        const base = mount.replace(/\/$/, '');
        for (const root of cgroupRoots) {
          const tops = root
            ? [`${base}/${root}.slice/${root}-kubepods.slice`, `${base}/${root}/kubepods`]
            : [`${base}/kubepods.slice`, `${base}/kubepods`];
          for (const top of tops) {
            for (const cgroupPath of await findContainerCgroups({ top, mount: base })) {
              scopes.push({ cgroupPath });
              const netnsPath = await netnsOfCgroup(cgroupPath);
              if (!netnsPath) continue;
              const identity = await namespaceIdentity(netnsPath);
              if (identity === undefined || seenNamespaces.has(identity)) continue;
              seenNamespaces.add(identity);
              scopes.push({ netnsPath });
            }
          }
        }
      }
      return scopes;
    },
  };
}

/** Container cgroup directories under a kubepods root (breadth first, bounded). */
async function findContainerCgroups(options: { top: string; mount: string }): Promise<string[]> {
  const found: string[] = [];
  let level = [options.top];
  let visited = 0;
  for (let depth = 0; depth <= MAX_WALK_DEPTH && level.length > 0; depth++) {
    const next: string[] = [];
    for (const dir of level) {
      if (++visited > MAX_WALKED_DIRECTORIES) return found;
      if (parseContainerCgroupPath(dir.slice(options.mount.length))) {
        found.push(dir);
        continue;
      }
      const entries = await readdir(dir, { withFileTypes: true }).catch(() => []);
      for (const entry of entries) if (entry.isDirectory()) next.push(`${dir}/${entry.name}`);
    }
    level = next;
  }
  return found;
}

async function netnsOfCgroup(cgroupPath: string): Promise<string | undefined> {
  const pids = await listCgroupPids({ cgroupPath, recursive: false }).catch(() => []);
  const pid = pids[0];
  return pid === undefined ? undefined : netnsPathOf({ pid });
}
