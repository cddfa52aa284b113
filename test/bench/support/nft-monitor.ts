// The kernel's own account of when an nft table appears or goes: one idle `nft monitor tables` per
// network namespace, spawned with nsenter and nothing of the product. Ready only once a probe table
// made after the spawn has been seen, so no event can be missed.
import { type ChildProcess, spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { createInterface } from 'node:readline';
import { exec } from '../../support/netns.ts';

const NSENTER = '/usr/bin/nsenter';
const NFT = '/usr/sbin/nft';

export interface TableMonitor {
  /** Wall-clock ms at which `add table inet <name>` was seen, waiting at most `timeoutMs`. */
  added(name: string, timeoutMs: number): Promise<number>;
  /**
   * Wall-clock ms at which `delete table inet <name>` was seen after the table's last addition so far,
   * waiting at most `timeoutMs`.
   */
  deleted(name: string, timeoutMs: number): Promise<number>;
  stop(): void;
}

export async function monitorTables(netnsPath: string, options: { readyTimeoutMs?: number } = {}) {
  const child: ChildProcess = spawn(NSENTER, [`--net=${netnsPath}`, '--', NFT, 'monitor', 'tables'], {
    stdio: ['ignore', 'pipe', 'ignore'],
  });
  // Every event in order; an injection's own ruleset deletes and re-adds its table in one batch, so
  // "deleted" means a deletion after the table's last addition.
  const events: { event: string; at: number }[] = [];
  const waiters = new Set<{ event: string; after: number; resolve: (at: number) => void }>();
  createInterface({ input: child.stdout! }).on('line', (line) => {
    const at = Date.now();
    const match = /^(add|delete) table inet (\S+)/.exec(line);
    if (!match) return;
    const event = `${match[1]} ${match[2]}`;
    events.push({ event, at });
    for (const waiter of waiters) {
      if (waiter.event === event && events.length - 1 > waiter.after) waiter.resolve(at);
    }
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
