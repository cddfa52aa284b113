// `chaoscraft plan --repo <path|url> --base <ref> --head <ref>`: the PR plan comment, printed
// locally, so any CI can produce (and post) the same plan the GitHub integration would.
import { existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { KubeConfig } from '@kubernetes/client-node';
import type { ClusterReader } from '../../gitops/planner/cluster-reader.ts';
import { kubeClusterReader, namesCluster } from '../../gitops/planner/kube-cluster-reader.ts';
import { planPullRequest } from '../../gitops/planner/plan-pull-request.ts';
import { RepositoryError } from '../../gitops/repository/errors.ts';
import { openRepository } from '../../gitops/repository/open-repository.ts';
import { type Command, type CommandIo, UsageError } from './command.ts';

export const planHelp = `Usage: chaoscraft plan --repo <path|url> --base <ref> --head <ref> [options]

Prints the plan a pull request would get: the changed ChaosCraft manifests between the merge
base of <base> and <head>, their validation, the pods they would hit now and every guardrail.

Options:
  --repo <path|url>         a local repository, or an https:// URL (cloned into --cache-dir)
  --base <ref>              the PR's base branch, tag or SHA
  --head <ref>              the PR's head branch, tag or SHA
  --fetch-ref <ref>         with a URL: also fetch this remote ref (e.g. refs/pull/12/head); repeatable
  --kubeconfig <file>       resolve targets against this cluster (read-only). Without it, the
                            in-cluster service account is used when running in a pod; otherwise
                            the plan is made from Git only and says so
  --no-cluster              plan without a cluster even when one is available
  --controller-namespace <ns>  the controller's namespace, protected like kube-system
                            (default chaoscraft-system)
  --format markdown|json    the comment's Markdown (default) or the whole plan as JSON
  --link-base <prefix>      prefix of links to file lines (default ../blob/<head SHA>/, which
                            a PR comment resolves on GitHub; '' for repository-relative paths)
  --cache-dir <dir>         where URL clones are kept (default: <tmp>/chaoscraft-git-cache)

A token for private repositories is read from CHAOSCRAFT_GIT_TOKEN (or GITHUB_TOKEN), never
from the command line, and is never printed.

Exit codes: 0 valid, 1 invalid or denied by policy, 2 usage or I/O error.
`;

const formats = ['markdown', 'json'] as const;
const serviceAccountToken = '/var/run/secrets/kubernetes.io/serviceaccount/token';

export interface PlanCommandOptions {
  env?: Readonly<Record<string, string | undefined>>;
  now?: () => Date;
  /** Whether the in-cluster service account exists (injected for tests). */
  inCluster?: () => boolean;
}

export function createPlanCommand(options: PlanCommandOptions = {}): Command {
  const env = options.env ?? process.env;
  const now = options.now ?? (() => new Date());
  const inCluster =
    options.inCluster ?? (() => Boolean(env.KUBERNETES_SERVICE_HOST) && existsSync(serviceAccountToken));

  return async (argv: string[], io: CommandIo): Promise<number> => {
    const { values } = parseArgs({
      args: argv,
      options: {
        repo: { type: 'string' },
        base: { type: 'string' },
        head: { type: 'string' },
        'fetch-ref': { type: 'string', multiple: true },
        kubeconfig: { type: 'string' },
        'no-cluster': { type: 'boolean', default: false },
        'controller-namespace': { type: 'string' },
        format: { type: 'string', short: 'f', default: 'markdown' },
        'link-base': { type: 'string' },
        'cache-dir': { type: 'string' },
        help: { type: 'boolean', short: 'h', default: false },
      },
    });
    if (values.help) {
      io.stdout(planHelp);
      return 0;
    }
    for (const required of ['repo', 'base', 'head'] as const) {
      if (!values[required]) throw new UsageError(`--${required} is required`);
    }
    const format = values.format as (typeof formats)[number];
    if (!formats.includes(format)) {
      throw new UsageError(`--format must be one of ${formats.join(', ')}, not "${values.format}"`);
    }
    if (values.kubeconfig && values['no-cluster']) {
      throw new UsageError('--kubeconfig and --no-cluster exclude each other');
    }
    const token = env.CHAOSCRAFT_GIT_TOKEN || env.GITHUB_TOKEN || undefined;
    const isUrl = /^[a-z][a-z0-9+.-]*:\/\//i.test(values.repo!);
    try {
      const repository = await openRepository(
        isUrl
          ? {
              url: values.repo!,
              ...(token ? { token } : {}),
              cacheDir: values['cache-dir'] ?? join(tmpdir(), 'chaoscraft-git-cache'),
              ...(values['fetch-ref'] ? { fetchRefs: values['fetch-ref'] } : {}),
            }
          : { dir: values.repo! },
      );
      const cluster = values['no-cluster'] ? undefined : clusterFor(values.kubeconfig, inCluster());
      const plan = await planPullRequest({
        repository,
        base: values.base!,
        head: values.head!,
        ...(cluster ? { cluster } : {}),
        now: now(),
        ...(values['controller-namespace'] ? { controllerNamespace: values['controller-namespace'] } : {}),
        ...(values['link-base'] !== undefined ? { linkBase: values['link-base'] } : {}),
      });
      io.stdout(format === 'json' ? `${JSON.stringify(plan, null, 2)}\n` : plan.markdown);
      return plan.valid ? 0 : 1;
    } catch (error) {
      if (error instanceof RepositoryError || error instanceof KubeconfigError) {
        io.stderr(`chaoscraft plan: ${error.message}\n`);
        return 2;
      }
      throw error;
    }
  };
}

class KubeconfigError extends Error {
  readonly code = 'InvalidKubeconfig';
}

function clusterFor(kubeconfig: string | undefined, inCluster: boolean): ClusterReader | undefined {
  if (!kubeconfig && !inCluster) return undefined;
  const kubeConfig = new KubeConfig();
  try {
    if (kubeconfig) kubeConfig.loadFromFile(kubeconfig);
    else kubeConfig.loadFromCluster();
  } catch (error) {
    // Only the file name and the loader's complaint: never the file's content (it holds credentials).
    const reason = (error as NodeJS.ErrnoException).code ?? 'not a valid kubeconfig';
    throw new KubeconfigError(
      kubeconfig
        ? `cannot load kubeconfig ${kubeconfig}: ${reason}`
        : `cannot load the in-cluster config: ${reason}`,
    );
  }
  if (!namesCluster(kubeConfig)) {
    throw new KubeconfigError(`kubeconfig ${kubeconfig ?? '(in-cluster)'} names no current cluster`);
  }
  return kubeClusterReader({ kubeConfig });
}

export const planCommand: Command = createPlanCommand();
