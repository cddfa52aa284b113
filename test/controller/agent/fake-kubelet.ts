// What a kubelet's cgroupfs driver leaves on a node, for tests of the real agent and its production
// target resolver: under a throwaway cgroup root `ccf<hex>`, `kubepods/besteffort/pod<uid>/<id>` per
// container, holding a process that lives in a network namespace the test made. Root only.
import { type ChildProcess, spawn } from 'node:child_process';
import { randomBytes, randomUUID } from 'node:crypto';
import { statSync } from 'node:fs';
import { mkdir, readdir, readFile, rmdir, writeFile } from 'node:fs/promises';
import { setTimeout as sleep } from 'node:timers/promises';
import { findCgroup2Mounts } from '../../../controller/host/cgroup-v2.ts';
import type { Netns } from '../../support/netns.ts';
import { waitFor } from '../../support/wait.ts';

export interface FakeContainer {
  podUid: string;
  /** As in the pod's containerStatuses: `containerd://<64 hex>`. */
  containerID: string;
}

export interface FakeKubelet {
  /** The name for `chaoscraft agent --cgroup-root` and createPodTargetResolver's cgroupRoots. */
  cgroupRoot: string;
  /** A pod with one container whose process (`argv`, default a long sleep) lives in `netns`. */
  addContainer(netns: Netns, argv?: string[]): Promise<FakeContainer>;
  /** Stops the processes and removes the cgroups, deepest first. */
  remove(): Promise<void>;
}

export async function createFakeKubelet(): Promise<FakeKubelet> {
  const [mount] = await findCgroup2Mounts();
  if (!mount) throw new Error('no cgroup2 mount');
  const cgroupRoot = `ccf${randomBytes(4).toString('hex')}`;
  const top = `${mount.replace(/\/$/, '')}/${cgroupRoot}`;
  const qos = `${top}/kubepods/besteffort`;
  const containers: { dir: string; process: ChildProcess }[] = [];
  return {
    cgroupRoot,
    async addContainer(netns, argv = ['/bin/sleep', '600']) {
      const podUid = randomUUID();
      const id = randomBytes(32).toString('hex');
      const dir = `${qos}/pod${podUid}/${id}`;
      await mkdir(dir, { recursive: true });
      const process = spawn('/usr/bin/nsenter', [`--net=${netns.path}`, '--', ...argv], { stdio: 'ignore' });
      containers.push({ dir, process });
      await writeFile(`${dir}/cgroup.procs`, String(process.pid));
      // nsenter joins the namespace before it execs the command: wait until the process is really inside.
      const want = statSync(netns.path).ino;
      await waitFor({
        what: 'the container process in its namespace',
        timeoutMs: 5000,
        condition: () => {
          try {
            return statSync(`/proc/${process.pid}/ns/net`).ino === want;
          } catch {
            return false;
          }
        },
      });
      return { podUid, containerID: `containerd://${id}` };
    },
    async remove() {
      for (const { process } of containers) process.kill('SIGKILL');
      for (const { dir } of containers) {
        for (let attempt = 0; attempt < 100; attempt++) {
          if ((await readFile(`${dir}/cgroup.procs`, 'utf8').catch(() => '')).trim() === '') break;
          await sleep(20);
        }
      }
      const levels = [
        ...containers.map(({ dir }) => dir),
        ...containers.map(({ dir }) => dir.slice(0, dir.lastIndexOf('/'))),
        qos,
        `${top}/kubepods`,
        top,
      ];
      for (const level of levels) {
        const children = await readdir(level, { withFileTypes: true }).catch(() => []);
        if (children.some((entry) => entry.isDirectory())) continue;
        await rmdir(level).catch(() => {});
      }
    },
  };
}
