// What a standalone selector matches on this host, read from /proc, /run and the cgroup v2 mount.
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { rmSync, writeFileSync } from 'node:fs';
import { after, test } from 'node:test';
import {
  findProcesses,
  findTargets,
  TargetNotFoundError,
} from '../../../controller/standalone/host-targets.ts';

const sleeper = spawn('sleep', [String(800_000 + (randomBytes(2).readUInt16BE(0) % 99_999))], {
  stdio: 'ignore',
});
const pattern = `^sleep ${sleeper.spawnargs[1]}$`;
after(() => sleeper.kill('SIGKILL'));

test('every field given must match: name and command line', async () => {
  const both = await findProcesses({ names: ['sleep'], commandPattern: pattern });
  assert.deepEqual(
    both.map((t) => t.candidate),
    [{ kind: 'Process', name: `sleep-${sleeper.pid}`, pid: sleeper.pid }],
  );
  assert.equal(both[0]!.target.processes![0]!.pid, sleeper.pid);
  assert.ok(both[0]!.process!.startTime > 0);
  assert.deepEqual(await findProcesses({ names: ['not-sleep'], commandPattern: pattern }), []);
});

test('init, the runner and the processes that started it are never targets', async () => {
  const everything = await findProcesses({ commandPattern: '.' });
  const pids = new Set(everything.map((t) => t.candidate.pid));
  for (const pid of [1, process.pid, process.ppid]) assert.equal(pids.has(pid), false, `PID ${pid}`);
  assert.ok(pids.has(sleeper.pid!));
});

test('a PID file names one process; a missing one, a missing cgroup or network namespace is a sentence', {
  skip: process.getuid?.() !== 0 && 'writes a PID file under /run',
}, async () => {
  const file = `/run/ccsa${randomBytes(4).toString('hex')}.pid`;
  writeFileSync(file, `${sleeper.pid}\n`);
  try {
    const found = await findProcesses({ pidFile: file });
    assert.deepEqual(
      found.map((t) => t.candidate.pid),
      [sleeper.pid],
    );
  } finally {
    rmSync(file);
  }
  await assert.rejects(findProcesses({ pidFile: file }), (error) => {
    assert.ok(error instanceof TargetNotFoundError);
    assert.match(error.message, /^PID file \/run\/ccsa[0-9a-f]+\.pid cannot be read \(ENOENT\)$/);
    return true;
  });
  await assert.rejects(
    findProcesses({ cgroup: '/ccsa-no-such-cgroup' }),
    /cgroup \/ccsa-no-such-cgroup does not exist under/,
  );
  await assert.rejects(
    findTargets({ netns: ['ccsanosuchns'] }),
    /network namespace ccsanosuchns does not exist/,
  );
});
