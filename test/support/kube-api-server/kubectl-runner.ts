// Runs the real kubectl against a test server, with a private kubeconfig and discovery cache.
import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type ServerLocation, writeKubeconfigFile } from './kubeconfig.ts';

export const KUBECTL = '/usr/bin/kubectl';
/** `false`, or why kubectl tests are skipped. */
export const kubectlMissing = existsSync(KUBECTL) ? false : `kubectl not found at ${KUBECTL}`;

export interface KubectlResult {
  code: number;
  stdout: string;
  stderr: string;
}

export interface Kubectl {
  run(...args: string[]): Promise<KubectlResult>;
  /** The arguments every run starts with (kubeconfig, cache directory, timeout). */
  readonly baseArgs: string[];
  /** A scratch directory removed by `close`. */
  readonly directory: string;
  close(): Promise<void>;
}

/** kubectl as `options.user` (a user the server knows; default `admin`). */
export async function kubectlFor(server: ServerLocation, options: { user?: string } = {}): Promise<Kubectl> {
  const directory = await mkdtemp(join(tmpdir(), 'kubectl-test-'));
  const kubeconfig = await writeKubeconfigFile({
    server,
    path: join(directory, 'kubeconfig'),
    user: options.user,
    tls: true,
  });
  // A private cache directory keeps discovery caches of ephemeral ports out of $HOME.
  const baseArgs = [
    '--kubeconfig',
    kubeconfig,
    '--cache-dir',
    join(directory, 'cache'),
    '--request-timeout',
    '10s',
  ];
  return {
    baseArgs,
    directory,
    run: (...args) =>
      new Promise<KubectlResult>((resolve) => {
        execFile(KUBECTL, [...baseArgs, ...args], { timeout: 15_000 }, (error, stdout, stderr) => {
          const code = error ? (typeof error.code === 'number' ? error.code : 1) : 0;
          resolve({ code, stdout, stderr });
        });
      }),
    close: () => rm(directory, { recursive: true, force: true }),
  };
}
