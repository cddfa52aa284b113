// `chaoscraft gitops`: the GitHub side as its own process — webhook receiver and/or PR poller that
// publish plans, and the reporter that posts results. Separate from the controller: see
// gitops/webhooks/gitops-process.ts and docs/GITOPS.md for why.

import { readFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { KubeConfig } from '@kubernetes/client-node';
import { loadGitHubAuth } from '../../gitops/github/auth.ts';
import { GitHubIntegrationError } from '../../gitops/github/errors.ts';
import { SecretValue } from '../../gitops/github/secret.ts';
import { namesCluster } from '../../gitops/planner/kube-cluster-reader.ts';
import { defaultPlanBudgets, type PlanBudgets } from '../../gitops/repository/budget.ts';
import { startGitOpsProcess } from '../../gitops/webhooks/gitops-process.ts';
import { parseDuration } from '../core/duration.ts';
import { createLogger } from '../observability/logger.ts';
import { type CommandIo, UsageError } from './command.ts';

export const gitopsHelp = `Usage: chaoscraft gitops --repository OWNER/NAME [options]

Publishes a plan on every pull request (comment + chaoscraft/plan check) and posts the result of
each finished experiment back on the PR that merged it. Never writes to the cluster.

GitHub credentials (files only, never on the command line):
  --token-file FILE            a token (PAT or GITHUB_TOKEN); plans fall back to commit statuses
  --app-id N --installation-id N --private-key-file FILE    a GitHub App (preferred)
  --github-api-url URL         API root (default https://api.github.com)

Plans:
  --repository OWNER/NAME      repeatable; webhooks for other repositories are ignored
  --webhook-secret-file FILE   start the webhook receiver (X-Hub-Signature-256 verified)
  --listen HOST:PORT           receiver address (default 0.0.0.0:8080), path /webhook
  --poll-interval DURATION     poll open PRs instead of (or besides) webhooks, e.g. 60s
  --cache-dir DIR              where repository clones are kept
  --git-token-file FILE        a separate token for fetching the repository (default: the GitHub one)

Budgets per pull request (over one, the PR gets a comment saying which, instead of a plan):
  --plan-max-files N           changed manifest files (default ${defaultPlanBudgets.maxFiles})
  --plan-max-bytes SIZE        bytes of changed manifests, e.g. 16MiB (default ${defaultPlanBudgets.maxBytes / 1024 / 1024}MiB)
  --plan-max-documents N       YAML documents in them (default ${defaultPlanBudgets.maxDocuments})
  --plan-max-objects N         objects (kind: keys) in them (default ${defaultPlanBudgets.maxObjects})
  --plan-timeout DURATION      wall time of one plan, fetch included (default ${defaultPlanBudgets.maxWallMs / 1000}s)
  --plan-max-parse-memory MIB  heap of the trial parse of the changed manifests (default ${defaultPlanBudgets.maxParseHeapMiB})

Results:
  --kubeconfig FILE            cluster access, read-only (default: in-cluster or $KUBECONFIG)
  --report-interval DURATION   how often finished experiments are looked for (default 30s; 0 = off)
  --tracking-issues            keep one GitHub issue per ChaosSchedule
  --argocd-namespace NS        where Argo CD Applications live (default argocd)
  --log-level LEVEL            default info
`;

function parseListen(value: string): { host: string; port: number } {
  const match = /^(.*):(\d{1,5})$/.exec(value);
  const port = Number(match?.[2]);
  if (!match || port > 65535) throw new UsageError(`--listen must be HOST:PORT, not "${value}"`);
  return { host: match[1] || '0.0.0.0', port };
}

function parseRepository(value: string): { owner: string; repo: string } {
  const match = /^([A-Za-z0-9_.-]+)\/([A-Za-z0-9_.-]+)$/.exec(value);
  if (!match) throw new UsageError(`--repository must be OWNER/NAME, not "${value}"`);
  return { owner: match[1]!, repo: match[2]! };
}

const logLevels = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'];

function count(value: string | undefined, flag: string): number | undefined {
  if (value === undefined) return undefined;
  const match = /^(\d{1,15})(KiB|MiB|GiB)?$/.exec(value);
  const units = { KiB: 1024, MiB: 1024 ** 2, GiB: 1024 ** 3 } as const;
  const parsed = match ? Number(match[1]) * (match[2] ? units[match[2] as keyof typeof units] : 1) : 0;
  if (!match || parsed < 1 || (match[2] && flag !== '--plan-max-bytes')) {
    const example = flag === '--plan-max-bytes' ? 'a size such as 16MiB' : 'a whole number above 0';
    throw new UsageError(`${flag} must be ${example}, not "${value}"`);
  }
  return parsed;
}

type BudgetFlag =
  | 'plan-max-files'
  | 'plan-max-bytes'
  | 'plan-max-documents'
  | 'plan-max-objects'
  | 'plan-timeout'
  | 'plan-max-parse-memory';

function planBudgets(values: { [flag in BudgetFlag]?: string }): Partial<PlanBudgets> {
  const budgets: Partial<PlanBudgets> = {
    maxFiles: count(values['plan-max-files'], '--plan-max-files'),
    maxBytes: count(values['plan-max-bytes'], '--plan-max-bytes'),
    maxDocuments: count(values['plan-max-documents'], '--plan-max-documents'),
    maxObjects: count(values['plan-max-objects'], '--plan-max-objects'),
    maxWallMs: durationMs(values['plan-timeout'], '--plan-timeout') || undefined,
    maxParseHeapMiB: count(values['plan-max-parse-memory'], '--plan-max-parse-memory'),
  };
  if (values['plan-timeout'] === '0') throw new UsageError('--plan-timeout must be above 0');
  return Object.fromEntries(Object.entries(budgets).filter(([, value]) => value !== undefined));
}

function durationMs(value: string | undefined, flag: string): number | undefined {
  if (value === undefined) return undefined;
  if (value === '0') return 0;
  try {
    return parseDuration(value);
  } catch {
    throw new UsageError(`${flag} must be a duration such as 30s or 5m, not "${value}"`);
  }
}

export async function gitopsCommand(argv: string[], io: CommandIo, signal?: AbortSignal): Promise<number> {
  const { values } = parseArgs({
    args: argv,
    options: {
      repository: { type: 'string', multiple: true, default: [] },
      'token-file': { type: 'string' },
      'app-id': { type: 'string' },
      'installation-id': { type: 'string' },
      'private-key-file': { type: 'string' },
      'github-api-url': { type: 'string' },
      'webhook-secret-file': { type: 'string' },
      listen: { type: 'string', default: '0.0.0.0:8080' },
      'poll-interval': { type: 'string' },
      'cache-dir': { type: 'string' },
      'git-token-file': { type: 'string' },
      kubeconfig: { type: 'string' },
      'report-interval': { type: 'string', default: '30s' },
      'tracking-issues': { type: 'boolean', default: false },
      'argocd-namespace': { type: 'string', default: 'argocd' },
      'log-level': { type: 'string', default: 'info' },
      'plan-max-files': { type: 'string' },
      'plan-max-bytes': { type: 'string' },
      'plan-max-documents': { type: 'string' },
      'plan-max-objects': { type: 'string' },
      'plan-timeout': { type: 'string' },
      'plan-max-parse-memory': { type: 'string' },
      help: { type: 'boolean', short: 'h', default: false },
    },
  });
  if (values.help) {
    io.stdout(gitopsHelp);
    return 0;
  }
  const repositories = values.repository.map(parseRepository);
  if (!logLevels.includes(values['log-level'])) {
    throw new UsageError(`--log-level must be one of ${logLevels.join(', ')}, not "${values['log-level']}"`);
  }
  const budgets = planBudgets(values);
  const listen = parseListen(values.listen);
  const pollIntervalMs = durationMs(values['poll-interval'], '--poll-interval');
  const reportIntervalMs = durationMs(values['report-interval'], '--report-interval');
  if (!values['webhook-secret-file'] && !pollIntervalMs && !reportIntervalMs) {
    throw new UsageError('nothing to do: give --webhook-secret-file, --poll-interval or --report-interval');
  }
  if (pollIntervalMs && repositories.length === 0) throw new UsageError('--poll-interval needs --repository');
  const auth = await loadGitHubAuth({
    tokenFile: values['token-file'],
    appId: values['app-id'],
    installationId: values['installation-id'],
    privateKeyFile: values['private-key-file'],
  }).catch((error: unknown) => {
    // Configuration mistakes (messages never hold file contents) are usage errors, not crashes.
    if (error instanceof GitHubIntegrationError) throw new UsageError(error.message);
    throw error;
  });
  const secretText = values['webhook-secret-file']
    ? (await readFile(values['webhook-secret-file'], 'utf8')).trim()
    : undefined;
  if (secretText === '') throw new UsageError('the webhook secret file is empty');
  const gitToken = values['git-token-file']
    ? await loadGitHubAuth({ tokenFile: values['git-token-file'] })
    : undefined;
  const kubeConfig = new KubeConfig();
  if (values.kubeconfig) kubeConfig.loadFromFile(values.kubeconfig);
  else kubeConfig.loadFromDefault();
  // No kubeconfig at all gives client-node's localhost stand-in: plan from Git only then, never a
  // connection error in a PR comment.
  const hasCluster = namesCluster(kubeConfig);
  const logger = createLogger({ level: values['log-level'] });
  const running = await startGitOpsProcess({
    auth,
    githubApiUrl: values['github-api-url'],
    logger,
    repositories,
    webhook: secretText
      ? { secret: new SecretValue(secretText), host: listen.host, port: listen.port }
      : undefined,
    pollIntervalMs: pollIntervalMs || undefined,
    kubeConfig: hasCluster ? kubeConfig : undefined,
    reportIntervalMs: reportIntervalMs || undefined,
    trackingIssues: values['tracking-issues'],
    argocdNamespace: values['argocd-namespace'],
    cacheDir: values['cache-dir'] ?? join(tmpdir(), 'chaoscraft-gitops-cache'),
    ...(gitToken?.kind === 'token' ? { gitToken: gitToken.token } : {}),
    planBudgets: budgets,
  }).catch((error: unknown) => {
    throw listenFailure(error, values.listen) ?? error;
  });
  if (running.webhook) io.stderr(`chaoscraft gitops: receiving webhooks at ${running.webhook.url}\n`);
  await waitForStop(signal);
  await running.stop();
  return 0;
}

/** The receiver could not take its address: a configuration mistake, said in one line. */
function listenFailure(error: unknown, listen: string): UsageError | undefined {
  const code = (error as { code?: string }).code;
  const reasons: Record<string, string> = {
    EADDRINUSE: 'the address is already in use',
    EACCES: 'permission denied (ports below 1024 need privileges)',
    EADDRNOTAVAIL: 'no such address on this machine',
    ENOTFOUND: 'the host name does not resolve',
  };
  const reason = code ? reasons[code] : undefined;
  return reason ? new UsageError(`--listen ${listen}: ${reason}`) : undefined;
}

function waitForStop(signal: AbortSignal | undefined): Promise<void> {
  return new Promise((resolve) => {
    const done = () => resolve();
    signal?.addEventListener('abort', done, { once: true });
    if (signal?.aborted) resolve();
    if (!signal) {
      process.once('SIGTERM', done);
      process.once('SIGINT', done);
    }
  });
}
