// `chaoscraft standalone`: experiments from a Git repository, run on this host without Kubernetes.
import { existsSync, statSync } from 'node:fs';
import { resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { loadGitHubAuth } from '../../gitops/github/auth.ts';
import { GitHubIntegrationError } from '../../gitops/github/errors.ts';
import { parseDuration } from '../core/duration.ts';
import { failpointsFrom } from '../runtime/failpoints.ts';
import { createStandaloneGitHub, type StandaloneGitHub } from '../standalone/github-report.ts';
import { createProgress, plainOutput } from '../standalone/progress.ts';
import type { RepoLocation } from '../standalone/repo-reader.ts';
import { runStandalone } from '../standalone/runner.ts';
import { acquireLock, prepareStateDir, StateLockedError } from '../standalone/state-store.ts';
import { type CommandIo, UsageError } from './command.ts';

export const standaloneHelp = `Usage: chaoscraft standalone --repo <path|url> [--branch main] [--path DIR]
                            [--state-dir DIR] [--interval 5s] [--once]
                            [--github-repo OWNER/NAME (--github-token-file FILE | --app-id N
                             --installation-id N --private-key-file FILE) [--github-api-url URL]]

Runs the ChaosExperiments of a Git branch on this host, with the ChaosPolicies of the same commit as
guardrails. Targets are local processes (selector.processes: names, commandPattern, pidFile, cgroup,
systemdUnit, the cgroup of a running unit) and network namespaces (selector.netns). Network faults
and stress need root.

  --repo       a local Git repository or an https:// URL
  --branch     the branch to read (default main)
  --path       the folder of the repository to read (default: all of it)
  --state-dir  where state, the lock and reports live (default ./.chaoscraft-standalone)
  --interval   how often the branch is read (default 5s; 1s to 1h)
  --once       stop once every experiment of the first commit read has finished, or
               waits for a guardrail to lift (exit 1, naming it)

Results on GitHub (only when --github-repo and credentials are given; files only, never on the
command line): each finished run sets the commit status chaoscraft/<namespace>/<name> on the commit
its spec came from and comments on the pull request that merged that commit, if one did.
  --github-repo       the GitHub repository the commits are in
  --github-token-file a token allowed to write statuses and pull-request comments
  --app-id, --installation-id, --private-key-file   a GitHub App instead, as chaoscraft gitops takes it
  --github-api-url    API root (default https://api.github.com)

Each finished run leaves a Markdown and a JSON report in <state-dir>/reports and, for a local
repository, a note on the commit: git notes --ref=chaoscraft show <sha>.
SIGINT or SIGTERM recovers every fault, then exits.
Exit codes: 0 every run passed, 1 a run failed, 2 usage error or unreadable repository, 3 state locked.
`;

const branchPattern = /^(?!.*\.\.)(?!.*\/\/)[A-Za-z0-9_][A-Za-z0-9._\-/]{0,254}(?<![/.])$/;

export function parseLocation(repo: string): RepoLocation {
  if (/^[a-z][a-z0-9+.-]*:\/\//i.test(repo)) {
    if (!/^https?:\/\//i.test(repo)) {
      throw new UsageError(
        `--repo ${repo.split(':')[0]}:// is not supported; give a local path or an https:// URL`,
      );
    }
    let url: URL;
    try {
      url = new URL(repo);
    } catch {
      throw new UsageError('--repo is not a valid URL');
    }
    // Whoever can change what is read can run faults here: plain http only from this machine.
    if (url.protocol === 'http:' && !['127.0.0.1', 'localhost', '[::1]'].includes(url.hostname)) {
      throw new UsageError(
        `--repo: experiments are read over https only (plain http only from this machine), not from ${url.host}`,
      );
    }
    if (url.username || url.password) {
      throw new UsageError('--repo: the URL carries credentials; they would be logged, so they are refused');
    }
    return { url: repo };
  }
  const dir = resolve(repo);
  if (!existsSync(dir) || !statSync(dir).isDirectory())
    throw new UsageError(`--repo ${repo}: no such folder`);
  return { dir };
}

export async function standaloneCommand(argv: string[], io: CommandIo): Promise<number> {
  const { values, positionals } = parseArgs({
    args: argv,
    allowPositionals: true,
    options: {
      repo: { type: 'string' },
      branch: { type: 'string', default: 'main' },
      path: { type: 'string', default: '' },
      'state-dir': { type: 'string', default: '.chaoscraft-standalone' },
      interval: { type: 'string', default: '5s' },
      once: { type: 'boolean', default: false },
      'github-repo': { type: 'string' },
      'github-token-file': { type: 'string' },
      'app-id': { type: 'string' },
      'installation-id': { type: 'string' },
      'private-key-file': { type: 'string' },
      'github-api-url': { type: 'string' },
      help: { type: 'boolean', short: 'h', default: false },
    },
  });
  if (values.help) {
    io.stdout(standaloneHelp);
    return 0;
  }
  if (positionals.length) throw new UsageError(`unexpected argument ${positionals[0]}`);
  if (!values.repo) throw new UsageError('--repo is required');
  if (!branchPattern.test(values.branch))
    throw new UsageError(`--branch ${values.branch} is not a branch name`);
  if (values.path.split('/').includes('..')) throw new UsageError('--path must stay inside the repository');
  let intervalMs: number;
  try {
    intervalMs = parseDuration(values.interval);
  } catch {
    throw new UsageError(`--interval ${values.interval} is not a duration such as 5s`);
  }
  if (intervalMs < 1000 || intervalMs > 3_600_000) throw new UsageError('--interval must be from 1s to 1h');
  const location = parseLocation(values.repo);
  const github = await githubFrom(values);
  const stateDir = resolve(values['state-dir']);
  await prepareStateDir(stateDir);
  let release: () => void;
  try {
    release = acquireLock(stateDir);
  } catch (error) {
    if (error instanceof StateLockedError) {
      io.stderr(`chaoscraft standalone: ${error.message}\n`);
      return 3;
    }
    throw error;
  }
  const abort = new AbortController();
  const stop = () => abort.abort();
  process.once('SIGINT', stop);
  process.once('SIGTERM', stop);
  const root = process.getuid?.() === 0;
  const progress = createProgress({
    write: io.stdout,
    plain: plainOutput({ isTTY: Boolean(process.stdout.isTTY), env: process.env }),
    now: () => new Date(),
  });
  if (!root)
    progress.line(
      'not root: network faults and stress are refused; process faults act on your own processes',
    );
  try {
    const result = await runStandalone({
      location,
      branch: values.branch,
      path: values.path,
      stateDir,
      intervalMs,
      once: values.once,
      progress,
      signal: abort.signal,
      failpoint: failpointsFrom(process.env.CHAOSCRAFT_FAILPOINTS),
      root,
      ...(github ? { github } : {}),
    });
    if (result.unreadable) {
      io.stderr(`chaoscraft standalone: ${result.unreadable}\n`);
      return 2;
    }
    const failed = [...result.verdicts.values()].some((v) => v.verdict !== 'Passed');
    return failed || result.waiting?.size ? 1 : 0;
  } finally {
    process.off('SIGINT', stop);
    process.off('SIGTERM', stop);
    release();
  }
}

const githubRepoPattern = /^([A-Za-z0-9_.-]{1,100})\/([A-Za-z0-9_.-]{1,100})$/;

/** The GitHub reporting the flags ask for: none without them, a usage error for half of them. */
async function githubFrom(values: {
  'github-repo'?: string;
  'github-token-file'?: string;
  'app-id'?: string;
  'installation-id'?: string;
  'private-key-file'?: string;
  'github-api-url'?: string;
}): Promise<StandaloneGitHub | undefined> {
  const credentials = ['github-token-file', 'app-id', 'installation-id', 'private-key-file'] as const;
  const given = credentials.filter((flag) => values[flag] !== undefined);
  const repo = values['github-repo'];
  if (repo === undefined) {
    const stray = [...given, ...(values['github-api-url'] === undefined ? [] : ['github-api-url'])];
    if (stray.length) throw new UsageError(`--${stray[0]} needs --github-repo OWNER/NAME`);
    return undefined;
  }
  const match = githubRepoPattern.exec(repo);
  if (!match) throw new UsageError('--github-repo must be OWNER/NAME');
  if (!given.length)
    throw new UsageError(
      '--github-repo needs credentials: --github-token-file, or --app-id, --installation-id and --private-key-file',
    );
  let apiUrl: string | undefined;
  if (values['github-api-url'] !== undefined) {
    let url: URL;
    try {
      url = new URL(values['github-api-url']);
    } catch {
      throw new UsageError('--github-api-url is not a URL');
    }
    // The token goes with every request: plain http only to this machine.
    const local = ['127.0.0.1', 'localhost', '[::1]'].includes(url.hostname);
    if (url.protocol !== 'https:' && !(url.protocol === 'http:' && local))
      throw new UsageError('--github-api-url must be https:// (plain http only to this machine)');
    if (url.username || url.password) throw new UsageError('--github-api-url must not carry credentials');
    apiUrl = url.toString().replace(/\/$/, '');
  }
  const auth = await loadGitHubAuth({
    tokenFile: values['github-token-file'],
    appId: values['app-id'],
    installationId: values['installation-id'],
    privateKeyFile: values['private-key-file'],
  }).catch((error: unknown) => {
    // The messages name files and settings, never their contents.
    if (error instanceof GitHubIntegrationError) throw new UsageError(error.message);
    throw error;
  });
  return createStandaloneGitHub({
    auth,
    repository: { owner: match[1]!, repo: match[2]! },
    ...(apiUrl ? { apiUrl } : {}),
  });
}
