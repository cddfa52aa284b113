/**
 * Standby deletes against real nftables (root only): an nftables fault leaves an `nft` waiting in its
 * namespace, its recovery runs through it, and a recovery never depends on it: a standby that died,
 * or one left in a namespace the path no longer names, is followed by the usual delete. A process
 * that goes away leaves its tables and no waiting nft behind.
 */
import assert from 'node:assert/strict';
import { execFile, spawn } from 'node:child_process';
import { existsSync, readdirSync, readFileSync, readlinkSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { after, describe, test } from 'node:test';
import { promisify } from 'node:util';
import { listTaggedTables, loadRuleset } from '../../../controller/faults/nft.ts';
import { buildRuleset } from '../../../controller/faults/nft-ruleset.ts';
import { STANDBY_LIMIT, standbyCount } from '../../../controller/faults/nft-standby.ts';
import { createFaultRegistry } from '../../../controller/faults/registry.ts';
import { hasProgram } from '../../../controller/host/command.ts';
import { createNetns, deleteNetns, type Netns, netnsUnavailableReason } from '../../support/netns.ts';
import { waitFor } from '../../support/wait.ts';
import { newTag } from './conformance.ts';

const skip =
  netnsUnavailableReason() ??
  (hasProgram('nft') ? undefined : 'nft is not installed (scripts/setup.sh installs it as root)');
const faults = createFaultRegistry();
const namespaces: Netns[] = [];
after(async () => {
  for (const netns of namespaces) await netns.destroy();
});

async function netns(name?: string): Promise<Netns> {
  const created = await createNetns(name ? { name } : {});
  namespaces.push(created);
  return created;
}

/** The sleep `ip netns exec` runs: itself once it has exec'd, else its first child. */
function childOf(pid: number): number | undefined {
  try {
    if (readFileSync(`/proc/${pid}/comm`, 'utf8').trim() === 'sleep') return pid;
    const children = readFileSync(`/proc/${pid}/task/${pid}/children`, 'utf8').trim().split(/\s+/);
    return children[0] ? Number(children[0]) : undefined;
  } catch {
    return undefined;
  }
}

/** The nft processes whose network namespace is the one `path` names now. */
function nftProcessesIn(path: string): number[] {
  const wanted = `net:[${statSync(path).ino}]`;
  const pids: number[] = [];
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      if (readFileSync(`/proc/${entry}/comm`, 'utf8').trim() !== 'nft') continue;
      if (readlinkSync(`/proc/${entry}/ns/net`) === wanted) pids.push(Number(entry));
    } catch {
      // Gone meanwhile.
    }
  }
  return pids;
}

const tablesIn = (path: string) => listTaggedTables({ netnsPath: path });
const params = { percent: 30 };

