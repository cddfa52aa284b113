/** Resolving pod + container to a Target against a real cgroup v2 tree laid out like a kubelet node (root). */
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdir, rmdir, writeFile } from 'node:fs/promises';
import { test } from 'node:test';
import {
  resolveContainerTarget,
  TargetNotFoundError,
} from '../../../../controller/agent/node/resolve-target.ts';
import { findCgroup2Mounts } from '../../../../controller/host/cgroup-v2.ts';

const uid = '0f1e2d3c-4b5a-4968-8776-a5b4c3d2e1f0';
const id = 'c0ffee00112233445566778899aabbccddeeff00112233445566778899aabbcc';

test('finds the container cgroup, its processes with start times, and their network namespace', async (t) => {
  if (process.getuid?.() !== 0) return t.skip('needs root to create cgroups');
  const [mount] = await findCgroup2Mounts();
  if (!mount) return t.skip('no cgroup2 mount on this machine');
  // A private root under the real mount stands in for the node's /sys/fs/cgroup.
  const root = `${mount.replace(/\/$/, '')}/ccf${randomBytes(4).toString('hex')}`;
  const dirs = [
    root,
    `${root}/kubepods`,
    `${root}/kubepods/burstable`,
    `${root}/kubepods/burstable/pod${uid}`,
  ];
  const leaf = `${dirs[3]}/${id}`;
  for (const dir of [...dirs, leaf]) await mkdir(dir);
  const child = spawn('/bin/sleep', ['30'], { stdio: 'ignore' });
  try {
    await writeFile(`${leaf}/cgroup.procs`, String(child.pid));
    const target = await resolveContainerTarget({
      mounts: [root],
      podUid: uid,
      containerStatusId: `containerd://${id}`,
    });
    assert.equal(target.cgroupPath, leaf);
    assert.equal(target.processes?.length, 1);
    assert.equal(target.processes?.[0]?.pid, child.pid);
    assert.ok((target.processes?.[0]?.startTime ?? 0) > 0);
    assert.equal(target.netnsPath, `/proc/${child.pid}/ns/net`);
    await assert.rejects(
      resolveContainerTarget({
        mounts: [root],
        podUid: uid,
        containerStatusId: `containerd://${'d'.repeat(64)}`,
      }),
      TargetNotFoundError,
    );
  } finally {
    child.kill('SIGKILL');
    await new Promise((resolve) => child.on('exit', resolve));
    for (let attempt = 0; attempt < 50; attempt++) {
      try {
        await rmdir(leaf);
        break;
      } catch {
        await new Promise((resolve) => setTimeout(resolve, 10));
      }
    }
    for (const dir of dirs.reverse()) await rmdir(dir).catch(() => {});
  }
});
