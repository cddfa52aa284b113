// The real planner behind the receiver: fetch the PR head (refs/pull/N/head) into a clone cache with
// isomorphic-git, then run the planner. Fork PRs are planned without the live cluster: their plan
// shows validation and guardrails from Git only, so an outside contributor learns nothing of the
// cluster, and nothing about a fork PR ever touches it.
//
// Before the planner parses anything, the changed blobs are counted against the budgets per PR
// (gitops/repository/budget.ts); a PR over one gets a plan comment saying which, never a parse that
// could exhaust the heap this process shares with every other PR. Within the counts, the changed
// manifests are parsed once on trial in a worker thread with a capped heap (parse-screen.ts), so a
// file that makes the parser itself blow up ends that worker, not this process. The whole plan also
// has a wall time budget: past it, the PR gets that comment, a fetch or trial parse in flight is
// stopped, and a real parse already started (synchronous) runs to its end and is discarded.
import type { PullRequestPlan } from '../github/plan-contract.ts';
import type { ClusterReader } from '../planner/cluster-reader.ts';
import { planPullRequest } from '../planner/plan-pull-request.ts';
import { checkPlanBudgets, defaultPlanBudgets, type PlanBudgets } from '../repository/budget.ts';
import { openRepository } from '../repository/open-repository.ts';
import { budgetExceededPlan } from './budget-plan.ts';
import type { Planner, PlanRequest } from './gitops-service.ts';
import { screenParse } from './parse-screen.ts';

export interface RepositoryPlannerOptions {
  /** Where clones live between plans (fetched, not re-cloned). */
  cacheDir: string;
  /** The token for HTTPS fetches (an App installation token or the configured token). */
  gitToken?: () => Promise<string | undefined>;
  cluster?: ClusterReader;
  /** Where to fetch a PR's repository from; defaults to the clone URL GitHub sent. */
  cloneUrlFor?: (request: PlanRequest) => string;
  now?: () => Date;
  /** Budgets per PR; unset fields keep their defaults. */
  budgets?: Partial<PlanBudgets>;
  /** Plans made at once (default 2); more wait their turn, and their time budget starts then. */
  maxConcurrentPlans?: number;
}

/** A counter of free slots with a queue: `acquire` resolves to the function that frees the slot. */
function slots(limit: number): { acquire(): Promise<() => void> } {
  let free = limit;
  const waiting: (() => void)[] = [];
  const release = () => {
    const next = waiting.shift();
    if (next) next();
    else free += 1;
  };
  return {
    async acquire() {
      if (free > 0) free -= 1;
      else await new Promise<void>((resolve) => waiting.push(resolve));
      return release;
    },
  };
}

export function createRepositoryPlanner(options: RepositoryPlannerOptions): Planner {
  const budgets = { ...defaultPlanBudgets, ...options.budgets };
  const planOnce = async (request: PlanRequest, signal: AbortSignal): Promise<PullRequestPlan> => {
    const repository = await openRepository({
      signal,
      url: options.cloneUrlFor?.(request) ?? request.cloneUrl,
      token: await options.gitToken?.(),
      cacheDir: options.cacheDir,
      fetchRefs: [`refs/pull/${request.pullNumber}/head`],
    });
    const [baseTip, headSha] = await Promise.all([
      repository.resolve(request.baseSha),
      repository.resolve(request.headSha),
    ]);
    const mergeBase = await repository.mergeBase({ base: baseTip, head: headSha });
    const files = await repository.changedFiles({ base: mergeBase, head: headSha });
    const blobs: { path: string; bytes: Uint8Array }[] = [];
    const onBlob = (path: string, bytes: Uint8Array) => blobs.push({ path, bytes });
    const exceeded = await checkPlanBudgets({ repository, files, budgets, onBlob });
    const baseSha = mergeBase ?? baseTip;
    if (exceeded) return budgetExceededPlan({ exceeded, headSha, baseSha });
    const screen = await screenParse({ blobs, maxHeapMiB: budgets.maxParseHeapMiB, signal });
    // Past the deadline the answer is already the time budget: never start the real parse then.
    if (signal.aborted) throw new Error('plan abandoned at its deadline');
    if (!screen.ok && screen.reason !== 'aborted') {
      const { maxParseHeapMiB: limit } = budgets;
      const file = screen.path ? { file: { path: screen.path, count: limit } } : {};
      return budgetExceededPlan({
        exceeded: { budget: screen.reason, limit, counted: limit, ...file },
        headSha,
        baseSha,
      });
    }
    return planPullRequest({
      repository,
      base: request.baseSha,
      head: request.headSha,
      ...(request.baseRef ? { baseBranch: request.baseRef } : {}),
      ...(request.headRef ? { headBranch: request.headRef } : {}),
      ...(request.fromFork || !options.cluster ? {} : { cluster: options.cluster }),
      now: options.now?.() ?? new Date(),
    });
  };
  // Each plan holds its changed manifests, parsed, and a trial-parse worker: a burst of PRs must not
  // multiply that without bound.
  const running = slots(Math.max(1, options.maxConcurrentPlans ?? 2));
  return async (request) => {
    const release = await running.acquire();
    let timer: NodeJS.Timeout | undefined;
    const deadline = new AbortController();
    const outOfTime = new Promise<PullRequestPlan>((resolve) => {
      timer = setTimeout(() => {
        // Stops a fetch in flight, so it releases the clone folder for the next plan.
        deadline.abort();
        resolve(
          budgetExceededPlan({
            exceeded: { budget: 'time', limit: budgets.maxWallMs, counted: budgets.maxWallMs },
            headSha: request.headSha,
            baseSha: request.baseSha,
          }),
        );
      }, budgets.maxWallMs);
    });
    const planning = planOnce(request, deadline.signal);
    // The slot is held until the work ends, even when its answer was the time budget; a late
    // failure of abandoned work must not become an unhandled rejection.
    planning.then(release, release);
    try {
      return await Promise.race([planning, outOfTime]);
    } finally {
      clearTimeout(timer);
    }
  };
}
