// kill -9 of the controller process at every step boundary, then a restart: no target is ever
// hit twice and every run ends in the right terminal state. Failpoints make the controller
// SIGKILL itself exactly at a boundary (runtime/failpoints.ts).
import assert from 'node:assert/strict';
import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { type KubeApiServer, writeKubeconfigFile } from '../../support/kube-api-server/index.ts';
import {
  condition,
  experiment,
  finished,
  getExperiment,
  startCluster,
  waitForExperiment,
} from './harness.ts';

const root = join(import.meta.dirname, '../../..');
let server: KubeApiServer;
let dir: string;
let kubeconfig: string;

before(async () => {
  server = await startCluster({ replicas: 4 });
  dir = mkdtempSync(join(tmpdir(), 'chaoscraft-restart-'));
  kubeconfig = join(dir, 'kubeconfig');
  writeKubeconfigFile({ server, path: kubeconfig });
});
after(async () => {
  await server.close();
  rmSync(dir, { recursive: true, force: true });
});

function startProcess(failpoints?: string): {
  child: ChildProcess;
  exited: Promise<{ code: number | null; signal: string | null }>;
} {
  const child = spawn(
    process.execPath,
    [
      join(root, 'bin/chaoscraft.js'),
      'controller',
      '--kubeconfig',
      kubeconfig,
      '--leader-elect',
      'false',
      '--health-address',
      'off',
    ],
    { env: { ...process.env, CHAOSCRAFT_FAILPOINTS: failpoints ?? '' }, stdio: ['ignore', 'ignore', 'pipe'] },
  );
  let stderr = '';
  child.stderr?.on('data', (chunk) => {
    stderr += String(chunk);
  });
  const exited = new Promise<{ code: number | null; signal: string | null }>((resolve) =>
    child.on('exit', (code, signal) => {
      if (code) process.stderr.write(stderr);
      resolve({ code, signal });
    }),
  );
  return { child, exited };
}

async function within<T>(promise: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`timed out after ${ms} ms waiting for ${what}`)), ms);
  });
  try {
    return await Promise.race([promise, timeout]);
  } finally {
    clearTimeout(timer);
  }
}

/** Successful pod deletions so far, by pod name. */
function podDeletes(): string[] {
  return server.requestLog
    .filter((r) => r.verb === 'delete' && r.resource === 'pods' && r.status < 300)
    .map((r) => r.name!);
}

const boundaries: { failpoint: string; deleteMidRun?: boolean }[] = [
  { failpoint: 'experiment.after-finalizer=1' },
  { failpoint: 'experiment.after-status=1' }, // records written, nothing injected
  { failpoint: 'experiment.before-effects=1' }, // about to inject
  { failpoint: 'experiment.after-effects=1' }, // pods deleted, status not yet written
  { failpoint: 'experiment.after-status=2' }, // injected recorded
  { failpoint: 'experiment.after-status=3' }, // running
  { failpoint: 'experiment.after-effects=2' }, // recovered, status not yet written
  { failpoint: 'experiment.after-status=4' }, // recovered recorded
  { failpoint: 'experiment.after-effects=2', deleteMidRun: true }, // deletion: recovered, finalizer still on
];

for (const [index, { failpoint, deleteMidRun }] of boundaries.entries()) {
  test(`kill -9 at ${failpoint}${deleteMidRun ? ' during deletion' : ''}, restart: one kill per target, right end state`, async () => {
    const name = `restart-${index}`;
    const deletesBefore = podDeletes().length;
    const first = startProcess(failpoint);
    server.create(experiment(name, { mode: 'fixed', value: 2, duration: deleteMidRun ? '10m' : '1s' }));
    if (deleteMidRun) {
      await waitForExperiment(server, name, (o) => condition(o, 'Succeeded')?.reason === 'Running');
      server.delete({
        apiVersion: 'chaoscraft.io/v1alpha1',
        kind: 'ChaosExperiment',
        namespace: 'shop',
        name,
      });
    }
    const crash = await within(first.exited, 20_000, `the failpoint ${failpoint}`);
    assert.equal(crash.signal, 'SIGKILL', `the controller died at ${failpoint}`);

    const second = startProcess();
    try {
      if (deleteMidRun) {
        const deadline = Date.now() + 20_000;
        while (getExperiment(server, name) && Date.now() < deadline)
          await new Promise((r) => setTimeout(r, 25));
        assert.equal(getExperiment(server, name), undefined, 'the finalizer was released after recovery');
      } else {
        const done = await waitForExperiment(server, name, finished, 20_000);
        assert.equal(condition(done, 'Succeeded')?.status, 'True', JSON.stringify(done.status));
        const targets = done.status!.targets as { name: string; state: string }[];
        assert.equal(targets.length, 2);
        assert.ok(targets.every((t) => t.state === 'recovered'));
        const deleted = podDeletes().slice(deletesBefore);
        assert.deepEqual(
          deleted.sort(),
          targets.map((t) => t.name).sort(),
          'each target killed exactly once, nothing else',
        );
      }
    } finally {
      second.child.kill('SIGTERM');
      const stop = await within(second.exited, 20_000, 'a clean shutdown');
      assert.equal(stop.code, 0, 'SIGTERM ends the controller with exit code 0');
    }
  });
}
