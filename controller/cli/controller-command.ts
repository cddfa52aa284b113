// `chaoscraft controller`: the experiment controller. In-cluster configuration by default.

import { parseArgs } from 'node:util';
import { KubeConfig } from '@kubernetes/client-node';
import { loadGitHubAuth } from '../../gitops/github/auth.ts';
import { GitHubIntegrationError } from '../../gitops/github/errors.ts';
import { RepositoryError } from '../../gitops/repository/errors.ts';
import { checkRemoteUrl } from '../../gitops/repository/remote.ts';
import { parseDuration } from '../core/duration.ts';
import { ControllerManager, type PolicyRepositoryOptions } from '../manager/controller-manager.ts';
import { createLogger } from '../observability/logger.ts';
import { failpointsFrom } from '../runtime/failpoints.ts';
import { type CommandIo, UsageError } from './command.ts';

export const controllerHelp = `Usage: chaoscraft controller [options]

Runs the ChaosExperiment controller. Uses the in-cluster service account unless --kubeconfig is given.

Options:
  --kubeconfig <file>        kubeconfig to use (default: in-cluster, else $KUBECONFIG / ~/.kube/config)
  --namespace <ns>           the controller's own namespace: lease home, protected from experiments
                             (default: $POD_NAMESPACE or chaoscraft-system)
  --watch-namespaces <a,b>   reconcile experiments only in these namespaces (default: all)
  --leader-elect <bool>      only the replica holding the Lease reconciles (default true)
  --lease-name <name>        Lease name (default chaoscraft-controller)
  --health-address <addr>    /healthz, /readyz and /metrics (default :8081; "off" for none)
  --workers <n>              concurrent reconciles (default 4)
  --prometheus-url <url>     default address for prometheus probes
  --argocd-namespace <ns>    read Argo CD Applications there (read-only) to record the Git commit
                             each run's spec came from (default: off; docs/GITOPS.md)
  --agent-timeout <dur>      how long node agents have to report on a fault before its target fails
                             and the fault is withdrawn (default 30s)
  --recovery-timeout <dur>   how long recovery may take before the experiment says Stalled and
                             chaoscraft_recoveries_stalled rises; it keeps waiting (default 2m)
  --log-level <level>        trace, debug, info, warn, error (default info)

ChaosPolicies from Git (the kill switch without waiting for Argo CD; docs/SAFETY.md):
  --policy-repo <url>        https:// URL of a repository whose ChaosPolicies apply as well as the
                             cluster's (named git:<name>; the strictest answer wins)
  --policy-branch <name>     branch to follow (default main)
  --policy-path <dir>        folder in the repository holding the policies (default: all of it)
  --policy-poll <duration>   how often the branch is checked, 1s to 1h (default 10s)
  --policy-credentials <file>  file holding a token for the repository (read before every poll,
                             sent only to the repository, never logged)
`;

const branchPattern =
  /^(?!.*\.\.)(?!.*\/\/)(?!.*\.lock$)(?!refs\/)[A-Za-z0-9_][A-Za-z0-9._\-/]{0,199}(?<![/.])$/;
const pathSegment = /^[A-Za-z0-9_][A-Za-z0-9._-]*$/;

/** The --policy-* flags as manager options; undefined without --policy-repo. Usage mistakes throw. */
export async function policyRepositoryFromFlags(values: {
  'policy-repo'?: string;
  'policy-branch'?: string;
  'policy-path'?: string;
  'policy-poll'?: string;
  'policy-credentials'?: string;
}): Promise<PolicyRepositoryOptions | undefined> {
  const url = values['policy-repo'];
  if (!url) {
    const stray = (['policy-branch', 'policy-path', 'policy-poll', 'policy-credentials'] as const).find(
      (flag) => values[flag] !== undefined,
    );
    if (stray) throw new UsageError(`--${stray} needs --policy-repo`);
    return undefined;
  }
  const credentials = values['policy-credentials'];
  try {
    checkRemoteUrl(url, credentials ? 'a token will be sent' : undefined);
  } catch (error) {
    if (error instanceof RepositoryError) throw new UsageError(`--policy-repo: ${error.message}`);
    throw error;
  }
  const branch = values['policy-branch'] ?? 'main';
  if (!branchPattern.test(branch)) throw new UsageError(`--policy-branch: "${branch}" is not a branch name`);
  const path = (values['policy-path'] ?? '').replace(/^\.\/+/, '').replace(/\/+$/, '');
  if (path !== '' && path !== '.' && !path.split('/').every((segment) => pathSegment.test(segment))) {
    throw new UsageError(
      `--policy-path: "${path}" must be a relative folder without "..", hidden folders or special characters`,
    );
  }
  let pollIntervalMs: number;
  try {
    pollIntervalMs = parseDuration(values['policy-poll'] ?? '10s');
  } catch {
    throw new UsageError(
      `--policy-poll must be a duration such as 10s or 1m, not "${values['policy-poll']}"`,
    );
  }
  if (pollIntervalMs < 1000 || pollIntervalMs > 3_600_000)
    throw new UsageError('--policy-poll must be 1s to 1h');
  let token: (() => Promise<string | undefined>) | undefined;
  if (credentials) {
    // The same reader as the gitops command's token files: messages name the file, never its content.
    const read = async () => {
      const auth = await loadGitHubAuth({ tokenFile: credentials });
      return auth.kind === 'token' ? auth.token.reveal() : undefined;
    };
    await read().catch((error: unknown) => {
      if (error instanceof GitHubIntegrationError)
        throw new UsageError(`--policy-credentials: ${error.message}`);
      throw error;
    });
    token = read;
  }
  return { url, branch, path: path === '.' ? '' : path, pollIntervalMs, ...(token ? { token } : {}) };
}

