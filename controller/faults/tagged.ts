/**
 * Finding and removing what our faults left on a target, by tag alone. After a restart the agent lists the
 * tagged changes in each namespace and cgroup it manages and removes the ones no live injection owns.
 *
 * Not listed: SIGSTOPped processes and frozen cgroups carry no tag; their injections' records cover them.
 */
import { deleteTaggedTable, listTaggedTables } from './nft.ts';
import { findTaggedStressProcesses, stopTaggedStress } from './stress.ts';
import { isChaoscraftTcMajor, tcMajorForTag } from './tags.ts';
import { requireCgroupPath } from './target.ts';
import { listRootQdiscs, runTcBatch } from './tc.ts';

export type TaggedChange =
  | { type: 'nftTable'; tag: string; netnsPath?: string }
  /** A root qdisc in our handle range. The tag cannot be read back from a handle, only matched against one. */
  | { type: 'tcQdisc'; interfaceName: string; handle: string; qdiscKind: string; netnsPath?: string }
  | { type: 'stressProcess'; tag: string; pid: number; startTime: number; cgroupPath: string };

export async function listTagged(options: {
  netnsPath?: string;
  cgroupPath?: string;
}): Promise<TaggedChange[]> {
  const changes: TaggedChange[] = [];
  const { netnsPath } = options;
  const where = netnsPath === undefined ? {} : { netnsPath };
  // Without a cgroup the caller is asking about a namespace (the host's when netnsPath is absent too).
  if (netnsPath !== undefined || options.cgroupPath === undefined) {
    for (const tag of await listTaggedTables({ netnsPath }))
      changes.push({ type: 'nftTable', tag, ...where });
    for (const qdisc of await listRootQdiscs({ netnsPath })) {
      if (!isChaoscraftTcMajor(qdisc.handle)) continue;
      changes.push({
        type: 'tcQdisc',
        interfaceName: qdisc.interfaceName,
        handle: qdisc.handle,
        qdiscKind: qdisc.kind,
        ...where,
      });
    }
  }
  if (options.cgroupPath !== undefined) {
    const cgroupPath = await requireCgroupPath({ id: 'sweep', cgroupPath: options.cgroupPath });
    for (const ref of await findTaggedStressProcesses({ cgroupPath })) {
      if (ref.role !== 'main') continue;
      changes.push({
        type: 'stressProcess',
        tag: ref.tag,
        pid: ref.pid,
        startTime: ref.startTime,
        cgroupPath,
      });
    }
  }
  return changes;
}

/** Whether a listed change belongs to one of the given injection tags. */
export function isOwnedBy(change: TaggedChange, liveTags: ReadonlySet<string>): boolean {
  if (change.type !== 'tcQdisc') return liveTags.has(change.tag);
  const major = change.handle.replace(/:.*$/, '');
  for (const tag of liveTags) if (tcMajorForTag(tag) === major) return true;
  return false;
}

export async function removeTagged(options: { change: TaggedChange }): Promise<void> {
  const { change } = options;
  switch (change.type) {
    case 'nftTable':
      await deleteTaggedTable({ netnsPath: change.netnsPath, tag: change.tag });
      return;
    case 'tcQdisc': {
      const current = await listRootQdiscs({ netnsPath: change.netnsPath });
      if (!current.some((q) => q.interfaceName === change.interfaceName && q.handle === change.handle))
        return;
      await runTcBatch({
        netnsPath: change.netnsPath,
        commands: [['qdisc', 'del', 'dev', change.interfaceName, 'root']],
        force: true,
      });
      return;
    }
    case 'stressProcess':
      await stopTaggedStress({
        cgroupPath: change.cgroupPath,
        tag: change.tag,
        recorded: [{ pid: change.pid, startTime: change.startTime }],
      });
      return;
  }
}

/** Removes every tagged change on the target that none of `liveTags` owns; returns what it removed. */
export async function sweepUnowned(options: {
  netnsPath?: string;
  cgroupPath?: string;
  liveTags: ReadonlySet<string>;
}): Promise<TaggedChange[]> {
  const removed: TaggedChange[] = [];
  for (const change of await listTagged(options)) {
    if (isOwnedBy(change, options.liveTags)) continue;
    await removeTagged({ change });
    removed.push(change);
  }
  return removed;
}
