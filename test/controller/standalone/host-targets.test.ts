// What a standalone selector matches on this host, read from /proc, /run and the cgroup v2 mount.
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import {
  cgroupRoot,
  findProcesses,
  findTargets,
  findUnitCgroup,
  systemdCgroup,
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

test("a systemd unit is the directory named after it in the slices under systemd's cgroup", async () => {
  const root = mkdtempSync(join(tmpdir(), 'ccsa-cgroup-'));
  after(() => rmSync(root, { recursive: true, force: true }));
  for (const dir of [
    'system.slice/nginx.service',
    'system.slice/app.slice/worker@2.service',
    'user.slice/user-1000.slice/session-3.scope',
    'not-a-slice/hidden.service',
    'machine/init.scope',
  ])
    mkdirSync(join(root, dir), { recursive: true });
  writeFileSync(join(root, 'system.slice/stopped.service'), 'a file, not a cgroup');
  const find = (unit: string, systemd = '/') => findUnitCgroup({ unit, root, systemd });
  assert.equal(await find('nginx.service'), '/system.slice/nginx.service');
  assert.equal(await find('worker@2.service'), '/system.slice/app.slice/worker@2.service');
  assert.equal(await find('session-3.scope'), '/user.slice/user-1000.slice/session-3.scope');
  // Only slices are walked, a unit that is not running has no directory, and names are names.
  assert.equal(await find('hidden.service'), undefined);
  assert.equal(await find('stopped.service'), undefined);
  assert.equal(await find('absent.service'), undefined);
  for (const bad of ['../nginx.service', 'system.slice/nginx.service', 'nginx', 'nginx.socket'])
    assert.equal(await find(bad), undefined, bad);
  // systemd in a container owns a sub-tree: units are looked for below it only.
  assert.equal(await find('nginx.service', '/user.slice'), undefined);
  assert.equal(await find('worker@2.service', '/system.slice'), '/system.slice/app.slice/worker@2.service');
});

const cgroupWritable = process.getuid?.() === 0 && (await cgroupRoot()) !== undefined;

test("selector.processes.systemdUnit selects the processes of the unit's cgroup; a unit not running is not found", {
  skip: !cgroupWritable && 'creates a cgroup under the cgroup v2 mount (root)',
}, async () => {
  const root = (await cgroupRoot())!;
  const systemd = await systemdCgroup();
  const id = randomBytes(4).toString('hex');
  const slice = `${systemd === '/' ? '' : systemd}/ccsa-${id}.slice`;
  const unit = `ccsa-${id}.service`;
  const unitDir = `${root}${slice}/${unit}`;
  mkdirSync(unitDir, { recursive: true });
  const before = readFileSync(`/proc/${sleeper.pid}/cgroup`, 'utf8').match(/^0::(.*)$/m)![1]!;
  const other = spawn('sleep', [String(700_000 + (randomBytes(2).readUInt16BE(0) % 99_999))], {
    stdio: 'ignore',
  });
  try {
    writeFileSync(`${unitDir}/cgroup.procs`, String(sleeper.pid));
    const found = await findProcesses({ systemdUnit: unit });
    assert.deepEqual(
      found.map((t) => t.candidate.pid),
      [sleeper.pid],
    );
    assert.equal(found[0]!.target.cgroupPath, unitDir);
    // Every field given must match: the unit and the name, the unit and a cgroup that holds it.
    assert.deepEqual(await findProcesses({ systemdUnit: unit, names: ['not-sleep'] }), []);
    assert.equal((await findProcesses({ systemdUnit: unit, cgroup: slice })).length, 1);
    assert.equal((await findProcesses({ systemdUnit: unit, commandPattern: pattern })).length, 1);
  } finally {
    // Back where it was, so the unit's cgroup can go.
    writeFileSync(`${root}${before === '/' ? '' : before}/cgroup.procs`, String(sleeper.pid));
    other.kill('SIGKILL');
    rmdirSync(unitDir);
  }
  await assert.rejects(findProcesses({ systemdUnit: unit }), (error) => {
    assert.ok(error instanceof TargetNotFoundError);
    assert.match(
      error.message,
      new RegExp(`^systemd unit ${unit} has no cgroup under .*: it is not running here$`),
    );
    return true;
  });
  rmdirSync(`${root}${slice}`);
  assert.equal(existsSync(`${root}${slice}`), false);
});
