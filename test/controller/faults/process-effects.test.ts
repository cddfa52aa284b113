/**
 * Real effects of the stress and process faults on a throwaway cgroup (root only): CPU stress shows in the
 * target cgroup's cpu.stat, memory stress in its processes' RSS, kill and pause in /proc, freeze in
 * cgroup.events, and every figure returns to baseline after recovery.
 */
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { readFile } from 'node:fs/promises';
import { after, describe, test } from 'node:test';
import { createFaultRegistry } from '../../../controller/faults/registry.ts';
import { findTaggedStressProcesses } from '../../../controller/faults/stress.ts';
import { STRESS_TAG_ENV } from '../../../controller/faults/tags.ts';
import { readCgroupEffectivelyFrozen, readCpuUsageMicros } from '../../../controller/host/cgroup-v2.ts';
import { hasProgram } from '../../../controller/host/command.ts';
import { readProcessStat } from '../../../controller/host/proc.ts';
import { type CgroupFixture, cgroupUnavailableReason, createCgroupFixture } from './cgroup-fixture.ts';
import { newTag } from './conformance.ts';

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
const faults = createFaultRegistry();
const fixtures: CgroupFixture[] = [];
after(async () => {
  for (const fixture of fixtures) await fixture.kill();
});
async function fixture(options: { count?: number; argv?: string[] } = {}) {
  const created = await createCgroupFixture(options);
  fixtures.push(created);
  return created;
}

/** CPU time the cgroup used during `ms` of wall time. */
async function cpuUsedDuring(cgroupPath: string, ms: number): Promise<number> {
  const before = await readCpuUsageMicros({ cgroupPath });
  await sleep(ms);
  return (await readCpuUsageMicros({ cgroupPath })) - before;
}

/** Polls /proc until the process reaches `state` (signals are delivered asynchronously). */
async function waitForState(pid: number, state: string): Promise<string | undefined> {
  let seen: string | undefined;
  for (let attempt = 0; attempt < 100; attempt++) {
    seen = (await readProcessStat({ pid }))?.state;
    if (seen === state) break;
    await sleep(5);
  }
  return seen;
}

async function rssKiB(pid: number): Promise<number> {
  const status = await readFile(`/proc/${pid}/status`, 'utf8').catch(() => '');
  return Number(/^VmRSS:\s+([0-9]+) kB$/m.exec(status)?.[1] ?? 0);
}

const noStressNg = hasProgram('stress-ng')
  ? undefined
  : 'stress-ng is not installed (scripts/setup.sh installs it as root)';

describe('stress faults: real effects', { skip: cgroupUnavailableReason() ?? noStressNg }, () => {
  test('inject returns once a worker runs, so an inject again at once adopts the run', async () => {
    // stress-ng's environment area does not read as NAME=value for a few ms while it sets itself up,
    // before its first worker; an inject returning inside that window let the next one miss the tag.
    const { target, cgroupPath } = await fixture();
    for (let attempt = 0; attempt < 5; attempt++) {
      const tag = newTag();
      const record = await faults.cpuStress.inject({ target, params: { workers: 1, load: 10 }, tag });
      const tagged = await findTaggedStressProcesses({ cgroupPath, tag });
      assert.ok(
        tagged.some((ref) => ref.role === 'main') && tagged.some((ref) => ref.role === 'worker'),
        `attempt ${attempt}: right after inject, main and worker: ${JSON.stringify(tagged)}`,
      );
      await faults.cpuStress.inject({ target, params: { workers: 1, load: 10 }, tag });
      const mains = (await findTaggedStressProcesses({ cgroupPath, tag })).filter(
        (ref) => ref.role === 'main',
      );
      assert.equal(mains.length, 1, `attempt ${attempt}: one run after two injects`);
      await faults.cpuStress.recover({ target, record, tag });
    }
  });

  test('CPU stress raises the target cgroup usage_usec, runs only inside it, and stops on recovery', async () => {
    const { target, cgroupPath } = await fixture();
    const baseline = await cpuUsedDuring(cgroupPath, 300);
    assert.ok(baseline < 30_000, `idle baseline used ${baseline} us`);
    const tag = newTag();
    const record = await faults.cpuStress.inject({ target, params: { workers: 1, load: 100 }, tag });
    // Thresholds leave room for other test files sharing the CPUs: a fully loaded worker on an idle machine
    // uses ~600 ms here; an idle cgroup uses ~0.
    const during = await cpuUsedDuring(cgroupPath, 600);
    assert.ok(during > 150_000, `stress used only ${during} us of CPU in 600 ms`);
    const tagged = await findTaggedStressProcesses({ cgroupPath, tag });
    assert.ok(tagged.length >= 2, 'stress-ng main process and its worker');
    const relative = cgroupPath.replace(/^\/sys\/fs\/cgroup(\/unified)?/, '');
    for (const ref of tagged) {
      assert.match(await readFile(`/proc/${ref.pid}/cgroup`, 'utf8'), new RegExp(`^0::${relative}$`, 'm'));
    }
    await faults.cpuStress.recover({ target, record, tag });
    assert.deepEqual(await findTaggedStressProcesses({ cgroupPath, tag }), []);
    const afterwards = await cpuUsedDuring(cgroupPath, 300);
    assert.ok(afterwards < 30_000, `after recovery the cgroup still used ${afterwards} us`);
    assert.ok(
      await readProcessStat({ pid: target.processes![0]!.pid }),
      'the target process itself is untouched',
    );
  });

  test('memory stress holds the requested memory inside the target and releases it on recovery', async () => {
    const { target, cgroupPath } = await fixture();
    const tag = newTag();
    await faults.memoryStress.inject({ target, params: { size: '64Mi', workers: 1 }, tag });
    let heldKiB = 0;
    for (let attempt = 0; attempt < 100 && heldKiB < 60 * 1024; attempt++) {
      await sleep(30);
      heldKiB = 0;
      for (const ref of await findTaggedStressProcesses({ cgroupPath, tag }))
        heldKiB += await rssKiB(ref.pid);
    }
    assert.ok(heldKiB >= 60 * 1024, `stress processes hold only ${heldKiB} KiB`);
    await faults.memoryStress.recover({ target, tag });
    assert.deepEqual(await findTaggedStressProcesses({ cgroupPath, tag }), []);
  });
});

