// What the receiver does with an event: plan the PR and publish the plan. Bursts of pushes to one PR
// are coalesced (the plan is made once, for the newest head). A push to a branch re-plans the open
// PRs based on it, since their plans depend on the base (policy, existing experiments).
// Nothing here writes to the cluster: planning reads it at most, and only for same-repo PRs.
import type { Octokit } from '@octokit/rest';
import type { Logger } from 'pino';
import { Coalescer } from '../github/coalescer.ts';
import type { PullRequestPlan } from '../github/plan-contract.ts';
import type { PlanPublisher } from '../github/plan-publisher.ts';
import type { GitOpsEvent, PullRequestRef } from './events.ts';

export type PlanRequest = PullRequestRef;
/** Makes the plan of one PR head; injected so the receiver can be tested without Git or a cluster. */
export type Planner = (request: PlanRequest) => Promise<PullRequestPlan>;

export interface GitOpsServiceOptions {
  octokit: Octokit;
  planner: Planner;
  publisher: PlanPublisher;
  /** How long to gather events of one PR before planning (default 1 s). */
  coalesceWindowMs?: number;
  logger?: Logger;
}

export interface GitOpsService {
  handle(event: GitOpsEvent): Promise<void>;
  /** Plans and publishes everything pending now (shutdown, tests). */
  flush(): Promise<void>;
  readonly plannedCount: number;
}

/** Lists the open PRs of a repository, optionally only those based on a branch, as plan requests. */
export async function openPullRequests(options: {
  octokit: Octokit;
  owner: string;
  repo: string;
  base?: string;
}): Promise<PullRequestRef[]> {
  const { octokit, owner, repo, base } = options;
  const pulls = await octokit.paginate(octokit.rest.pulls.list, {
    owner,
    repo,
    state: 'open',
    per_page: 100,
    ...(base ? { base } : {}),
  });
  return pulls.map((pull) => ({
    owner,
    repo,
    pullNumber: pull.number,
    headSha: pull.head.sha,
    headRef: pull.head.ref,
    baseSha: pull.base.sha,
    baseRef: pull.base.ref,
    fromFork: pull.head.repo?.full_name?.toLowerCase() !== pull.base.repo.full_name.toLowerCase(),
    cloneUrl: pull.base.repo.clone_url,
  }));
}

export function createGitOpsService(options: GitOpsServiceOptions): GitOpsService {
  const { planner, publisher, logger } = options;
  const plans = new Coalescer<PlanRequest>({
    windowMs: options.coalesceWindowMs ?? 1000,
    handle: async (key, request) => {
      const started = performance.now();
      const plan = await planner(request);
      logger?.info(
        {
          pullRequest: key,
          headSha: request.headSha,
          fork: request.fromFork,
          valid: plan.valid,
          ms: Math.round(performance.now() - started),
        },
        `planned: ${plan.summary}`,
      );
      await publisher.publish({
        owner: request.owner,
        repo: request.repo,
        pullNumber: request.pullNumber,
        plan,
      });
    },
  });
  const submit = (request: PlanRequest) =>
    plans.submit(`${request.owner}/${request.repo}#${request.pullNumber}`, request);

  return {
    get plannedCount() {
      return plans.handledCount;
    },
    async handle(event) {
      if (event.kind === 'plan') {
        await submit(event.pullRequest);
      } else if (event.kind === 'refresh') {
        const pulls = await openPullRequests({
          octokit: options.octokit,
          owner: event.owner,
          repo: event.repo,
          base: event.branch,
        });
        await Promise.all(pulls.map(submit));
      }
    },
    async flush() {
      await plans.flush();
      await publisher.flush();
    },
  };
}
