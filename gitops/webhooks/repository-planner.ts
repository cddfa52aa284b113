// The real planner behind the receiver: fetch the PR head (refs/pull/N/head) into a clone cache with
// isomorphic-git, then run the planner. Fork PRs are planned without the live cluster: their plan
// shows validation and guardrails from Git only, so an outside contributor learns nothing of the
// cluster, and nothing about a fork PR ever touches it.
import type { ClusterReader } from '../planner/cluster-reader.ts';
import { planPullRequest } from '../planner/plan-pull-request.ts';
import { openRepository } from '../repository/open-repository.ts';
import type { Planner, PlanRequest } from './gitops-service.ts';

export interface RepositoryPlannerOptions {
  /** Where clones live between plans (fetched, not re-cloned). */
  cacheDir: string;
  /** The token for HTTPS fetches (an App installation token or the configured token). */
  gitToken?: () => Promise<string | undefined>;
  cluster?: ClusterReader;
  /** Where to fetch a PR's repository from; defaults to the clone URL GitHub sent. */
  cloneUrlFor?: (request: PlanRequest) => string;
  now?: () => Date;
}

export function createRepositoryPlanner(options: RepositoryPlannerOptions): Planner {
  return async (request) => {
    const repository = await openRepository({
      url: options.cloneUrlFor?.(request) ?? request.cloneUrl,
      token: await options.gitToken?.(),
      cacheDir: options.cacheDir,
      fetchRefs: [`refs/pull/${request.pullNumber}/head`],
    });
    return planPullRequest({
      repository,
      base: request.baseSha,
      head: request.headSha,
      ...(request.fromFork || !options.cluster ? {} : { cluster: options.cluster }),
      now: options.now?.() ?? new Date(),
    });
  };
}
