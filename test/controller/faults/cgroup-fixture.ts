/**
 * Test fixture: a throwaway cgroup v2 directory (`ccf<id>` under the cgroup2 mount) holding one or more
 * long-sleeping processes, used as a fault target. `kill()` ends the processes and removes the cgroup.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import { mkdir, readFile, rmdir, writeFile } from 'node:fs/promises';
import type { Target } from '../../../controller/faults/fault.ts';
import { findCgroup2Mounts, setCgroupFrozen } from '../../../controller/host/cgroup-v2.ts';
import { readProcessStat } from '../../../controller/host/proc.ts';

export function cgroupUnavailableReason(): string | undefined {
  if (process.getuid?.() !== 0) return 'needs root to create cgroups and signal processes';
  return undefined;
}

export interface CgroupFixture {
  cgroupPath: string;
  children: ChildProcess[];
  target: Target;
  /** Kills the processes and removes the cgroup (the target "dies"). Safe to call twice. */
  kill(): Promise<void>;
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** A cgroup with `count` processes running `argv` (default: `sleep 600`). */
export async function createCgroupFixture(
  options: { count?: number; argv?: string[] } = {},
): Promise<CgroupFixture> {
  const mounts = await findCgroup2Mounts();
  if (mounts.length === 0) throw new Error('no cgroup2 mount on this machine');
  const cgroupPath = `${mounts[0]!.replace(/\/$/, '')}/ccf${randomBytes(4).toString('hex')}`;
  await mkdir(cgroupPath);
  const argv = options.argv ?? ['/bin/sleep', '600'];
  const children: ChildProcess[] = [];
  const processes = [];
  for (let index = 0; index < (options.count ?? 1); index++) {
    const child = spawn(argv[0]!, argv.slice(1), { stdio: 'ignore' });
    children.push(child);
    await writeFile(`${cgroupPath}/cgroup.procs`, String(child.pid));
    const stat = await readProcessStat({ pid: child.pid! });
    processes.push({ pid: child.pid!, startTime: stat!.startTime });
  }
  const kill = async () => {
    if (!existsSync(cgroupPath)) return;
    await setCgroupFrozen({ cgroupPath, frozen: false });
    // cgroup.kill SIGKILLs everything in the tree at once (kernel >= 5.14), including stray stress workers.
    await writeFile(`${cgroupPath}/cgroup.kill`, '1').catch(() => {});
    for (const child of children) child.kill('SIGKILL');
    for (let attempt = 0; attempt < 200; attempt++) {
      const procs = await readFile(`${cgroupPath}/cgroup.procs`, 'utf8').catch(() => '');
      if (procs.trim() === '') break;
      await sleep(10);
    }
    await rmdir(cgroupPath).catch(() => {});
  };
  return { cgroupPath, children, target: { id: `cgroup/${cgroupPath}`, cgroupPath, processes }, kill };
}
