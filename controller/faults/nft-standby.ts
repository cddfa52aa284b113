/**
 * Standby deletes: for each nftables fault in place, an `nft -f -` already started in its network
 * namespace, waiting for the script that removes the table (spawn-helper.ts `hold`).
 *
 * Why: removing a table by starting `nsenter` and `nft` costs about 7.4 ms of CPU here, through an
 * nft already started about 2.8 ms: most of it is the start (fork, exec, loading nft's libraries),
 * not the kernel's work. When a hypothesis breaks, every fault of the run is removed at once, on
 * cores the API server and the agent share, so those starts are what the last recovery waits for
 * (docs/OPERATIONS.md, `abort-latency`). A standby pays the start at injection, when nothing is
 * waiting.
 *
 * Why it is safe:
 * - A standby acts only on its release, with the delete script. If the agent or its spawn helper
 *   goes away, it reads an empty input and ends without changing anything; the agent that starts
 *   next finds the table through its records and its sweep, as without standbys.
 * - A recovery never depends on one: a standby that ended early, failed, or stands in a namespace
 *   the path no longer names (a namespace recreated under the same path) is followed by the usual
 *   delete, which is idempotent.
 * - At most STANDBY_LIMIT at once (about 0.75 MiB each, measured); beyond it, recoveries start
 *   their own nft as before.
 *
 * Cost: a standby keeps its network namespace alive until it runs, as any process in it would, so a
 * pod's namespace outlives the pod until its fault is recovered (the run's deadline bounds that).
 */
import { holdCommand } from '../host/command.ts';
import { namespaceIdentity } from '../host/proc.ts';
import type { HeldCommand } from '../host/spawn-helper.ts';

export const STANDBY_LIMIT = 128;

interface Standby {
  command: HeldCommand;
  /** The namespace the path named when the standby started, as `dev:ino`. */
  namespace: string | undefined;
}

const standbys = new Map<string, Standby>();

/** The namespace `netnsPath` names now; without a path, this process's (where the helper runs). */
const namespaceOf = (netnsPath: string | undefined) => namespaceIdentity(netnsPath ?? '/proc/self/ns/net');

/**
 * Starts the standby delete of `tag`'s table in `netnsPath`, unless the limit is reached or one
 * stands in that namespace already. One that stands in another namespace (the path was reused) is
 * released first: the table it can reach belongs to this injection too.
 */
export async function standByToDelete(options: {
  netnsPath?: string;
  tag: string;
  script: string;
}): Promise<void> {
  const namespace = await namespaceOf(options.netnsPath);
  const existing = standbys.get(options.tag);
  if (existing && existing.namespace === namespace) return;
  if (existing) {
    standbys.delete(options.tag);
    existing.command.release(options.script).catch(() => {});
  }
  if (standbys.size >= STANDBY_LIMIT || namespace === undefined) return;
  let command: HeldCommand;
  try {
    command = holdCommand({
      program: 'nft',
      args: ['-f', '-'],
      ...(options.netnsPath === undefined ? {} : { netnsPath: options.netnsPath }),
    });
  } catch {
    // Only an optimisation: the recovery starts its own nft, whose error the caller will see.
    return;
  }
  const standby = { command, namespace };
  standbys.set(options.tag, standby);
  const forget = () => {
    if (standbys.get(options.tag) === standby) standbys.delete(options.tag);
  };
  command.ended.then(forget, forget);
}

/**
 * Releases `tag`'s standby with `script`. True only when it ran the script successfully in the
 * namespace `netnsPath` names now (or the path is gone, and with it anything the usual delete could
 * reach); false tells the caller to delete as usual.
 */
export async function runStandbyDelete(options: {
  netnsPath?: string;
  tag: string;
  script: string;
}): Promise<boolean> {
  const standby = standbys.get(options.tag);
  if (!standby) return false;
  standbys.delete(options.tag);
  try {
    const result = await standby.command.release(options.script);
    if (result.exitCode !== 0) return false;
  } catch {
    return false;
  }
  const now = await namespaceOf(options.netnsPath);
  return now === undefined || now === standby.namespace;
}

/** How many standbys are waiting, for tests. */
export function standbyCount(): number {
  return standbys.size;
}
