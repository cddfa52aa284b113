// `make demo`: ChaosCraft's whole loop on this machine, in about a minute. It starts a small HTTP
// service under a supervisor, builds a temporary Git repository from examples/standalone/, and runs
// `chaoscraft standalone --once` on it: a process kill the supervisor heals, CPU stress in the
// service's cgroup, and packet loss in its network namespace that breaks the health check, so the
// run aborts and recovers at once. Everything it starts or changes is removed before it exits; the
// repository and the reports are kept for reading.
import { type ChildProcess, execFileSync, spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmdirSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { run } from '../controller/cli/main.ts';
import { findCgroup2Mounts } from '../controller/host/cgroup-v2.ts';

const root = process.getuid?.() === 0;
const plain = !process.stdout.isTTY || Boolean(process.env.CI);
const say = (text: string) => process.stdout.write(plain ? `\n== ${text}\n` : `\n\x1b[1m== ${text}\x1b[0m\n`);
const io = { stdout: (t: string) => process.stdout.write(t), stderr: (t: string) => process.stderr.write(t) };
const repoRoot = join(import.meta.dirname, '..');
const id = `ccsa${randomBytes(3).toString('hex')}`;
const cleanups: (() => void)[] = [];
let cgroupDir = '';
let cleanedUp = true;

function ip(args: string[]): void {
  execFileSync('/usr/sbin/ip', args, { stdio: 'pipe' });
}

function git(dir: string, args: string[]): string {
  return execFileSync('git', ['-C', dir, ...args], {
    encoding: 'utf8',
    env: {
      ...process.env,
      GIT_AUTHOR_NAME: 'ChaosCraft demo',
      GIT_AUTHOR_EMAIL: 'demo@chaoscraft.invalid',
      GIT_COMMITTER_NAME: 'ChaosCraft demo',
      GIT_COMMITTER_EMAIL: 'demo@chaoscraft.invalid',
    },
  });
}

async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  await new Promise((resolve) => server.close(resolve));
  return port;
}

