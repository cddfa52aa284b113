/** /proc parsing: stat lines with hostile command names, cgroup files in v1, v2 and hybrid form. */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { findCgroup2Mounts, parseCgroup2Mounts } from '../../../controller/host/cgroup-v2.ts';
import {
  isSameProcess,
  netnsPathOf,
  parseProcCgroup,
  parseProcStat,
  readProcessCgroups,
  readProcessStat,
} from '../../../controller/host/proc.ts';

/** A real stat line (fields 3..52) with a given pid, comm and start time. */
function statLine(pid: number, comm: string, startTime: number): string {
  const after = [
    'S',
    '1',
    String(pid),
    String(pid),
    '0',
    '-1',
    '4194560',
    '1074',
    '0',
    '0',
    '0',
    '2',
    '1',
    '0',
    '0',
    '20',
    '0',
    '1',
    '0',
    String(startTime),
    '2420736',
    '211',
  ];
  return `${pid} (${comm}) ${after.join(' ')} 18446744073709551615 0 0 0 0 0 0 0 0 0 0 0 0 17 1 0 0 0 0 0\n`;
}

describe('/proc/PID/stat', () => {
  test('reads state, ppid and start time (field 22) after the last ")"', () => {
    assert.deepEqual(parseProcStat(statLine(4242, 'sleep', 987654)), {
      pid: 4242,
      comm: 'sleep',
      state: 'S',
      ppid: 1,
      startTime: 987654,
    });
  });

  test('a command name with spaces and parentheses does not shift the fields', () => {
    const parsed = parseProcStat(statLine(7, 'evil) R 1 2 (x', 31337));
    assert.equal(parsed.comm, 'evil) R 1 2 (x');
    assert.equal(parsed.startTime, 31337);
    assert.equal(parsed.state, 'S');
  });

  test('garbage is refused', () => {
    assert.throws(() => parseProcStat('not a stat line'), SyntaxError);
    assert.throws(() => parseProcStat('12 (x) S'), SyntaxError);
  });

  test('this process reads back with a stable start time; a different start time is not the same process', async () => {
    const stat = await readProcessStat({ pid: process.pid });
    assert.equal(stat?.pid, process.pid);
    assert.ok(await isSameProcess({ pid: process.pid, startTime: stat!.startTime }));
    assert.equal(await isSameProcess({ pid: process.pid, startTime: stat!.startTime + 1 }), false);
    assert.equal(await readProcessStat({ pid: 4_194_000 }), undefined, 'a PID that does not exist');
    assert.equal(netnsPathOf({ pid: 12 }), '/proc/12/ns/net');
    assert.throws(() => netnsPathOf({ pid: 0 }), RangeError);
  });
});

describe('/proc/PID/cgroup', () => {
  test('cgroup v2 only (containerd, systemd driver)', () => {
    const text =
      '0::/kubepods.slice/kubepods-burstable.slice/kubepods-burstable-pod3f2a_b1.slice/cri-containerd-abc.scope\n';
    assert.deepEqual(parseProcCgroup(text), {
      unified:
        '/kubepods.slice/kubepods-burstable.slice/kubepods-burstable-pod3f2a_b1.slice/cri-containerd-abc.scope',
      v1: {},
    });
  });

  test('hybrid (v1 controllers plus the unified line), as on this build machine', () => {
    const text =
      '12:memory:/kubepods/besteffort/podx/abc\n4:cpu,cpuacct:/kubepods/besteffort/podx/abc\n1:name=systemd:/kubepods/besteffort/podx/abc\n0::/\n';
    const parsed = parseProcCgroup(text);
    assert.equal(parsed.unified, '/');
    assert.equal(parsed.v1['cpu,cpuacct'], '/kubepods/besteffort/podx/abc');
    assert.equal(parsed.v1['name=systemd'], '/kubepods/besteffort/podx/abc');
  });

  test('reads this process and finds the cgroup2 mount', async () => {
    const cgroups = await readProcessCgroups({ pid: process.pid });
    assert.equal(typeof cgroups?.unified, 'string');
    const mounts = await findCgroup2Mounts();
    assert.ok(mounts.length >= 1);
    assert.deepEqual(
      parseCgroup2Mounts(
        '35 25 0:30 / /sys/fs/cgroup rw,nosuid shared:9 - cgroup2 cgroup2 rw,nsdelegate\n36 25 0:31 / /sys/fs/cgroup/cpu rw - cgroup cgroup rw,cpu\n',
      ),
      ['/sys/fs/cgroup'],
    );
  });
});