describe('nftables standby deletes', { skip }, () => {
  test('an injection leaves one nft waiting in its namespace; the recovery goes through it', async () => {
    const { path } = await netns();
    const tag = newTag();
    const target = { id: 'netns/standby', netnsPath: path };
    const before = standbyCount();
    const record = await faults.networkLoss.inject({ target, params, tag });
    assert.equal(standbyCount(), before + 1);
    const [waiting] = await waitFor({
      condition: () => nftProcessesIn(path).length === 1 && nftProcessesIn(path),
      what: 'the standby nft in the namespace',
    });
    assert.deepEqual(await tablesIn(path), [tag]);
    await faults.networkLoss.recover({ target, record, tag });
    assert.deepEqual(await tablesIn(path), [], 'the table is gone');
    assert.equal(standbyCount(), before);
    assert.deepEqual(nftProcessesIn(path), [], `the standby (${waiting}) ran and ended`);
  });

  test('a standby that died: the recovery deletes as usual', async () => {
    const { path } = await netns();
    const tag = newTag();
    const target = { id: 'netns/died', netnsPath: path };
    const record = await faults.networkLoss.inject({ target, params, tag });
    const [waiting] = await waitFor({
      condition: () => nftProcessesIn(path).length === 1 && nftProcessesIn(path),
      what: 'the standby nft in the namespace',
    });
    process.kill(waiting!, 'SIGKILL');
    await faults.networkLoss.recover({ target, record, tag });
    assert.deepEqual(await tablesIn(path), []);
  });

  test('a path that names another namespace by the recovery: the usual delete follows the standby', async () => {
    const first = await netns();
    const tag = newTag();
    const target = { id: 'netns/reused', netnsPath: first.path };
    const record = await faults.networkLoss.inject({ target, params, tag });
    // The namespace goes (the standby keeps it alive) and another takes its path, with the same table.
    await deleteNetns(first.name);
    const second = await netns(first.name);
    await loadRuleset({
      netnsPath: second.path,
      script: buildRuleset({
        tag,
        kind: 'networkLoss',
        scope: { direction: 'both', protocol: 'all' },
        action: { type: 'randomDrop', percent: 30 },
      }),
    });
    assert.deepEqual(await tablesIn(second.path), [tag]);
    await faults.networkLoss.recover({ target, record, tag });
    assert.deepEqual(await tablesIn(second.path), [], 'the table the path names now is gone too');
  });

  test(`at most ${STANDBY_LIMIT} stand by; recoveries beyond them delete as usual`, async () => {
    const { path } = await netns();
    const target = { id: 'netns/many', netnsPath: path };
    const before = standbyCount();
    const injected = [];
    for (let index = 0; index < STANDBY_LIMIT - before + 2; index++) {
      const tag = newTag();
      injected.push({ tag, record: await faults.networkLoss.inject({ target, params, tag }) });
    }
    assert.equal(standbyCount(), STANDBY_LIMIT);
    assert.equal((await tablesIn(path)).length, injected.length);
    // One after the other: so many nft commits at once into one namespace make each other start over
    // (a pod's faults are one table in its own namespace, and the agent bounds its node changes).
    for (const { tag, record } of injected) await faults.networkLoss.recover({ target, record, tag });
    assert.deepEqual(await tablesIn(path), []);
    assert.equal(standbyCount(), 0);
    await waitFor({ condition: () => nftProcessesIn(path).length === 0, what: 'every standby to end' });
  });

  test('a record path gone stale (the container restarted) still recovers, in the namespace the table is in', async () => {
    const { name, path } = await netns();
    // The record names the namespace through a process in it, as /proc/<pid>/ns/net of a container.
    const container = spawn('/usr/bin/ip', ['netns', 'exec', name, '/bin/sleep', '600'], { stdio: 'ignore' });
    try {
      const pid = await waitFor({
        condition: () => {
          const child = childOf(container.pid!);
          return (
            child !== undefined &&
            readlinkSync(`/proc/${child}/ns/net`) === `net:[${statSync(path).ino}]` &&
            child
          );
        },
        what: 'the process in the namespace',
      });
      const tag = newTag();
      const target = { id: 'pod/restarted', netnsPath: `/proc/${pid}/ns/net` };
      const record = await faults.networkLoss.inject({ target, params, tag });
      // The container restarts later than the standby takes to start (a few ms).
      await waitFor({ condition: () => nftProcessesIn(path).length === 1, what: 'the standby nft' });
      process.kill(pid, 'SIGKILL');
      await waitFor({ condition: () => !existsSync(`/proc/${pid}/ns/net`), what: 'the old path to go' });
      assert.deepEqual(await tablesIn(path), [tag], 'the namespace and the table outlive the process');
      await faults.networkLoss.recover({ target, record, tag });
      assert.deepEqual(await tablesIn(path), [], 'removed by the standby, which the stale path cannot reach');
    } finally {
      container.kill('SIGKILL');
    }
  });

  test('a table found in place (an agent that restarted) gets its standby when verified', async () => {
    const { path } = await netns();
    const tag = newTag();
    const target = { id: 'netns/continued', netnsPath: path };
    await loadRuleset({
      netnsPath: path,
      script: buildRuleset({
        tag,
        kind: 'networkLoss',
        scope: { direction: 'both', protocol: 'all' },
        action: { type: 'randomDrop', percent: 30 },
      }),
    });
    const before = standbyCount();
    assert.equal((await faults.networkLoss.verify({ target, tag })).present, true);
    assert.equal(standbyCount(), before + 1);
    await waitFor({ condition: () => nftProcessesIn(path).length === 1, what: 'the standby nft' });
    await faults.networkLoss.recover({ target, record: undefined, tag });
    assert.deepEqual(await tablesIn(path), []);
    assert.equal(standbyCount(), before);
  });

  test('a process that goes away leaves its table in place and no nft waiting', async () => {
    const { path } = await netns();
    const tag = newTag();
    const script = [
      `import { createFaultRegistry } from ${JSON.stringify(join(import.meta.dirname, '../../../controller/faults/registry.ts'))};`,
      `await createFaultRegistry().networkLoss.inject({ target: { id: 'netns/gone', netnsPath: ${JSON.stringify(path)} }, params: { percent: 30 }, tag: ${JSON.stringify(tag)} });`,
    ].join('\n');
    await promisify(execFile)(process.execPath, ['--input-type=module', '-e', script], { timeout: 20_000 });
    await waitFor({
      condition: () => nftProcessesIn(path).length === 0,
      what: 'the standby to end unreleased',
    });
    assert.deepEqual(await tablesIn(path), [tag], 'the fault stays for the next agent to find');
  });
});