async function waitHealthy(url: string): Promise<void> {
  for (let attempt = 0; attempt < 100; attempt++) {
    try {
      if ((await fetch(url, { signal: AbortSignal.timeout(500) })).ok) return;
    } catch {
      // Not up yet.
    }
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  throw new Error(`the demo service did not answer at ${url}`);
}

/** With root: a network namespace joined to the host by a veth pair, and a cgroup. Returns the address. */
async function prepareHost(): Promise<string> {
  const mount = (await findCgroup2Mounts()).find(
    (m) => m === '/sys/fs/cgroup' || m === '/sys/fs/cgroup/unified',
  );
  if (!mount) throw new Error('this machine has no cgroup v2 mount under /sys/fs/cgroup');
  const octet = 16 + (randomBytes(1)[0]! % 200);
  ip(['netns', 'add', id]);
  cleanups.push(() => ip(['netns', 'del', id]));
  ip(['link', 'add', `${id}h`, 'type', 'veth', 'peer', 'name', 'eth0', 'netns', id]);
  ip(['addr', 'add', `10.231.${octet}.1/30`, 'dev', `${id}h`]);
  ip(['link', 'set', `${id}h`, 'up']);
  ip(['-n', id, 'addr', 'add', `10.231.${octet}.2/30`, 'dev', 'eth0']);
  ip(['-n', id, 'link', 'set', 'eth0', 'up']);
  ip(['-n', id, 'link', 'set', 'lo', 'up']);
  cgroupDir = `${mount}/${id}`;
  mkdirSync(cgroupDir);
  cleanups.push(() => rmdirSync(cgroupDir));
  return `10.231.${octet}.2`;
}

function startSupervisor(port: number, host: string): ChildProcess {
  const argv = [join(repoRoot, 'scripts/demo/supervisor.ts'), '--port', String(port), '--host', host];
  if (root) argv.push('--cgroup', cgroupDir, '--netns', id);
  const child = spawn(process.execPath, argv, { stdio: ['ignore', 'ignore', 'inherit'] });
  cleanups.push(() => {
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGTERM');
  });
  return child;
}

/** examples/standalone/ with this run's port, address, namespace and cgroup written in. */
function buildRepo(options: { port: number; host: string }): { dir: string; files: string[] } {
  const dir = mkdtempSync(join(tmpdir(), 'chaoscraft-demo-'));
  const repo = join(dir, 'repo');
  mkdirSync(repo);
  git(repo, ['init', '-q', '-b', 'main']);
  const source = join(repoRoot, 'examples/standalone');
  const files = readdirSync(source).filter(
    (f) => f.endsWith('.yaml') && (root || !/cpu-stress|packet-loss/.test(f)),
  );
  for (const file of files) {
    const text = readFileSync(join(source, file), 'utf8')
      .replaceAll('18080', String(options.port))
      .replaceAll('127.0.0.1', options.host)
      .replaceAll('ccsademo', id);
    writeFileSync(join(repo, file), text);
  }
  git(repo, ['add', '.']);
  git(repo, ['commit', '-q', '-m', 'Chaos experiments for the demo service']);
  return { dir, files };
}

async function stopSupervisor(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise((resolve) => child.once('exit', resolve));
  child.kill('SIGTERM');
  await Promise.race([exited, new Promise((resolve) => setTimeout(resolve, 3000))]);
  if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
}

let exitCode = 0;
let supervisor: ChildProcess | undefined;
let runnerStarted = false;
let cleaning: Promise<void> | undefined;

/** Stops the service and removes what the demo made; once, however often it is asked. */
function cleanUp(): Promise<void> {
  cleaning ??= (async () => {
    if (supervisor) await stopSupervisor(supervisor);
    for (const cleanup of cleanups.reverse()) {
      try {
        cleanup();
      } catch (error) {
        cleanedUp = false;
        process.stderr.write(`demo: cleanup: ${(error as Error).message}\n`);
      }
    }
  })();
  return cleaning;
}

// Ctrl-C before the experiments start still removes what was made; once they run, the runner
// handles it (recovering every fault first) and the demo cleans up after it.
const onInterrupt = () => {
  if (runnerStarted) return;
  void cleanUp().then(() => process.exit(130));
};
process.on('SIGINT', onInterrupt);
process.on('SIGTERM', onInterrupt);
try {
  say('ChaosCraft standalone: experiments from a Git repository, run on this machine');
  const port = await freePort();
  const host = root ? await prepareHost() : '127.0.0.1';
  supervisor = startSupervisor(port, host);
  await waitHealthy(`http://${host}:${port}/health`);
  process.stdout.write(
    `A demo service answers on http://${host}:${port}/health (and /metrics), kept running by a supervisor` +
      `${root ? `, in network namespace ${id} and cgroup /${id}` : ''}.\n`,
  );
  if (!root) {
    process.stdout.write(
      'Not root: the CPU stress and packet loss experiments are skipped, because cgroups and network namespaces need root (run `sudo make demo` for all three).\n',
    );
  }
  const { dir, files } = buildRepo({ port, host });
  const repo = join(dir, 'repo');
  process.stdout.write(`Git repository ${repo} holds ${files.join(', ')}.\n`);

  say(`chaoscraft standalone --repo ${repo} --interval 1s --once`);
  runnerStarted = true;
  const code = await run(
    ['standalone', '--repo', repo, '--state-dir', join(dir, 'state'), '--interval', '1s', '--once'],
    io,
  );
  // 1 means a hypothesis broke, which the packet loss experiment is there to show.
  if (code > 1) exitCode = code;

  say('Results');
  for (const file of readdirSync(join(dir, 'state/reports')).filter((f) => f.endsWith('.json'))) {
    const report = JSON.parse(readFileSync(join(dir, 'state/reports', file), 'utf8')) as {
      experiment: string;
      verdict: string;
      reason: string;
    };
    process.stdout.write(`${report.experiment.padEnd(28)} ${report.verdict.padEnd(7)} ${report.reason}\n`);
  }
  process.stdout.write(`\nReports (Markdown and JSON): ${join(dir, 'state/reports')}\n`);
  process.stdout.write(`The verdicts as a git note: git -C ${repo} notes --ref=chaoscraft show HEAD\n\n`);
  process.stdout.write(git(repo, ['notes', '--ref=chaoscraft', 'show', 'HEAD']));
} catch (error) {
  process.stderr.write(`demo: ${(error as Error).message}\n`);
  exitCode = 1;
} finally {
  await cleanUp();
  process.off('SIGINT', onInterrupt);
  process.off('SIGTERM', onInterrupt);
  if (cleanedUp) {
    process.stdout.write(
      `\nStopped the service${root ? `, removed network namespace ${id} and cgroup /${id}` : ''}; nothing is left running.\n`,
    );
  } else exitCode = 1;
}
process.exitCode = exitCode;
