// Standalone crash safety with real network namespaces (root): the runner is killed with SIGKILL at
// every failpoint and started again; every fault is then continued or recovered, never doubled, and a
// one-shot fault is never applied twice. SIGTERM recovers everything; a `suspend: true` committed to
// the repository stops a running experiment within a poll.
import assert from 'node:assert/strict';
import { after, describe, test } from 'node:test';
import { failpointsInCode } from '../manager/restart-harness.ts';
import {
  createNetns,
  experiment,
  isRoot,
  killFault,
  lossFault,
  makeRepo,
  onceArgs,
  sleeperSelector,
  startRunner,
  startSleeper,
  type TestNetns,
} from './harness.ts';

const cleanups: (() => void)[] = [];
after(() => {
  for (const cleanup of cleanups.reverse()) cleanup();
});

/** Samples the namespace's tagged tables until `done` settles; returns the most seen at once. */
async function watchTables(netns: TestNetns, done: Promise<unknown>): Promise<number> {
  let most = 0;
  let finished = false;
  void done.finally(() => {
    finished = true;
  });
  while (!finished) {
    most = Math.max(most, (await netns.tables()).length);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  return most;
}

const skip = !isRoot && 'needs root for network namespaces and nftables';

/** The standalone runner's failpoints, read from the code: one added tomorrow is crashed at tomorrow. */
const standaloneFailpoints = [...failpointsInCode().keys()].filter((name) => name.startsWith('standalone.'));

describe('standalone restart safety', { skip }, () => {
  test('the runner has failpoints to crash at', () => {
    assert.deepEqual(standaloneFailpoints.sort(), [
      'standalone.after-inject',
      'standalone.after-recover',
      'standalone.before-inject',
    ]);
  });
  for (const failpoint of standaloneFailpoints) {
    test(`network loss, kill -9 at ${failpoint}: continued or recovered after the restart, never doubled`, async () => {
      const netns = createNetns();
      cleanups.push(netns.remove);
      const repo = makeRepo({
        'loss.yaml': experiment({
          name: 'loss',
          selector: `    netns: [${netns.name}]`,
          fault: lossFault,
          duration: '2s',
        }),
      });
      cleanups.push(repo.remove);
      const args = onceArgs(repo);
      const first = startRunner({ args, env: { CHAOSCRAFT_FAILPOINTS: `${failpoint}=1` } });
      const firstMost = watchTables(netns, first.exited);
      assert.equal((await first.exited).signal, 'SIGKILL', first.output());
      const second = startRunner({ args });
      const most = Math.max(await firstMost, await watchTables(netns, second.exited));
      const { code } = await second.exited;
      assert.equal(code, 0, second.output());
      assert.match(second.output(), /default\/loss {2}PASSED Completed/);
      assert.ok(most <= 1, `at most one table at a time, saw ${most}`);
      assert.deepEqual(await netns.tables(), [], 'nothing is left behind');
    });
  }

  test('process kill, kill -9 after the attempt was recorded and before the signal: never sent after the restart', async () => {
    const sleeper = startSleeper();
    cleanups.push(() => sleeper.child.kill('SIGKILL'));
    const repo = makeRepo({
      'kill.yaml': experiment({
        name: 'kill',
        selector: sleeperSelector(sleeper),
        fault: killFault,
        duration: '1s',
      }),
    });
    cleanups.push(repo.remove);
    const args = onceArgs(repo);
    const first = startRunner({ args, env: { CHAOSCRAFT_FAILPOINTS: 'standalone.before-inject=1' } });
    assert.equal((await first.exited).signal, 'SIGKILL');
    const second = startRunner({ args });
    assert.equal((await second.exited).code, 1, second.output());
    assert.match(second.output(), /a one-shot fault is never applied twice/);
    assert.equal(sleeper.alive(), true, 'the signal was never sent');
  });

  test('process kill, kill -9 after the signal: the run goes on to Completed without a second signal', async () => {
    const sleeper = startSleeper();
    cleanups.push(() => sleeper.child.kill('SIGKILL'));
    const repo = makeRepo({
      'kill.yaml': experiment({
        name: 'kill',
        selector: sleeperSelector(sleeper),
        fault: killFault,
        duration: '1s',
      }),
    });
    cleanups.push(repo.remove);
    const args = onceArgs(repo);
    const first = startRunner({ args, env: { CHAOSCRAFT_FAILPOINTS: 'standalone.after-inject=1' } });
    assert.equal((await first.exited).signal, 'SIGKILL');
    assert.equal(sleeper.alive(), false);
    const second = startRunner({ args });
    assert.equal((await second.exited).code, 0, second.output());
    assert.match(second.output(), /default\/kill {2}PASSED Completed: 1 target\(s\) hit/);
  });

  test('SIGTERM recovers every fault, ends the run Aborted and exits', async () => {
    const netns = createNetns();
    cleanups.push(netns.remove);
    const repo = makeRepo({
      'loss.yaml': experiment({
        name: 'loss',
        selector: `    netns: [${netns.name}]`,
        fault: lossFault,
        duration: '5m',
      }),
    });
    cleanups.push(repo.remove);
    const runner = startRunner({
      args: ['--repo', repo.repo, '--state-dir', repo.stateDir, '--interval', '1s'],
    });
    await runner.waitFor(/default\/loss {2}Running/);
    assert.equal((await netns.tables()).length, 1);
    runner.child.kill('SIGTERM');
    const { code } = await runner.exited;
    assert.equal(code, 1, runner.output());
    assert.match(runner.output(), /aborting: chaoscraft standalone was stopped; every fault is recovered/);
    assert.match(runner.output(), /default\/loss {2}FAILED Aborted/);
    assert.deepEqual(await netns.tables(), []);
  });

  test('a ChaosPolicy with suspend: true committed to the repository stops a running experiment within a poll', async () => {
    const netns = createNetns();
    cleanups.push(netns.remove);
    const repo = makeRepo({
      'loss.yaml': experiment({
        name: 'loss',
        selector: `    netns: [${netns.name}]`,
        fault: lossFault,
        duration: '5m',
      }),
    });
    cleanups.push(repo.remove);
    const runner = startRunner({
      args: onceArgs(repo),
    });
    await runner.waitFor(/default\/loss {2}Running/);
    assert.equal((await netns.tables()).length, 1);
    const committed = Date.now();
    repo.commit(
      {
        'policy.yaml':
          'apiVersion: chaoscraft.io/v1alpha1\nkind: ChaosPolicy\nmetadata:\n  name: stop\nspec:\n  suspend: true\n',
      },
      'Kill switch',
    );
    await runner.waitFor(/Recovering: aborting: guardrail suspend: ChaosPolicy stop is suspended/, 10_000);
    const { code } = await runner.exited;
    assert.ok(Date.now() - committed < 5_000, 'stopped within a few polls of one second');
    assert.equal(code, 1);
    assert.deepEqual(await netns.tables(), []);
  });
});
