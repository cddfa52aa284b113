// The `chaoscraft gitops` process: webhook receiver and/or PR poller (plans), and the results
// reporter. It is a separate process from the controller on purpose: it faces the internet (webhooks)
// and holds GitHub credentials, while the controller holds cluster write access. Kept apart, a
// compromised receiver can read the cluster (plans) but never write to it, and a GitHub outage
// never slows down reconciles.
import type { KubeConfig } from '@kubernetes/client-node';
import type { Logger } from 'pino';
import { createKubeHttp } from '../../controller/kube/kube-http.ts';
import type { GitHubAuthConfig } from '../github/auth.ts';
import { createGitHubClient, type GitHubClient } from '../github/client.ts';
import type { ContentPacer } from '../github/content-pacer.ts';
import { PlanPublisher } from '../github/plan-publisher.ts';
import type { SecretValue } from '../github/secret.ts';
import { kubeClusterReader } from '../planner/kube-cluster-reader.ts';
import { ResultsReporter } from '../reporter/results-reporter.ts';
import type { GitHubRepositoryName } from '../reporter/revision.ts';
import type { PlanBudgets } from '../repository/budget.ts';
import { createGitOpsService, type Planner, type PlanRequest } from './gitops-service.ts';
import { PullRequestPoller } from './pull-request-poller.ts';
import { createRepositoryPlanner } from './repository-planner.ts';
import { startWebhookServer, type WebhookServer } from './webhook-server.ts';

export interface GitOpsProcessOptions {
  auth: GitHubAuthConfig;
  githubApiUrl?: string;
  logger: Logger;
  repositories: GitHubRepositoryName[];
  /** Enables the webhook receiver. */
  webhook?: { secret: SecretValue; host?: string; port?: number; path?: string };
  /** Enables polling of open PRs. */
  pollIntervalMs?: number;
  /** Read-only cluster access for plans and the reporter. */
  kubeConfig?: KubeConfig;
  /** Enables the reporter (needs kubeConfig). */
  reportIntervalMs?: number;
  trackingIssues?: boolean;
  argocdNamespace?: string;
  cacheDir: string;
  /** A separate token for fetching the repository (default: the GitHub credentials). */
  gitToken?: SecretValue;
  /** Budgets per PR, checked before any manifest is parsed; unset fields keep their defaults. */
  planBudgets?: Partial<PlanBudgets>;
  /** Plans made at once (default 2). */
  maxConcurrentPlans?: number;
  /** Replaces the Git+planner pipeline (tests). */
  planner?: Planner;
  cloneUrlFor?: (request: PlanRequest) => string;
  coalesceWindowMs?: number;
  retryAfterBaseMs?: number;
  /** Write pacing (default: 1 s apart, 80/min); tests pass a faster one. */
  pacer?: ContentPacer;
}

export interface GitOpsProcess {
  octokit: GitHubClient;
  webhook?: WebhookServer;
  poller?: PullRequestPoller;
  reporter?: ResultsReporter;
  /** Waits for in-flight plans (tests). */
  idle(): Promise<void>;
  stop(): Promise<void>;
}

export async function startGitOpsProcess(options: GitOpsProcessOptions): Promise<GitOpsProcess> {
  const { logger } = options;
  const octokit = createGitHubClient({
    auth: options.auth,
    baseUrl: options.githubApiUrl,
    logger,
    retryAfterBaseMs: options.retryAfterBaseMs,
    pacer: options.pacer,
  });
  const gitToken = async (): Promise<string | undefined> => {
    if (options.gitToken) return options.gitToken.reveal();
    if (options.auth.kind === 'token') return options.auth.token.reveal();
    const minted = (await octokit.auth({ type: 'installation' })) as { token: string };
    return minted.token;
  };
  const kube = options.kubeConfig ? createKubeHttp(options.kubeConfig) : undefined;
  const planner =
    options.planner ??
    createRepositoryPlanner({
      cacheDir: options.cacheDir,
      gitToken,
      cluster: kube ? kubeClusterReader({ http: kube }) : undefined,
      cloneUrlFor: options.cloneUrlFor,
      budgets: options.planBudgets,
      maxConcurrentPlans: options.maxConcurrentPlans,
    });
  const publisher = new PlanPublisher({ octokit, logger, windowMs: options.coalesceWindowMs });
  const service = createGitOpsService({
    octokit,
    planner,
    publisher,
    logger,
    coalesceWindowMs: options.coalesceWindowMs,
  });

  const allowed = new Set(options.repositories.map((r) => `${r.owner}/${r.repo}`.toLowerCase()));
  const webhook = options.webhook
    ? await startWebhookServer({
        secret: options.webhook.secret,
        host: options.webhook.host,
        port: options.webhook.port,
        path: options.webhook.path,
        logger,
        onEvent: async (event) => {
          const name =
            event.kind === 'plan'
              ? `${event.pullRequest.owner}/${event.pullRequest.repo}`
              : event.kind === 'refresh'
                ? `${event.owner}/${event.repo}`
                : '';
          // Only configured repositories: a valid signature proves GitHub sent it, not that we serve that repo.
          if (allowed.size > 0 && !allowed.has(name.toLowerCase())) {
            logger.warn({ repository: name }, 'webhook for a repository that is not configured; ignored');
            return;
          }
          await service.handle(event);
        },
      })
    : undefined;
  const poller =
    options.pollIntervalMs && options.repositories.length > 0
      ? new PullRequestPoller({
          octokit,
          service,
          repositories: options.repositories,
          intervalMs: options.pollIntervalMs,
          logger,
        })
      : undefined;
  poller?.start();
  const reporter =
    kube && options.reportIntervalMs
      ? new ResultsReporter({
          kube,
          octokit,
          logger,
          defaultRepository: options.repositories[0],
          argocdNamespace: options.argocdNamespace,
          trackingIssues: options.trackingIssues,
        })
      : undefined;
  reporter?.start({ intervalMs: options.reportIntervalMs ?? 30_000 });
  if (webhook) logger.info({ url: webhook.url }, 'webhook receiver listening');

  return {
    octokit,
    webhook,
    poller,
    reporter,
    async idle() {
      await webhook?.idle();
      await service.flush();
    },
    async stop() {
      await webhook?.close();
      await poller?.stop();
      await service.flush();
      await reporter?.stop();
    },
  };
}
