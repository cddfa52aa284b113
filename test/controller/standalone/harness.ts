/**
 * Test support for `chaoscraft standalone`: a Git repository in a temporary folder, the real
 * bin/chaoscraft.js as a child process with its output collected, target processes, and network
 * namespaces named ccsa<id> (so they never collide with other tests).
 */
import { type ChildProcess, execFileSync, spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { listTaggedTables } from '../../../controller/faults/nft.ts';

const bin = join(import.meta.dirname, '../../../bin/chaoscraft.js');
const gitEnv = {
  ...process.env,
  GIT_AUTHOR_NAME: 'test',
  GIT_AUTHOR_EMAIL: 'test@example.invalid',
  GIT_COMMITTER_NAME: 'test',
  GIT_COMMITTER_EMAIL: 'test@example.invalid',
};

export const isRoot = process.getuid?.() === 0;

export function git(dir: string, args: string[]): string {
  return execFileSync('git', ['-C', dir, ...args], { encoding: 'utf8', env: gitEnv });
}

export interface TestRepo {
  dir: string;
  repo: string;
  stateDir: string;
  /** Writes the files (path → text; undefined removes) and commits them. Returns the commit. */
  commit(files: Record<string, string | undefined>, message?: string): string;
  remove(): void;
}

export function makeRepo(files: Record<string, string>): TestRepo {
  const dir = mkdtempSync(join(tmpdir(), 'ccsa-test-'));
  const repo = join(dir, 'repo');
  mkdirSync(repo);
  git(repo, ['init', '-q', '-b', 'main']);
  const commit = (changes: Record<string, string | undefined>, message = 'change') => {
    for (const [path, text] of Object.entries(changes)) {
      if (text === undefined) rmSync(join(repo, path), { force: true });
      else {
        mkdirSync(dirname(join(repo, path)), { recursive: true });
        writeFileSync(join(repo, path), text);
      }
    }
    git(repo, ['add', '-A', '.']);
    git(repo, ['commit', '-q', '--allow-empty', '-m', message]);
    return git(repo, ['rev-parse', 'HEAD']).trim();
  };
  commit(files, 'initial');
  return {
    dir,
    repo,
    stateDir: join(dir, 'state'),
    commit,
    remove: () => rmSync(dir, { recursive: true, force: true }),
  };
}

export interface Runner {
  child: ChildProcess;
  output(): string;
  /** Resolves with the output once a line matches, rejects after `timeoutMs`. */
  waitFor(pattern: RegExp, timeoutMs?: number): Promise<string>;
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
}

export function startRunner(options: {
  args: string[];
  env?: Record<string, string>;
  uid?: number;
  gid?: number;
}): Runner {
  const child = spawn(process.execPath, [bin, 'standalone', ...options.args], {
    env: { ...process.env, CI: '1', ...options.env },
    stdio: ['ignore', 'pipe', 'pipe'],
    ...(options.uid === undefined ? {} : { uid: options.uid, gid: options.gid ?? options.uid }),
  });
  let text = '';
  const listeners = new Set<() => void>();
  const onData = (chunk: Buffer) => {
    text += chunk.toString('utf8');
    for (const listener of listeners) listener();
  };
  child.stdout!.on('data', onData);
  child.stderr!.on('data', onData);
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) =>
    child.on('exit', (code, signal) => {
      for (const listener of listeners) listener();
      resolve({ code, signal });
    }),
  );
  return {
    child,
    output: () => text,
    exited,
    waitFor(pattern, timeoutMs = 30_000) {
      return new Promise((resolve, reject) => {
        const check = () => {
          const match = text.match(pattern);
          if (match) {
            cleanup();
            resolve(match[0]);
          } else if (child.exitCode !== null || child.signalCode !== null) {
            cleanup();
            reject(new Error(`the runner exited before ${pattern}; output:\n${text}`));
          }
        };
        const timer = setTimeout(() => {
          cleanup();
          reject(new Error(`no ${pattern} within ${timeoutMs} ms; output:\n${text}`));
        }, timeoutMs);
        const cleanup = () => {
          clearTimeout(timer);
          listeners.delete(check);
        };
        listeners.add(check);
        check();
      });
    },
  };
}

/** A long-sleeping process with a command line no other test has: `sleep <unique number>`. */
export function startSleeper(): { child: ChildProcess; pattern: string; alive(): boolean } {
  const seconds = String(900_000 + (randomBytes(2).readUInt16BE(0) % 99_999));
  const child = spawn('sleep', [seconds], { stdio: 'ignore' });
  return {
    child,
    pattern: `^sleep ${seconds}$`,
    alive: () => child.exitCode === null && child.signalCode === null,
  };
}

export interface TestNetns {
  name: string;
  path: string;
  tables(): Promise<string[]>;
  remove(): void;
}

export function createNetns(): TestNetns {
  const name = `ccsa${randomBytes(4).toString('hex')}`;
  execFileSync('/usr/sbin/ip', ['netns', 'add', name]);
  execFileSync('/usr/sbin/ip', ['-n', name, 'link', 'set', 'lo', 'up']);
  const path = `/run/netns/${name}`;
  return {
    name,
    path,
    tables: () => listTaggedTables({ netnsPath: path }),
    remove: () => {
      try {
        execFileSync('/usr/sbin/ip', ['netns', 'del', name], { stdio: 'ignore' });
      } catch {
        // Already gone.
      }
    },
  };
}

export function experiment(options: {
  name: string;
  selector: string;
  fault: string;
  duration: string;
  extra?: string;
}): string {
  return `apiVersion: chaoscraft.io/v1alpha1
kind: ChaosExperiment
metadata:
  name: ${options.name}
spec:
  selector:
${options.selector}
  mode: all
  faults:
    - ${options.fault}
  duration: ${options.duration}
${options.extra ?? ''}`;
}

export const lossFault = 'networkLoss: { percent: 100 }';
export const killFault = 'processKill: {}';

/** The selector aimed at one sleeper, by its command line (unique to it). */
export function sleeperSelector(sleeper: { pattern: string }): string {
  return `    processes:\n      commandPattern: "${sleeper.pattern}"`;
}

/** The arguments of a `--once` run, polling every second, over a repository made by makeRepo. */
export function onceArgs(repo: { repo: string; stateDir: string }): string[] {
  return ['--repo', repo.repo, '--state-dir', repo.stateDir, '--interval', '1s', '--once'];
}
