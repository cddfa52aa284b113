/**
 * Who may change a target when. Changes to one target (keyed by its pod and its network namespace) run one
 * at a time in arrival order; changes to different targets run side by side, at most `limit` at once, so
 * that many deadlines passing together are recovered together and not one after another. The sweep, which
 * reads and removes changes across every target, runs alone: after everything that arrived before it, and
 * before anything that arrives after it, except removals.
 *
 * A removal (a recovery) does not wait for the sweep: both only take changes away, each idempotently, so
 * running side by side cannot leave one behind; what the sweep must not meet is a change being added
 * after it listed the live tags. The sweep lists every namespace and cgroup of the node one after another
 * (two processes per pod), a few seconds on a node of a hundred pods, and a hypothesis that broke then
 * would otherwise wait that long for its faults to go.
 */
import { namespaceIdentity } from '../host/proc.ts';

export interface NodeChanges {
  /**
   * Runs `work` once no earlier change for any of `keys` is waiting or running, and a slot is free. A
   * `removal` only takes a change away (a recovery), so it runs while the sweep does.
   */
  run<T>(keys: readonly string[], work: () => Promise<T>, options?: { removal?: boolean }): Promise<T>;
  /** Runs `work` with nothing else running. */
  exclusive<T>(work: () => Promise<T>): Promise<T>;
  /** Resolves once no change is running or waiting (at once when none is). */
  settled(): Promise<void>;
}

interface Waiting {
  /** undefined: exclusive. */
  keys: readonly string[] | undefined;
  removal: boolean;
  start: () => void;
}

export function createNodeChanges(options: { limit: number }): NodeChanges & { running(): number } {
  const { limit } = options;
  if (!Number.isInteger(limit) || limit < 1)
    throw new RangeError('the node change limit must be an integer >= 1');
  const waiting: Waiting[] = [];
  const held = new Set<string>();
  let running = 0;
  let exclusiveRunning = false;
  let settledWaiters: (() => void)[] = [];

  function pump(): void {
    const starting: Waiting[] = [];
    // Keys of earlier changes that could not start yet: a later change for the same key waits behind them.
    const blocked = new Set<string>();
    // Whether the sweep runs, or waits ahead of the task looked at: only a removal may pass it.
    let sweepAhead = exclusiveRunning;
    for (let index = 0; index < waiting.length && running < limit; ) {
      const task = waiting[index]!;
      if (task.keys === undefined) {
        // Exclusive: only once it is first in line and everything before it has finished; a barrier till then.
        if (!sweepAhead && index === 0 && running === 0) {
          waiting.splice(index, 1);
          exclusiveRunning = true;
          running++;
          starting.push(task);
        } else index++;
        sweepAhead = true;
        continue;
      }
      if ((sweepAhead && !task.removal) || task.keys.some((key) => held.has(key) || blocked.has(key))) {
        for (const key of task.keys) blocked.add(key);
        index++;
        continue;
      }
      waiting.splice(index, 1);
      for (const key of task.keys) held.add(key);
      running++;
      starting.push(task);
    }
    // Started after the scan, so work that asks for another change does not re-enter it.
    for (const task of starting) task.start();
  }

  function enqueue<T>(
    keys: readonly string[] | undefined,
    work: () => Promise<T>,
    removal = false,
  ): Promise<T> {
    // A change that names no key is still serialised with every other such change.
    const ownKeys = keys === undefined ? undefined : keys.length > 0 ? [...new Set(keys)] : ['unkeyed'];
    return new Promise<T>((resolve, reject) => {
      const release = () => {
        running--;
        if (ownKeys === undefined) exclusiveRunning = false;
        else for (const key of ownKeys) held.delete(key);
        pump();
        if (running === 0 && waiting.length === 0 && settledWaiters.length > 0) {
          const waiters = settledWaiters;
          settledWaiters = [];
          for (const wake of waiters) wake();
        }
      };
      waiting.push({
        keys: ownKeys,
        removal,
        start: () => {
          let result: Promise<T>;
          try {
            result = work();
          } catch (error) {
            result = Promise.reject(error);
          }
          result.then(
            (value) => {
              release();
              resolve(value);
            },
            (error: unknown) => {
              release();
              reject(error);
            },
          );
        },
      });
      pump();
    });
  }

  return {
    run: (keys, work, runOptions) => enqueue(keys, work, runOptions?.removal === true),
    exclusive: (work) => enqueue(undefined, work),
    settled: () =>
      running === 0 && waiting.length === 0
        ? Promise.resolve()
        : new Promise<void>((resolve) => settledWaiters.push(resolve)),
    running: () => running,
  };
}

/**
 * The keys of a change to a pod's target: the pod, and the network namespace it acts in by identity (device
 * and inode), so that pods sharing a namespace (host network) are serialised too. A namespace that cannot be
 * read adds no key: there is nothing left in it to change.
 */
export async function targetKeys(options: { podUid?: string; netnsPath?: string; targetId?: string }) {
  const keys: string[] = [];
  if (options.podUid) keys.push(`pod/${options.podUid}`);
  if (options.netnsPath) {
    const identity = await namespaceIdentity(options.netnsPath);
    if (identity) keys.push(`netns/${identity}`);
  }
  if (keys.length === 0 && options.targetId) keys.push(`target/${options.targetId}`);
  return keys;
}
