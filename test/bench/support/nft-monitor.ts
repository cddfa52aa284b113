// The kernel's own account of when an nft table appears or goes: one idle `nft monitor` per network
// namespace, spawned with nsenter and nothing of the product. Events are taken per transaction (nft
// prints "# new generation" after each): a batch that deletes and re-creates a table, as an
// injection's ruleset does, counts as one addition. Ready only once a probe table made after the
// spawn has been seen, so no event can be missed.
import { type ChildProcess, spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { createInterface } from 'node:readline';
import { exec } from '../../support/netns.ts';

const NSENTER = '/usr/bin/nsenter';
const NFT = '/usr/sbin/nft';

export interface TableMonitor {
  /** Wall-clock ms at which a transaction adding table `inet <name>` was seen, waiting at most `timeoutMs`. */
  added(name: string, timeoutMs: number): Promise<number>;
  /**
   * Wall-clock ms at which a transaction deleting table `inet <name>` was seen, after the table's last
   * addition so far, waiting at most `timeoutMs`.
   */
  deleted(name: string, timeoutMs: number): Promise<number>;
  stop(): void;
}

export async function monitorTables(netnsPath: string, options: { readyTimeoutMs?: number } = {}) {
  const child: ChildProcess = spawn(NSENTER, [`--net=${netnsPath}`, '--', NFT, 'monitor'], {
    stdio: ['ignore', 'pipe', 'ignore'],
  });
  // Net table events in order, one per table per transaction, timed when the transaction was reported.
  const events: { event: string; at: number }[] = [];
  const waiters = new Set<{ event: string; after: number; resolve: (at: number) => void }>();
  let batch = new Map<string, 'add' | 'delete'>();
  createInterface({ input: child.stdout! }).on('line', (line) => {
    const match = /^(add|delete) table inet (\S+)/.exec(line);
    if (match) {
      batch.set(match[2]!, match[1] as 'add' | 'delete');
      return;
    }
    if (!line.startsWith('# new generation')) return;
    const at = Date.now();
    for (const [table, kind] of batch) {
      const event = `${kind} ${table}`;
      events.push({ event, at });
      for (const waiter of waiters) {
        if (waiter.event === event && events.length - 1 > waiter.after) waiter.resolve(at);
      }
    }
    batch = new Map();
  });
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const lastIndex = (event: string) => events.findLastIndex((e) => e.event === event);
  /** The first `event` after position `after` in the event list. */
  const wait = (event: string, after: number, timeoutMs: number) =>
    new Promise<number>((resolve, reject) => {
      const known = events.findIndex((e, index) => index > after && e.event === event);
      if (known !== -1) return resolve(events[known]!.at);
      const waiter = {
        event,
        after,
        resolve: (at: number) => {
          clearTimeout(timer);
          waiters.delete(waiter);
          resolve(at);
        },
      };
      const timer = setTimeout(() => {
        waiters.delete(waiter);
        reject(new Error(`no "${event}" in ${netnsPath} within ${timeoutMs} ms`));
      }, timeoutMs);
      timer.unref();
      waiters.add(waiter);
    });
  const stop = () => {
    if (child.exitCode === null) child.kill('SIGTERM');
  };
  try {
    // The handshake: a probe table added (and removed) after the monitor started must be seen.
    const probe = `ccbenchprobe${randomBytes(3).toString('hex')}`;
    const readyTimeoutMs = options.readyTimeoutMs ?? 10_000;
    const started = Date.now();
    for (;;) {
      const added = await exec({ argv: [NFT, 'add', 'table', 'inet', probe], netnsPath });
      if (added.code !== 0) throw new Error(`probe table in ${netnsPath}: ${added.stderr.trim()}`);
      const ok = await wait(`add ${probe}`, -1, 250).then(
        () => true,
        () => false,
      );
      await exec({ argv: [NFT, 'delete', 'table', 'inet', probe], netnsPath });
      if (ok) break;
      if (Date.now() - started > readyTimeoutMs)
        throw new Error(`nft monitor in ${netnsPath} never became ready`);
    }
  } catch (error) {
    stop();
    await exited;
    throw error;
  }
  const monitor: TableMonitor = {
    added: (name, timeoutMs) => wait(`add ${name}`, -1, timeoutMs),
    deleted: (name, timeoutMs) => wait(`delete ${name}`, lastIndex(`add ${name}`), timeoutMs),
    stop,
  };
  return monitor;
}
