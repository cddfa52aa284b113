// Pods as the node agent's production resolver finds them, without a kubelet: per pod a network
// namespace (test/support/netns.ts), a container cgroup laid out as the kubelet's cgroupfs driver
// does (<cgroup2>/<root>/kubepods/besteffort/pod<uid>/<64 hex>) under a throwaway root name, and a
// sleeping process in both. Root only. Everything is removed by `destroy()`.
import { type ChildProcess, spawn } from 'node:child_process';
import { randomBytes, randomUUID } from 'node:crypto';
import { readFileSync, statSync } from 'node:fs';
import { mkdir, readdir, readFile, rmdir, writeFile } from 'node:fs/promises';
import { createNetns, type Netns } from '../../support/netns.ts';
import { waitFor } from '../../support/wait.ts';

export interface FakePod {
  uid: string;
  /** As in the pod's containerStatuses. */
  containerID: string;
  netns: Netns;
}

export interface FakePods {
  /** The name to give the agent as `--cgroup-root`. */
  cgroupRoot: string;
  pods: FakePod[];
  destroy(): Promise<void>;
}

function cgroup2Mount(): string {
  for (const line of readFileSync('/proc/self/mountinfo', 'utf8').split('\n')) {
    const [before, after] = line.split(' - ');
    if (after?.startsWith('cgroup2 ')) return before!.split(' ')[4]!;
  }
  throw new Error('no cgroup2 mount');
}

export async function createFakePods(count: number): Promise<FakePods> {
  const cgroupRoot = `ccf${randomBytes(4).toString('hex')}`;
  const top = `${cgroup2Mount().replace(/\/$/, '')}/${cgroupRoot}`;
  const pods: FakePod[] = [];
  const sleepers: ChildProcess[] = [];
  const dirs: string[] = [];
  const destroy = async () => {
    for (const sleeper of sleepers) sleeper.kill('SIGKILL');
    for (const dir of dirs) {
      for (let attempt = 0; attempt < 100; attempt++) {
        if ((await readFile(`${dir}/cgroup.procs`, 'utf8').catch(() => '')).trim() === '') break;
        await new Promise((resolve) => setTimeout(resolve, 10));
      }
    }
    // Deepest first; a level with children left is kept.
    const levels = [...dirs, ...dirs.map((dir) => dir.slice(0, dir.lastIndexOf('/')))];
    levels.push(`${top}/kubepods/besteffort`, `${top}/kubepods`, top);
    for (const level of levels) await rmdir(level).catch(() => {});
    for (const pod of pods) await pod.netns.destroy();
  };
  try {
    for (let index = 0; index < count; index++) {
      const netns = await createNetns();
      const uid = randomUUID();
      const id = randomBytes(32).toString('hex');
      pods.push({ uid, containerID: `containerd://${id}`, netns });
      const dir = `${top}/kubepods/besteffort/pod${uid}/${id}`;
      await mkdir(dir, { recursive: true });
      dirs.push(dir);
      const sleeper = spawn('/usr/bin/nsenter', [`--net=${netns.path}`, '--', '/bin/sleep', '900'], {
        stdio: 'ignore',
      });
      sleepers.push(sleeper);
      await writeFile(`${dir}/cgroup.procs`, String(sleeper.pid));
      const inode = statSync(netns.path).ino;
      await waitFor({
        what: 'the container process inside its namespace',
        timeoutMs: 5000,
        intervalMs: 2,
        condition: () => {
          try {
            return statSync(`/proc/${sleeper.pid}/ns/net`).ino === inode;
          } catch {
            return false;
          }
        },
      });
    }
    // Sanity: the agent will find exactly these.
    const listed = (await readdir(`${top}/kubepods/besteffort`, { withFileTypes: true })).filter((entry) =>
      entry.isDirectory(),
    );
    if (listed.length !== count) throw new Error(`expected ${count} pod cgroups, found ${listed.length}`);
  } catch (error) {
    await destroy();
    throw error;
  }
  return { cgroupRoot, pods, destroy };
}
