/**
 * Traffic-control operations in a target's network namespace: listing root qdiscs and interfaces, and
 * applying a batch of `tc` commands with one `tc -batch -` call. Our root qdiscs carry a major handle derived
 * from the injection tag (see tags.ts), which is how recovery and the leftover sweep recognise them.
 */

import { runChecked, runCommand } from '../host/command.ts';
import { FaultError } from './errors.ts';
import { INTERFACE_NAME_PATTERN } from './network-scope.ts';
import { namespaceAlive } from './nft.ts';

export interface RootQdisc {
  interfaceName: string;
  kind: string;
  /** e.g. `0:` for the kernel's default qdisc, `d1f3:` for one of ours. */
  handle: string;
}

interface TcQdiscJson {
  kind?: string;
  handle?: string;
  dev?: string;
  root?: boolean;
}

/** Default qdiscs the kernel attaches by itself; replacing them loses nothing and deleting ours restores them. */
const DEFAULT_QDISC_HANDLE = '0:';

export async function listRootQdiscs(options: { netnsPath?: string }): Promise<RootQdisc[]> {
  if (!namespaceAlive(options)) return [];
  const result = await runChecked({
    program: 'tc',
    args: ['-j', 'qdisc', 'show'],
    netnsPath: options.netnsPath,
  });
  const parsed = JSON.parse(result.stdout || '[]') as TcQdiscJson[];
  return parsed
    .filter((qdisc) => qdisc.root === true && typeof qdisc.dev === 'string')
    .map((qdisc) => ({ interfaceName: qdisc.dev!, kind: String(qdisc.kind), handle: String(qdisc.handle) }));
}

/** Every interface in the namespace except loopback, the default set a tc fault applies to. */
export async function listNonLoopbackInterfaces(options: { netnsPath?: string }): Promise<string[]> {
  const result = await runChecked({
    program: 'ip',
    args: ['-j', 'link', 'show'],
    netnsPath: options.netnsPath,
  });
  const links = JSON.parse(result.stdout || '[]') as Array<{ ifname?: string; link_type?: string }>;
  return links
    .filter((link) => typeof link.ifname === 'string' && link.link_type !== 'loopback')
    .map((link) => link.ifname!)
    .filter((name) => INTERFACE_NAME_PATTERN.test(name));
}

/** Runs several tc commands (each an argv without `tc`) in one process; all lines are checked first. */
export async function runTcBatch(options: {
  netnsPath?: string;
  commands: string[][];
  /** Keep going after a failed line (for cleanup); by default the batch stops at the first error. */
  force?: boolean;
}): Promise<{ stderr: string; ok: boolean }> {
  const lines = options.commands.map((argv) => {
    for (const word of argv) {
      // Batch lines are split on whitespace by tc, so each word must be one plain token.
      if (!/^[A-Za-z0-9_.:%-]{1,64}$/.test(word)) {
        throw new FaultError({
          code: 'UnsafeArgument',
          message: 'refusing to put an unsafe word into a tc batch',
        });
      }
    }
    return argv.join(' ');
  });
  if (lines.length === 0) return { stderr: '', ok: true };
  const result = await runCommand({
    program: 'tc',
    args: options.force ? ['-force', '-batch', '-'] : ['-batch', '-'],
    netnsPath: options.netnsPath,
    stdin: `${lines.join('\n')}\n`,
  });
  return { stderr: result.stderr, ok: result.exitCode === 0 };
}

/** Whether a root qdisc is the kernel default (handle `0:`), which we may replace. */
export function isDefaultQdisc(qdisc: RootQdisc): boolean {
  return qdisc.handle === DEFAULT_QDISC_HANDLE;
}
