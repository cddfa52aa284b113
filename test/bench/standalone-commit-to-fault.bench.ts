// standalone-commit-to-fault: a ChaosExperiment committed to the Git repository that
// `chaoscraft standalone --interval 1s` follows → its fault in place on the host. The runner is the
// real bin/chaoscraft.js; the fault is 100% packet loss in a ccsa network namespace, and "in place"
// means its nft table is there (polled every 10 ms). Each round commits a new experiment of one
// second, waits for its table, then for the run to end and the table to go.
//
// Measured on the wall clock from the end of `git commit` (the branch has moved) to the first sight
// of the table. Where the commit falls in the 1 s poll cycle is not controlled, so rounds spread over
// roughly 0–1 s plus reading, admission and injection; the headline is the p50. Root only.
import { type ChildProcess, execFileSync, spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { listTaggedTables } from '../../controller/faults/nft.ts';
import { hasProgram } from '../../controller/host/command.ts';
import { type Benchmark, type Figure, round } from './harness.ts';

const goalMs = 1200;
const bin = join(import.meta.dirname, '../../bin/chaoscraft.js');
const gitEnv = {
  ...process.env,
  GIT_AUTHOR_NAME: 'bench',
  GIT_AUTHOR_EMAIL: 'bench@example.invalid',
  GIT_COMMITTER_NAME: 'bench',
  GIT_COMMITTER_EMAIL: 'bench@example.invalid',
};

function git(dir: string, args: string[]): void {
  execFileSync('git', ['-C', dir, ...args], { env: gitEnv, stdio: 'ignore' });
}

function percentile(sorted: readonly number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))]!;
}

async function until(check: () => Promise<boolean>, timeoutMs: number, what: string): Promise<number> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (await check()) return Date.now();
    await sleep(10);
  }
  throw new Error(`no ${what} within ${timeoutMs} ms`);
}

const benchmark: Benchmark = {
  id: 'standalone-commit-to-fault',
  description:
    'a ChaosExperiment committed to the repository chaoscraft standalone polls every 1 s -> its fault applied',
  async run({ log, quick, sizes }) {
    if (process.getuid?.() !== 0 || !hasProgram('nft') || !hasProgram('ip')) {
      log('standalone-commit-to-fault skipped: needs root, ip and nft (network namespaces, nftables)');
      return [];
    }
    const rounds = quick ? 3 : 15;
    sizes({ rounds, pollIntervalMs: 1000 });
    const netns = `ccsa${randomBytes(4).toString('hex')}`;
    const netnsPath = `/run/netns/${netns}`;
    const workspace = mkdtempSync(join(tmpdir(), 'ccsa-bench-'));
    const repo = join(workspace, 'repo');
    mkdirSync(repo);
    let runner: ChildProcess | undefined;
    execFileSync('/usr/sbin/ip', ['netns', 'add', netns]);
    try {
      git(repo, ['init', '-q', '-b', 'main']);
      writeFileSync(join(repo, 'README.md'), 'bench\n');
      git(repo, ['add', '.']);
      git(repo, ['commit', '-q', '-m', 'start']);
      runner = spawn(
        process.execPath,
        [bin, 'standalone', '--repo', repo, '--state-dir', join(workspace, 'state'), '--interval', '1s'],
        { stdio: 'ignore', env: { ...process.env, CI: '1' } },
      );
      await sleep(1500);
      const tables = async () => (await listTaggedTables({ netnsPath })).length;
      const times: number[] = [];
      for (let index = 0; index < rounds; index++) {
        writeFileSync(
          join(repo, `loss-${index}.yaml`),
          `apiVersion: chaoscraft.io/v1alpha1\nkind: ChaosExperiment\nmetadata:\n  name: loss-${index}\nspec:\n  selector:\n    netns: [${netns}]\n  faults:\n    - networkLoss: { percent: 100 }\n  duration: 1s\n`,
        );
        git(repo, ['add', '.']);
        git(repo, ['commit', '-q', '-m', `loss ${index}`]);
        const committed = Date.now();
        const applied = await until(async () => (await tables()) > 0, 10_000, 'nft table');
        times.push(applied - committed);
        log(`round ${index}: commit -> fault applied ${applied - committed} ms`);
        await until(async () => (await tables()) === 0, 15_000, 'recovery');
        // A random spot in the next poll cycle.
        await sleep(Math.floor(Math.random() * 1000));
      }
      const sorted = [...times].sort((a, b) => a - b);
      const p50 = percentile(sorted, 50);
      const figure = (name: string, value: number, unit: string, goal: string | null = null): Figure => ({
        id: 'standalone-commit-to-fault',
        figure: name,
        value: round(value, 0),
        unit,
        baseline: null,
        ratio: null,
        goal,
        met: goal ? value <= goalMs : null,
      });
      return [
        figure('headline', p50, `ms (p50 of ${times.length} rounds, poll 1 s)`, `<= ${goalMs} ms`),
        figure('p90 commit -> fault applied', percentile(sorted, 90), 'ms'),
        figure('worst commit -> fault applied', sorted.at(-1)!, 'ms'),
        figure('best commit -> fault applied', sorted[0]!, 'ms'),
        figure('rounds', times.length, 'count'),
      ];
    } finally {
      if (runner && runner.exitCode === null) {
        const exited = new Promise((resolve) => runner!.once('exit', resolve));
        runner.kill('SIGTERM');
        await Promise.race([exited, sleep(10_000)]);
      }
      execFileSync('/usr/sbin/ip', ['netns', 'del', netns], { stdio: 'ignore' });
      rmSync(workspace, { recursive: true, force: true });
    }
  },
};

export default benchmark;
