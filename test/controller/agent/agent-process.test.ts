// The real `bin/chaoscraft.js agent` process with the production target resolver: the test builds what a
// kubelet would (a container cgroup `<cgroup2>/<root>/kubepods/besteffort/pod<uid>/<id>` holding a process
// that lives in a network namespace the test created) and plays the controller by creating
// ChaosInjections. kill -9 (by failpoint and by plain SIGKILL) mid-injection, then a restart: the fault
// is continued, a change lost meanwhile is put back, and the change of an injection deleted while the agent
// was down is swept. SIGTERM exits 0 and leaves the fault in place. Root only.
import assert from 'node:assert/strict';
import { type ChildProcess, spawn } from 'node:child_process';
import { randomBytes, randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync, statSync } from 'node:fs';
import { mkdir, readdir, readFile, rmdir, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { findCgroup2Mounts } from '../../../controller/host/cgroup-v2.ts';
import { hasProgram } from '../../../controller/host/command.ts';
import { grantProcess } from '../../support/chaoscraft-rbac.ts';
import { type KubeApiServer, writeKubeconfigFile } from '../../support/kube-api-server/index.ts';
import { createNetns, exec, type Netns, netnsUnavailableReason } from '../../support/netns.ts';
import {
  condition,
  getInjection,
  injection,
  NAMESPACE,
  newTag,
  startServer,
  waitFor,
} from './agent-harness.ts';

const root = join(import.meta.dirname, '../../..');
const skipReason = netnsUnavailableReason() ?? (hasProgram('nft') ? undefined : 'nft is not installed');
const NODE = 'node-p';
const loss = { networkLoss: { percent: 100, interfaces: ['lo'] } };
const injectionAddress = (name: string) => ({
  apiVersion: 'chaoscraft.io/v1alpha1',
  kind: 'ChaosInjection',
  namespace: NAMESPACE,
  name,
});

/** A fake pod container as the kubelet's cgroupfs driver lays it out, under a throwaway cgroup root name. */
interface FakeContainer {
  cgroupRoot: string;
  podUid: string;
  containerID: string;
  remove(): Promise<void>;
}

async function createFakeContainer(netns: Netns): Promise<FakeContainer> {
  const [mount] = await findCgroup2Mounts();
  if (!mount) throw new Error('no cgroup2 mount');
  const cgroupRoot = `ccf${randomBytes(4).toString('hex')}`;
  const podUid = randomUUID();
  const id = randomBytes(32).toString('hex');
  const top = `${mount.replace(/\/$/, '')}/${cgroupRoot}`;
  const dir = `${top}/kubepods/besteffort/pod${podUid}/${id}`;
  await mkdir(dir, { recursive: true });
  const sleeper = spawn('/usr/bin/nsenter', [`--net=${netns.path}`, '--', '/bin/sleep', '600'], {
    stdio: 'ignore',
  });
  await writeFile(`${dir}/cgroup.procs`, String(sleeper.pid));
  // nsenter joins the namespace before it execs sleep: wait until the process is really inside.
  const want = statSync(netns.path).ino;
  await waitFor({
    what: 'the container process in its namespace',
    timeoutMs: 5000,
    check: () => statSync(`/proc/${sleeper.pid}/ns/net`).ino === want,
  });
  return {
    cgroupRoot,
    podUid,
    containerID: `containerd://${id}`,
    async remove() {
      sleeper.kill('SIGKILL');
      for (let attempt = 0; attempt < 100; attempt++) {
        if ((await readFile(`${dir}/cgroup.procs`, 'utf8').catch(() => '')).trim() === '') break;
        await new Promise((resolve) => setTimeout(resolve, 20));
      }
      // Deepest first: a cgroup directory can only be removed once it has no children.
      const levels = [
        dir,
        `${top}/kubepods/besteffort/pod${podUid}`,
        `${top}/kubepods/besteffort`,
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

async function hasTable(netns: Netns, tag: string): Promise<boolean> {
  const result = await exec({ argv: ['/usr/sbin/nft', 'list', 'tables'], netnsPath: netns.path });
  assert.equal(result.code, 0, result.stderr);
  return result.stdout.includes(`table inet chaoscraft_${tag}\n`);
}

interface AgentProcess {
  child: ChildProcess;
  exited: Promise<{ code: number | null; signal: string | null }>;
  output: () => string;
}

describe('agent process: kill -9, restart, sweep, SIGTERM', { skip: skipReason }, () => {
  let server: KubeApiServer;
  let netns: Netns;
  let container: FakeContainer;
  let dir: string;
  let kubeconfig: string;
  const running = new Set<ChildProcess>();

  before(async () => {
    server = await startServer();
    netns = await createNetns();
    container = await createFakeContainer(netns);
    dir = mkdtempSync(join(tmpdir(), 'chaoscraft-agent-'));
    kubeconfig = join(dir, 'kubeconfig');
    await grantProcess(server, 'agent');
    await writeKubeconfigFile({ server, path: kubeconfig, user: 'agent' });
  });

  after(async () => {
    for (const child of running) child.kill('SIGKILL');
    await server?.close();
    await container?.remove();
    await netns?.destroy();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  function startAgent(failpoints = ''): AgentProcess {
    const child = spawn(
      process.execPath,
      [
        join(root, 'bin/chaoscraft.js'),
        'agent',
        '--node',
        NODE,
        '--kubeconfig',
        kubeconfig,
        '--cgroup-root',
        container.cgroupRoot,
        '--controller-lease',
        'off',
        '--health-address',
        'off',
      ],
      { env: { ...process.env, CHAOSCRAFT_FAILPOINTS: failpoints }, stdio: ['ignore', 'pipe', 'pipe'] },
    );
    running.add(child);
    let output = '';
    child.stdout?.on('data', (chunk) => {
      output += String(chunk);
    });
    child.stderr?.on('data', (chunk) => {
      output += String(chunk);
    });
    const exited = new Promise<{ code: number | null; signal: string | null }>((resolve) =>
      child.on('exit', (code, signal) => {
        running.delete(child);
        resolve({ code, signal });
      }),
    );
    return { child, exited, output: () => output };
  }

  const create = (name: string, tag: string) =>
    server.create(
      injection({
        name,
        node: NODE,
        fault: loss,
        podUid: container.podUid,
        containerIDs: [container.containerID],
        deadlineMs: Date.now() + 120_000,
        tag,
      }),
    );

  const injectedTrue = (name: string) =>
    waitFor({
      what: `${name} Injected True`,
      timeoutMs: 15_000,
      check: () => {
        const current = getInjection(server, name);
        return condition(current, 'Injected')?.status === 'True' && current;
      },
    });

  const tagA = newTag();
  const tagB = newTag();

  test('killed right after applying (failpoint), the restarted agent finishes the injection', async () => {
    const first = startAgent('agent.after-inject=1');
    create('inj-a', tagA);
    const exit = await waitFor({
      what: 'the failpoint SIGKILL',
      timeoutMs: 15_000,
      check: () => first.exited,
    });
    assert.equal(exit.signal, 'SIGKILL', first.output());
    assert.ok(await hasTable(netns, tagA), 'the change was made before the kill');
    const killed = getInjection(server, 'inj-a');
    assert.deepEqual(
      killed?.metadata.finalizers,
      ['chaoscraft.io/agent-recover'],
      'finalizer before effects',
    );
    assert.equal(condition(killed, 'Injected'), undefined, 'the kill came before the status write');

    const second = startAgent();
    const done = await injectedTrue('inj-a');
    assert.equal(condition(done, 'Injected')?.reason, 'Injected');
    assert.ok(await hasTable(netns, tagA));
    second.child.kill('SIGKILL');
    await second.exited;
  });

  test('kill -9 with faults in place: restart continues one, restores its lost change, sweeps the deleted one', async () => {
    const agent = startAgent();
    create('inj-b', tagB);
    await injectedTrue('inj-b');
    assert.ok(await hasTable(netns, tagB));
    agent.child.kill('SIGKILL');
    assert.equal((await agent.exited).signal, 'SIGKILL');

    // While the agent is down: inj-b is deleted for good (its finalizer stripped, as `kubectl patch` would),
    // and inj-a's table vanishes from the node behind the agent's back.
    server.patch({ ...injectionAddress('inj-b'), patch: { metadata: { finalizers: null } } });
    server.delete(injectionAddress('inj-b'));
    assert.equal(getInjection(server, 'inj-b'), undefined);
    const removed = await exec({
      argv: ['/usr/sbin/nft', 'delete', 'table', 'inet', `chaoscraft_${tagA}`],
      netnsPath: netns.path,
    });
    assert.equal(removed.code, 0, removed.stderr);

    const restarted = startAgent();
    await waitFor({
      what: 'inj-b swept',
      timeoutMs: 15_000,
      check: async () => !(await hasTable(netns, tagB)),
    });
    await waitFor({ what: 'inj-a re-applied', timeoutMs: 15_000, check: () => hasTable(netns, tagA) });
    // The table is in place a moment before the agent has heard back from nft and logged it.
    await waitFor({
      what: 'the sweep and the continuation logged',
      timeoutMs: 15_000,
      check: () =>
        /removed a change no live injection owns/.test(restarted.output()) &&
        /"reapplied":true,"msg":"continued after restart"/.test(restarted.output()),
    });
    assert.equal(condition(getInjection(server, 'inj-a'), 'Recovered'), undefined, 'inj-a still runs');

    // SIGTERM: exit 0, the fault stays in place (it has a deadline; the next agent continues it).
    restarted.child.kill('SIGTERM');
    const exit = await waitFor({
      what: 'exit after SIGTERM',
      timeoutMs: 15_000,
      check: () => restarted.exited,
    });
    assert.equal(exit.code, 0, restarted.output());
    assert.ok(await hasTable(netns, tagA), 'SIGTERM leaves the fault in place');
    assert.deepEqual(getInjection(server, 'inj-a')?.metadata.finalizers, ['chaoscraft.io/agent-recover']);
  });

  test('deleting the injection makes a fresh agent recover and release it', async () => {
    const agent = startAgent();
    server.delete(injectionAddress('inj-a'));
    await waitFor({ what: 'inj-a released', timeoutMs: 15_000, check: () => !getInjection(server, 'inj-a') });
    assert.equal(await hasTable(netns, tagA), false);
    agent.child.kill('SIGTERM');
    const exit = await agent.exited;
    assert.equal(exit.code, 0, `${JSON.stringify(exit)} ${agent.output()}`);
  });
});
