// The node agent as a node runs it: `bin/chaoscraft.js agent` in a process of its own, with the
// production target resolver finding pods through their container cgroups (fake-pods.ts gives it
// some). The last few KB of its output are kept for the error message when something fails.
import { type ChildProcess, spawn } from 'node:child_process';
import { join } from 'node:path';

const cli = join(import.meta.dirname, '../../../bin/chaoscraft.js');

export interface AgentProcess {
  readonly pid: number;
  /** The tail of stdout and stderr. */
  output(): string;
  /** SIGTERM, and waits for the exit. */
  stop(): Promise<void>;
}

export function startAgentProcess(options: {
  node: string;
  kubeconfig: string;
  cgroupRoot: string;
  logLevel?: 'debug' | 'info' | 'warn' | 'error';
}): AgentProcess {
  const child: ChildProcess = spawn(
    process.execPath,
    [
      cli,
      'agent',
      ...['--node', options.node, '--kubeconfig', options.kubeconfig, '--cgroup-root', options.cgroupRoot],
      ...['--controller-lease', 'off', '--health-address', 'off', '--log-level', options.logLevel ?? 'warn'],
    ],
    { stdio: ['ignore', 'pipe', 'pipe'] },
  );
  let tail = '';
  const collect = (chunk: Buffer) => {
    tail = (tail + String(chunk)).slice(-4000);
  };
  child.stdout!.on('data', collect);
  child.stderr!.on('data', collect);
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  if (child.pid === undefined) throw new Error(`the agent did not start: ${cli}`);
  return {
    pid: child.pid,
    output: () => tail,
    async stop() {
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGTERM');
      await exited;
    },
  };
}
