// `chaoscraft standalone` end to end through bin/chaoscraft.js: a run, its reports and git note; one
// clear message for each bad input while the valid experiments still run; the state lock.
import assert from 'node:assert/strict';
import { chmodSync, existsSync, readFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { join } from 'node:path';
import { after, describe, test } from 'node:test';
import { createGitRepository, startGitHttpServer } from '../../support/git-http-server.ts';
import {
  createNetns,
  experiment,
  git,
  isRoot,
  killFault,
  lossFault,
  makeRepo,
  onceArgs,
  sleeperSelector,
  startRunner,
  startSleeper,
} from './harness.ts';

const cleanups: (() => void)[] = [];
after(() => {
  for (const cleanup of cleanups.reverse()) cleanup();
});

async function closedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  await new Promise((resolve) => server.close(resolve));
  return port;
}

describe('chaoscraft standalone', () => {
  test('a process kill runs once from the repository: progress, verdict, Markdown and JSON reports, a git note', async () => {
    const sleeper = startSleeper();
    cleanups.push(() => sleeper.child.kill('SIGKILL'));
    const repo = makeRepo({
      'chaos/kill.yaml': experiment({
        name: 'kill-sleeper',
        selector: sleeperSelector(sleeper),
        fault: killFault,
        duration: '1s',
      }),
    });
    cleanups.push(repo.remove);
    const head = git(repo.repo, ['rev-parse', 'HEAD']).trim();
    const runner = startRunner({
      args: [
        '--repo',
        repo.repo,
        '--path',
        'chaos',
        '--state-dir',
        repo.stateDir,
        '--interval',
        '1s',
        '--once',
      ],
    });
    const { code } = await runner.exited;
    assert.equal(code, 0, runner.output());
    assert.equal(sleeper.alive(), false, 'the target was killed');
    assert.match(runner.output(), /default\/kill-sleeper {2}Running/);
    assert.match(runner.output(), /default\/kill-sleeper {2}PASSED Completed/);
    const json = JSON.parse(
      readFileSync(join(repo.stateDir, 'reports/default_kill-sleeper-g1.json'), 'utf8'),
    );
    assert.equal(json.verdict, 'Passed');
    assert.equal(json.revision, head);
    assert.equal(json.status.targets[0].state, 'recovered');
    assert.match(
      readFileSync(join(repo.stateDir, 'reports/default_kill-sleeper-g1.md'), 'utf8'),
      /kill-sleeper/,
    );
    const note = git(repo.repo, ['notes', '--ref=chaoscraft', 'show', head]);
    assert.match(note, /default\/kill-sleeper \(generation 1\): Passed \(Completed\)/);
    // A second --once on the same state: a finished run never runs again for the same spec.
    const again = startRunner({
      args: [
        '--repo',
        repo.repo,
        '--path',
        'chaos',
        '--state-dir',
        repo.stateDir,
        '--interval',
        '1s',
        '--once',
      ],
    });
    assert.equal((await again.exited).code, 0);
    assert.doesNotMatch(again.output(), /Injecting/);
  });

  test('a repository read over http from a Git server: cloned into the state directory, the run goes through, no git note', async () => {
    const sleeper = startSleeper();
    cleanups.push(() => sleeper.child.kill('SIGKILL'));
    const workspace = makeRepo({ 'x.yaml': 'a: 1\n' });
    cleanups.push(workspace.remove);
    const served = await createGitRepository({ root: workspace.dir, name: 'chaos' });
    await served.writeFiles({
      files: {
        'kill.yaml': experiment({
          name: 'over-http',
          selector: sleeperSelector(sleeper),
          fault: killFault,
          duration: '1s',
        }),
      },
    });
    await served.commit({ message: 'an experiment' });
    const server = await startGitHttpServer({ root: workspace.dir });
    cleanups.push(() => void server.close());
    const runner = startRunner({
      args: [
        '--repo',
        `${server.url}/chaos`,
        '--state-dir',
        workspace.stateDir,
        '--interval',
        '1s',
        '--once',
      ],
    });
    assert.equal((await runner.exited).code, 0, runner.output());
    assert.match(runner.output(), /default\/over-http {2}PASSED Completed/);
    assert.doesNotMatch(runner.output(), /git note/);
    assert.equal(sleeper.alive(), false);
  });

  test('an invalid manifest and a target not found are each one message; the valid experiment still runs', async () => {
    const sleeper = startSleeper();
    cleanups.push(() => sleeper.child.kill('SIGKILL'));
    const repo = makeRepo({
      'a-typo.yaml': experiment({
        name: 'typo',
        selector: '    processes:\n      nmes: [x]',
        fault: killFault,
        duration: '1s',
      }),
      'b-missing.yaml': experiment({
        name: 'missing-pid-file',
        selector: '    processes:\n      pidFile: /run/ccsa-test-does-not-exist.pid',
        fault: killFault,
        duration: '1s',
      }),
      'c-pods.yaml': experiment({
        name: 'pods-here',
        selector: '    labelSelector:\n      matchLabels: { app: web }',
        fault: killFault,
        duration: '1s',
      }),
      'd-good.yaml': experiment({
        name: 'good',
        selector: sleeperSelector(sleeper),
        fault: killFault,
        duration: '1s',
      }),
    });
    cleanups.push(repo.remove);
    const runner = startRunner({
      args: onceArgs(repo),
    });
    const { code } = await runner.exited;
    const output = runner.output();
    assert.equal(code, 1, output);
    assert.equal(
      output.match(
        /invalid manifest, skipped: a-typo.yaml:8: spec.selector.processes.nmes: unknown field "nmes"; did you mean "names"\?/g,
      )?.length,
      1,
      output,
    );
    assert.match(
      output,
      /default\/missing-pid-file {2}FAILED TargetNotFound: target not found: PID file \/run\/ccsa-test-does-not-exist.pid cannot be read \(ENOENT\)/,
    );
    assert.match(
      output,
      /default\/pods-here {2}FAILED InvalidSpec: spec.selector.labelSelector selects pods, which standalone mode does not have/,
    );
    assert.match(output, /default\/good {2}PASSED Completed/);
    assert.equal(sleeper.alive(), false);
  });

  test('--once never waits for a guardrail to lift: a suspended run is named, nothing is touched, exit 1', async () => {
    const sleeper = startSleeper();
    cleanups.push(() => sleeper.child.kill('SIGKILL'));
    const repo = makeRepo({
      'policy.yaml':
        'apiVersion: chaoscraft.io/v1alpha1\nkind: ChaosPolicy\nmetadata:\n  name: freeze\nspec:\n  suspend: true\n',
      'kill.yaml': experiment({
        name: 'held',
        selector: sleeperSelector(sleeper),
        fault: killFault,
        duration: '1s',
      }),
    });
    cleanups.push(repo.remove);
    const runner = startRunner({
      args: onceArgs(repo),
    });
    const exit = await Promise.race([
      runner.exited,
      new Promise<undefined>((resolve) => setTimeout(() => resolve(undefined), 30_000).unref()),
    ]);
    assert.ok(exit, `--once still running after 30 s:\n${runner.output()}`);
    const output = runner.output();
    assert.equal(exit.code, 1, output);
    assert.match(
      output,
      /default\/held {2}not started: Suspended: .*--once does not wait for a guardrail to lift/,
      output,
    );
    assert.equal(sleeper.alive(), true, 'the suspended run touched nothing');
  });

  test('a bad repository URL, an unreachable repository and a missing folder: one message each, exit 2', async () => {
    const bad = startRunner({ args: ['--repo', 'ftp://example.com/x.git', '--once'] });
    assert.equal((await bad.exited).code, 2);
    assert.equal(
      bad.output().trim().split('\n')[0],
      'chaoscraft standalone: --repo ftp:// is not supported; give a local path or an https:// URL',
    );
    const plain = startRunner({ args: ['--repo', 'http://example.com/chaos.git', '--once'] });
    assert.equal((await plain.exited).code, 2);
    assert.match(
      plain.output(),
      /experiments are read over https only \(plain http only from this machine\), not from example.com/,
    );
    const port = await closedPort();
    const repo = makeRepo({ 'x.yaml': 'a: 1\n' });
    cleanups.push(repo.remove);
    const unreachable = startRunner({
      args: ['--repo', `http://127.0.0.1:${port}/repo.git`, '--state-dir', repo.stateDir, '--once'],
    });
    assert.equal((await unreachable.exited).code, 2);
    assert.match(
      unreachable.output(),
      /chaoscraft standalone: cannot read the repository http:\/\/127.0.0.1:\d+\/repo.git: /,
    );
    const missing = startRunner({ args: ['--repo', join(repo.dir, 'nope'), '--once'] });
    assert.equal((await missing.exited).code, 2);
    assert.match(missing.output(), /--repo .*nope: no such folder/);
    const notGit = startRunner({
      args: ['--repo', repo.stateDir.replace(/state$/, ''), '--state-dir', repo.stateDir, '--once'],
    });
    assert.equal((await notGit.exited).code, 2, notGit.output());
    assert.match(notGit.output(), /cannot read the repository|has no branch main/);
  });

  test('a second runner on the same state directory refuses to start', async () => {
    const repo = makeRepo({ 'x.yaml': 'a: 1\n' });
    cleanups.push(repo.remove);
    const first = startRunner({
      args: ['--repo', repo.repo, '--state-dir', repo.stateDir, '--interval', '1s'],
    });
    cleanups.push(() => first.child.kill('SIGKILL'));
    await first.waitFor(/read .* main at [0-9a-f]{12}/);
    const second = startRunner({ args: ['--repo', repo.repo, '--state-dir', repo.stateDir, '--once'] });
    assert.equal((await second.exited).code, 3);
    assert.match(second.output(), /another chaoscraft standalone \(PID \d+\) uses the state directory/);
    first.child.kill('SIGTERM');
    assert.equal((await first.exited).code, 0);
    assert.equal(existsSync(join(repo.stateDir, 'lock')), false, 'the lock is released on exit');
  });

  test('without root, a network fault is refused in one sentence', {
    skip: !isRoot && 'needs root to run a child as another user',
  }, async () => {
    const repo = makeRepo({
      'loss.yaml': experiment({
        name: 'loss',
        selector: '    netns: [ccsanothere]',
        fault: lossFault,
        duration: '1s',
      }),
    });
    cleanups.push(repo.remove);
    for (const path of [repo.dir, repo.repo]) chmodSync(path, 0o777);
    const runner = startRunner({
      args: [
        '--repo',
        repo.repo,
        '--state-dir',
        join(repo.dir, 'nobody-state'),
        '--interval',
        '1s',
        '--once',
      ],
      uid: 65534,
      env: { HOME: repo.dir },
    });
    const { code } = await runner.exited;
    assert.equal(code, 1, runner.output());
    assert.match(runner.output(), /not root: network faults and stress are refused/);
    assert.match(
      runner.output(),
      /default\/loss {2}FAILED TargetNotFound: target not found: networkLoss needs root/,
    );
  });

  test('a network namespace that does not exist is named', { skip: !isRoot && 'needs root' }, async () => {
    const netns = createNetns();
    cleanups.push(netns.remove);
    const repo = makeRepo({
      'loss.yaml': experiment({
        name: 'loss',
        selector: `    netns: [${netns.name}, ccsagone]`,
        fault: lossFault,
        duration: '1s',
      }),
    });
    cleanups.push(repo.remove);
    const runner = startRunner({
      args: onceArgs(repo),
    });
    assert.equal((await runner.exited).code, 1);
    assert.match(
      runner.output(),
      /target not found: network namespace ccsagone does not exist \(no \/run\/netns\/ccsagone\)/,
    );
    assert.deepEqual(await netns.tables(), []);
  });
});