export async function controllerCommand(argv: string[], io: CommandIo): Promise<number> {
  const { values } = parseArgs({
    args: argv,
    options: {
      kubeconfig: { type: 'string' },
      namespace: { type: 'string', default: process.env.POD_NAMESPACE ?? 'chaoscraft-system' },
      'watch-namespaces': { type: 'string', default: '' },
      'leader-elect': { type: 'string', default: 'true' },
      'lease-name': { type: 'string', default: 'chaoscraft-controller' },
      'health-address': { type: 'string', default: ':8081' },
      workers: { type: 'string', default: '4' },
      'prometheus-url': { type: 'string' },
      'argocd-namespace': { type: 'string' },
      'log-level': { type: 'string', default: 'info' },
      'agent-timeout': { type: 'string', default: '30s' },
      'recovery-timeout': { type: 'string', default: '2m' },
      'policy-repo': { type: 'string' },
      'policy-branch': { type: 'string' },
      'policy-path': { type: 'string' },
      'policy-poll': { type: 'string' },
      'policy-credentials': { type: 'string' },
      help: { type: 'boolean', short: 'h', default: false },
    },
  });
  if (values.help) {
    io.stdout(controllerHelp);
    return 0;
  }
  const workers = Number(values.workers);
  if (!Number.isInteger(workers) || workers < 1 || workers > 64)
    throw new UsageError('--workers must be 1 to 64');
  if (!['true', 'false'].includes(values['leader-elect']))
    throw new UsageError('--leader-elect must be true or false');
  if (!['trace', 'debug', 'info', 'warn', 'error'].includes(values['log-level'])) {
    throw new UsageError('--log-level must be trace, debug, info, warn or error');
  }
  const watchNamespaces = values['watch-namespaces']
    .split(',')
    .map((ns) => ns.trim())
    .filter(Boolean);
  const badNamespace = watchNamespaces.find((ns) => !/^[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?$/.test(ns));
  if (badNamespace) throw new UsageError(`--watch-namespaces: "${badNamespace}" is not a namespace name`);
  const argocdNamespace = values['argocd-namespace'];
  if (argocdNamespace !== undefined && !/^[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?$/.test(argocdNamespace))
    throw new UsageError(`--argocd-namespace: "${argocdNamespace}" is not a namespace name`);
  const timeouts = {
    agentMs: durationFlag('--agent-timeout', values['agent-timeout'], 1000, 3_600_000),
    recoveryMs: durationFlag('--recovery-timeout', values['recovery-timeout'], 1000, 86_400_000),
  };
  const policyRepository = await policyRepositoryFromFlags(values);
  const kubeConfig = new KubeConfig();
  if (values.kubeconfig) kubeConfig.loadFromFile(values.kubeconfig);
  else if (process.env.KUBERNETES_SERVICE_HOST) kubeConfig.loadFromCluster();
  else kubeConfig.loadFromDefault();

  const logger = createLogger({ level: values['log-level'] });
  const manager = new ControllerManager({
    kubeConfig,
    namespace: values.namespace,
    logger,
    workers,
    watchNamespaces,
    leaderElection: { enabled: values['leader-elect'] === 'true', leaseName: values['lease-name'] },
    healthAddress: values['health-address'] === 'off' ? undefined : values['health-address'],
    prometheusUrl: values['prometheus-url'],
    failpoint: failpointsFrom(process.env.CHAOSCRAFT_FAILPOINTS),
    policyRepository,
    argocdNamespace,
    timeouts,
  });
  logger.info(
    {
      server: kubeConfig.getCurrentCluster()?.server,
      namespace: values.namespace,
      ...(argocdNamespace ? { argocdNamespace } : {}),
      ...(policyRepository
        ? {
            policyRepo: policyRepository.url,
            policyBranch: policyRepository.branch,
            policyPath: policyRepository.path,
          }
        : {}),
    },
    'starting the controller',
  );
  const stopped = new Promise<string>((resolve) => {
    for (const signal of ['SIGTERM', 'SIGINT'] as const) process.once(signal, () => resolve(signal));
  });
  await manager.start();
  const signal = await stopped;
  logger.info({ signal }, 'stopping: no new work, finishing in-flight reconciles, releasing the lease');
  await manager.stop();
  logger.info({}, 'stopped');
  return 0;
}

function durationFlag(flag: string, value: string, minMs: number, maxMs: number): number {
  let ms: number;
  try {
    ms = parseDuration(value);
  } catch {
    throw new UsageError(`${flag} must be a duration such as 30s or 2m, not "${value}"`);
  }
  if (ms < minMs || ms > maxMs)
    throw new UsageError(`${flag} must be between ${minMs / 1000}s and ${maxMs / 1000}s`);
  return ms;
}