describe('finding tagged stress runs', { skip: cgroupUnavailableReason() }, () => {
  test("a child that still shows its parent's tag (forked, environment not yet rewritten) is a worker", async () => {
    const { cgroupPath } = await fixture();
    const tag = newTag();
    // A tagged shell in the cgroup with a child that inherits the environment unchanged, as a stress-ng
    // worker does for a moment after its fork.
    const shell = spawn(
      '/bin/sh',
      ['-c', 'echo $$ > "$1/cgroup.procs"; /bin/sleep 600 & wait', 'sh', cgroupPath],
      {
        stdio: 'ignore',
        env: { PATH: '/usr/bin:/bin', [STRESS_TAG_ENV]: tag },
      },
    );
    try {
      let found: Awaited<ReturnType<typeof findTaggedStressProcesses>> = [];
      for (let attempt = 0; attempt < 200 && found.length < 2; attempt++) {
        found = await findTaggedStressProcesses({ cgroupPath, tag });
        await sleep(10);
      }
      const roles = found.map((ref) => ref.role).sort();
      assert.deepEqual(roles, ['main', 'worker'], JSON.stringify(found));
      assert.equal(found.find((ref) => ref.role === 'main')?.pid, shell.pid, 'the shell is the main');
    } finally {
      shell.kill('SIGKILL');
    }
  });
});

describe('process faults: real effects', { skip: cgroupUnavailableReason() }, () => {
  const exitOf = (child: CgroupFixture['children'][number]) =>
    new Promise<string | null>((resolve) => {
      if (child.exitCode !== null || child.signalCode !== null) resolve(child.signalCode);
      else child.on('exit', (_code, signal) => resolve(signal));
    });

  test('processKill delivers the requested signal to every target process', async () => {
    const { target, children } = await fixture({ count: 2 });
    const record = await faults.processKill.inject({ target, params: { signal: 'SIGTERM' }, tag: newTag() });
    assert.deepEqual(await Promise.all(children.map(exitOf)), ['SIGTERM', 'SIGTERM']);
    assert.equal((record.details.signalled as unknown[]).length, 2);
  });

  test('processKill never signals a PID whose start time does not match (a recycled PID)', async () => {
    const { target, children } = await fixture();
    const real = target.processes![0]!;
    const stale = { ...target, processes: [{ pid: real.pid, startTime: real.startTime + 1 }] };
    const record = await faults.processKill.inject({ target: stale, params: {}, tag: newTag() });
    assert.deepEqual(record.details.signalled, []);
    await sleep(50);
    assert.equal(children[0]!.exitCode, null);
    assert.equal((await readProcessStat({ pid: real.pid }))?.startTime, real.startTime, 'still alive');
  });

  test('containerKill empties the cgroup', async () => {
    const { target, children, cgroupPath } = await fixture({ count: 3 });
    await faults.containerKill.inject({ target, params: {}, tag: newTag() });
    assert.deepEqual(await Promise.all(children.map(exitOf)), ['SIGKILL', 'SIGKILL', 'SIGKILL']);
    assert.equal((await readFile(`${cgroupPath}/cgroup.procs`, 'utf8')).trim(), '');
  });

  test('pause by signal stops the process (state T) and recovery continues it', async () => {
    const { target } = await fixture();
    const pid = target.processes![0]!.pid;
    const tag = newTag();
    const record = await faults.processPause.inject({ target, params: { method: 'signal' }, tag });
    assert.equal(await waitForState(pid, 'T'), 'T');
    assert.equal((await faults.processPause.verify({ target, tag })).present, true);
    await faults.processPause.recover({ target, record, tag });
    assert.equal(await waitForState(pid, 'S'), 'S');
    assert.equal((await faults.processPause.verify({ target, tag })).present, false);
  });

  test('pause by freezing stops a busy cgroup and recovery thaws it', async () => {
    const { target, cgroupPath } = await fixture({ argv: [process.execPath, '-e', 'for(;;){}'] });
    await sleep(100);
    // A busy loop uses ~300 ms in 300 ms alone; the bound leaves room for other tests sharing the CPUs.
    assert.ok((await cpuUsedDuring(cgroupPath, 300)) > 50_000, 'busy before');
    const tag = newTag();
    const record = await faults.processPause.inject({ target, params: { method: 'freeze' }, tag });
    let frozen = false;
    for (let attempt = 0; attempt < 100 && !frozen; attempt++) {
      frozen = (await readCgroupEffectivelyFrozen({ cgroupPath })) === true;
      if (!frozen) await sleep(10);
    }
    assert.equal(frozen, true, 'cgroup.events reports frozen 1');
    assert.ok((await cpuUsedDuring(cgroupPath, 300)) < 5_000, 'no CPU while frozen');
    await faults.processPause.recover({ target, record, tag });
    assert.equal(await readCgroupEffectivelyFrozen({ cgroupPath }), false);
    assert.ok((await cpuUsedDuring(cgroupPath, 300)) > 50_000, 'busy again after recovery');
  });
});
