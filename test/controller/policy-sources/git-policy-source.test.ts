// The Git policy source against a real smart-HTTP server (git http-backend) with a token: what is
// in force after valid, refused and unreachable polls, its metrics and problems, the bound on a
// poll, shutdown, and that the token appears nowhere.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp, readdir, rm } from 'node:fs/promises';
import { createServer, type Server, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { createControllerMetrics } from '../../../controller/observability/metrics.ts';
import { GitPolicySource } from '../../../controller/policy-sources/git-policy-source.ts';
import { FakeClock } from '../../../controller/runtime/clock.ts';
import type { RuntimeLogger } from '../../../controller/runtime/logger.ts';
import {
  createGitRepository,
  type GitHttpServer,
  startGitHttpServer,
  type TestGitRepository,
} from '../../support/git-http-server.ts';
import { waitFor } from '../../support/wait.ts';

const GIT_MISSING = spawnSync('git', ['--version']).status === 0 ? false : 'native git is not installed';
const TOKEN = 'ghs_policyToken_4c1d2e9f';

const policy = (name: string, spec: string) =>
  `apiVersion: chaoscraft.io/v1alpha1\nkind: ChaosPolicy\nmetadata:\n  name: ${name}\nspec:\n${spec}`;

function recordingLogger(lines: string[]): RuntimeLogger {
  const record =
    (level: string) =>
    (data: object, message = '') =>
      lines.push(`${level} ${message} ${JSON.stringify(data)}`);
  return { debug: record('debug'), info: record('info'), warn: record('warn'), error: record('error') };
}

async function gauge(metrics: ReturnType<typeof createControllerMetrics>, name: string): Promise<number> {
  const metric = (await metrics.registry.getMetricsAsJSON()).find((m) => m.name === name);
  return (metric?.values.find((v) => v.labels.source === 'git')?.value as number | undefined) ?? Number.NaN;
}

let workspace: string;
let repo: TestGitRepository;
let server: GitHttpServer;

describe('GitPolicySource over smart HTTP', { skip: GIT_MISSING }, () => {
  before(async () => {
    workspace = await mkdtemp(join(tmpdir(), 'chaoscraft-git-policies-'));
    repo = await createGitRepository({ root: join(workspace, 'served'), name: 'policies' });
    server = await startGitHttpServer({ root: join(workspace, 'served'), auth: { token: TOKEN } });
  });
  after(async () => {
    await server?.close();
    if (workspace) await rm(workspace, { recursive: true, force: true });
  });

  const source = (overrides: Partial<ConstructorParameters<typeof GitPolicySource>[0]> = {}) => {
    const logs: string[] = [];
    const metrics = createControllerMetrics();
    const changes: string[][] = [];
    const made = new GitPolicySource({
      url: `${server.url}/policies`,
      path: 'guardrails',
      token: async () => TOKEN,
      logger: recordingLogger(logs),
      metrics,
      workDir: workspace,
      ...overrides,
    });
    made.onChange(() => changes.push(made.policies().map((p) => p.name)));
    return { source: made, logs, metrics, changes };
  };

  test('valid commits replace the set; an unchanged branch is not downloaded again', async () => {
    await repo.writeFiles({
      files: {
        'guardrails/base.yaml': policy('base', '  deniedFaults: [podFailure]\n'),
        'experiments/x.yaml': policy('not-under-the-path', '  suspend: true\n'),
      },
    });
    const first = await repo.commit({ message: 'base policy' });
    const { source: s, metrics, changes } = source();
    await s.poll();
    assert.deepEqual(s.policies(), [{ name: 'git:base', spec: { deniedFaults: ['podFailure'] } }]);
    assert.deepEqual(s.problems(), []);
    assert.equal(await gauge(metrics, 'chaoscraft_policy_source_up'), 1);
    assert.equal(await gauge(metrics, 'chaoscraft_policy_source_policies'), 1);
    assert.ok((await gauge(metrics, 'chaoscraft_policy_source_last_success_timestamp_seconds')) > 1e9);
    assert.ok(
      server.requests.some((r) => r.user === 'x-access-token'),
      'authenticated with the token',
    );

    const [clone] = (await readdir(workspace)).filter((name) => name.startsWith('chaoscraft-git-policies-'));
    const packs = () => readdir(join(workspace, clone!, 'repository.git', 'objects', 'pack'));
    const before = await packs();
    await s.poll();
    assert.deepEqual(await packs(), before, 'the head did not move: nothing downloaded');
    assert.deepEqual(changes, [['git:base']], 'one change so far');

    await repo.writeFiles({ files: { 'guardrails/stop.yaml': policy('stop', '  suspend: true\n') } });
    await repo.commit({ message: 'kill switch' });
    await s.poll();
    assert.deepEqual(
      s.policies().map((p) => p.name),
      ['git:base', 'git:stop'],
    );
    assert.deepEqual(changes.at(-1), ['git:base', 'git:stop']);
    assert.ok(first);
  });

  test('a refused commit keeps the previous set, adds only its suspensions, and says why', async () => {
    await repo.writeFiles({
      files: {
        'guardrails/base.yaml': policy('base', '  deniedFaults: [podFailure]\n'),
        'guardrails/stop.yaml': '# nothing\n',
      },
    });
    await repo.commit({ message: 'no suspension' });
    const { source: s, metrics, changes } = source();
    await s.poll();
    assert.deepEqual(
      s.policies().map((p) => p.name),
      ['git:base'],
    );

    // Loosening (base removed) together with a broken file: nothing loosens.
    await repo.removeFiles({ paths: ['guardrails/base.yaml'] });
    await repo.writeFiles({ files: { 'guardrails/typo.yaml': policy('typo', '  supsend: true\n') } });
    const refused = await repo.commit({ message: 'broken' });
    await s.poll();
    assert.deepEqual(s.policies(), [{ name: 'git:base', spec: { deniedFaults: ['podFailure'] } }]);
    assert.equal(await gauge(metrics, 'chaoscraft_policy_source_refused'), 1);
    assert.equal(await gauge(metrics, 'chaoscraft_policy_source_up'), 1, 'reachable, only refused');
    const [problem, ...others] = s.problems();
    assert.deepEqual(others, []);
    assert.match(problem!, new RegExp(`commit ${refused.slice(0, 12)} refused: guardrails/typo\\.yaml:6:`));
    assert.match(problem!, /the 1 policy of commit [0-9a-f]{12} .* stay in force/);

    // Another broken commit, this time with a valid suspension: it is added, nothing is removed.
    await repo.writeFiles({ files: { 'guardrails/stop.yaml': policy('panic', '  suspend: true\n') } });
    await repo.commit({ message: 'broken, with a kill switch' });
    await s.poll();
    assert.deepEqual(
      s.policies().map((p) => p.name),
      ['git:base', 'git:panic'],
    );
    assert.match(s.problems()[0]!, /with the suspended git:panic of a refused commit/);

    // Still broken, suspension gone again: a refused commit never removes anything.
    await repo.writeFiles({ files: { 'guardrails/stop.yaml': '# calm\n' } });
    await repo.commit({ message: 'still broken' });
    await s.poll();
    assert.deepEqual(
      s.policies().map((p) => p.name),
      ['git:base', 'git:panic'],
    );

    // Fixed: the valid commit is taken whole, base removal included.
    await repo.removeFiles({ paths: ['guardrails/typo.yaml'] });
    await repo.commit({ message: 'fixed' });
    await s.poll();
    assert.deepEqual(s.policies(), []);
    assert.deepEqual(s.problems(), []);
    assert.equal(await gauge(metrics, 'chaoscraft_policy_source_refused'), 0);
    assert.deepEqual(changes, [['git:base'], ['git:base', 'git:panic'], []]);
  });

  test('unreachable: the last set stays, up is 0, problems say since when and why, no token anywhere', async () => {
    await repo.writeFiles({ files: { 'guardrails/stop.yaml': policy('stop', '  suspend: true\n') } });
    await repo.commit({ message: 'kill switch' });
    const other = await startGitHttpServer({ root: join(workspace, 'served'), auth: { token: TOKEN } });
    const { source: s, metrics, logs } = source({ url: `${other.url}/policies` });
    await s.poll();
    assert.equal(await gauge(metrics, 'chaoscraft_policy_source_up'), 1);
    await other.close();
    await s.poll();
    await s.poll();
    const logged = logs.filter((l) => l.includes('unreachable')).length;
    await s.poll();
    assert.deepEqual(
      s.policies().map((p) => p.name),
      ['git:stop'],
      'the suspension stays in force during the outage',
    );
    assert.equal(await gauge(metrics, 'chaoscraft_policy_source_up'), 0);
    const [problem] = s.problems();
    assert.match(
      problem!,
      new RegExp(
        `^Git policy source ${other.url}/policies \\(branch main\\) unreachable since \\d{4}-\\d\\d-\\d\\dT[^ ]+Z: cannot fetch`,
      ),
    );
    assert.match(problem!, /the 1 policy of commit [0-9a-f]{12} .*stay in force/);
    assert.equal(logged, 1, 'logged when the outage starts');
    assert.equal(logs.filter((l) => l.includes('unreachable')).length, 1, 'not again on every poll');
    for (const text of [...logs, ...s.problems()]) assert.ok(!text.includes(TOKEN), text);
  });

  test('never reached: no Git policy, and a wrong token is named without being shown', async () => {
    const { source: s, logs, metrics } = source({ token: async () => `${TOKEN}-wrong` });
    await s.poll();
    assert.deepEqual(s.policies(), []);
    assert.equal(await gauge(metrics, 'chaoscraft_policy_source_up'), 0);
    const [problem] = s.problems();
    assert.match(problem!, /never reached, 1 attempt\(s\)\): the git server at .* refused the credentials/);
    assert.match(problem!, /no Git policy is in force, only the cluster’s ChaosPolicies apply/);
    for (const text of [...logs, ...s.problems()]) assert.ok(!text.includes(TOKEN), text);
  });

  test('a server that never answers: the poll ends at the fetch timeout, the next one does not pile up', async () => {
    const sockets = new Set<Socket>();
    let closedByClient = 0;
    const silent: Server = createServer((socket) => {
      sockets.add(socket);
      socket.resume(); // read (and drop) the request, so that the client's close is seen
      socket.on('close', () => closedByClient++);
    });
    await new Promise<void>((resolve) => silent.listen(0, '127.0.0.1', resolve));
    const port = (silent.address() as { port: number }).port;
    try {
      const { source: s } = source({ url: `http://127.0.0.1:${port}/policies`, fetchTimeoutMs: 300 });
      const started = performance.now();
      await s.poll();
      const took = performance.now() - started;
      assert.ok(took < 3000, `bounded: ${took} ms`);
      assert.match(s.problems()[0]!, /no answer within 0\.3 s/);
      assert.ok(s.hasSynced(), 'a failed first attempt still counts as synced');
      // Aborted at the timeout, not dropped by some idle timeout of the HTTP agent later on.
      await waitFor({
        condition: () => closedByClient === 1,
        what: 'the abandoned request to be aborted',
        timeoutMs: 1500,
      });
      await s.poll();
      assert.equal(sockets.size, 2, 'one connection per poll, none left hanging in between');
      assert.equal(s.problems().length, 1);
    } finally {
      for (const socket of sockets) socket.destroy();
      silent.close();
    }
  });

  test('run polls on its interval and removes its clone when stopped', async () => {
    await repo.writeFiles({ files: { 'guardrails/stop.yaml': policy('stop', '  suspend: true\n') } });
    await repo.commit({ message: 'kill switch' });
    const clock = new FakeClock({ startMs: Date.now() });
    const workDir = await mkdtemp(join(workspace, 'run-'));
    const { source: s } = source({ clock, workDir, pollIntervalMs: 10_000 });
    const stop = new AbortController();
    const running = s.run({ signal: stop.signal });
    assert.equal(await s.waitForSync({}), true);
    assert.deepEqual(
      s.policies().map((p) => p.name),
      ['git:stop'],
    );
    assert.equal((await readdir(workDir)).length, 1, 'one clone folder while running');

    await repo.writeFiles({ files: { 'guardrails/stop.yaml': '# calm\n' } });
    await repo.commit({ message: 'lift' });
    const gets = () => server.requests.filter((r) => r.method === 'GET').length;
    const before = gets();
    await clock.advance(9_000);
    assert.equal(gets(), before, 'no poll before the interval');
    await clock.advance(1_000);
    for (let i = 0; i < 500 && s.policies().length > 0; i++) await new Promise((r) => setTimeout(r, 10));
    assert.deepEqual(s.policies(), [], 'the next poll saw the lift');

    stop.abort();
    await running;
    assert.deepEqual(await readdir(workDir), [], 'the clone is removed on stop');
    assert.ok(existsSync(workDir));
  });

  test('a plain http URL to another machine is refused', () => {
    assert.throws(() => new GitPolicySource({ url: 'http://git.example.com/policies' }), /https only/);
    assert.throws(
      () => new GitPolicySource({ url: `https://user:${TOKEN}@git.example.com/p` }),
      (error: Error) => error.message.includes('carries credentials') && !error.message.includes(TOKEN),
    );
  });
});
