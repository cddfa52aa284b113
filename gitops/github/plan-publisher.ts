// Publishes plans for many PRs, coalescing bursts: several plans for the same PR within the window
// are published once (the latest). Whether check runs are allowed is remembered across PRs, so a
// token-only setup pays for the refused check run once, not on every publish.
import type { Octokit } from '@octokit/rest';
import type { Logger } from 'pino';
import { Coalescer } from './coalescer.ts';
import type { CheckCapabilities } from './plan-check.ts';
import type { PullRequestPlan } from './plan-contract.ts';
import { type PublishPlanResult, publishPlan } from './publish-plan.ts';

export interface PlanPublisherOptions {
  octokit: Octokit;
  /** How long to wait for further plans of the same PR before publishing (default 2 s). */
  windowMs?: number;
  logger?: Logger;
}

interface PendingPlan {
  owner: string;
  repo: string;
  pullNumber: number;
  plan: PullRequestPlan;
}

export class PlanPublisher {
  readonly capabilities: CheckCapabilities = {};
  /** The latest result per PR (`owner/repo#number`). */
  readonly results = new Map<string, PublishPlanResult>();
  readonly #coalescer: Coalescer<PendingPlan>;

  constructor(options: PlanPublisherOptions) {
    this.#coalescer = new Coalescer<PendingPlan>({
      windowMs: options.windowMs ?? 2000,
      handle: async (key, pending) => {
        const result = await publishPlan({
          octokit: options.octokit,
          ...pending,
          capabilities: this.capabilities,
        });
        this.results.set(key, result);
        options.logger?.info(
          {
            pullRequest: key,
            headSha: pending.plan.headSha,
            comment: result.comment.action,
            check: result.check?.kind ?? 'unchanged',
          },
          'plan published',
        );
      },
    });
  }

  /** Settles once this plan, or a newer one for the same PR, is on GitHub. */
  publish(options: PendingPlan): Promise<void> {
    return this.#coalescer.submit(`${options.owner}/${options.repo}#${options.pullNumber}`, options);
  }

  get publishCount(): number {
    return this.#coalescer.handledCount;
  }

  flush(): Promise<void> {
    return this.#coalescer.flush();
  }
}
