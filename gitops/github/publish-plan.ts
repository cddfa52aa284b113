// Publishes a pull request's plan: the `chaoscraft/plan` check (or status) on the head commit, then
// the one plan comment. The comment goes last and carries the head SHA in a hidden line, so it is
// the record of what was published: an identical comment means this plan for this head is already
// out, and nothing is written at all (also after a restart).
import type { Octokit } from '@octokit/rest';
import { findMarkedComment, type UpsertAction, upsertMarkedComment } from './marked-comment.ts';
import { type CheckCapabilities, type PlanCheckResult, publishPlanCheck } from './plan-check.ts';
import { type PullRequestPlan, planCommentMarker } from './plan-contract.ts';

export interface PublishPlanOptions {
  octokit: Octokit;
  owner: string;
  repo: string;
  pullNumber: number;
  plan: PullRequestPlan;
  /** Remembers across calls whether check runs are allowed; omit to try them every time. */
  capabilities?: CheckCapabilities;
}

export interface PublishPlanResult {
  comment: { action: UpsertAction; commentId: number; url: string };
  /** Undefined when nothing changed and so nothing was written. */
  check: PlanCheckResult | undefined;
}

/** The comment body: the planner's markdown plus a hidden line naming the commit it describes. */
export function planCommentBody(plan: PullRequestPlan): string {
  const markdown = plan.markdown.startsWith(planCommentMarker)
    ? plan.markdown
    : `${planCommentMarker}\n${plan.markdown}`;
  return `${markdown.trimEnd()}\n\n<!-- chaoscraft:plan-head ${plan.headSha} -->\n`;
}

export async function publishPlan(options: PublishPlanOptions): Promise<PublishPlanResult> {
  const { octokit, owner, repo, pullNumber, plan } = options;
  const body = planCommentBody(plan);
  const target = { octokit, owner, repo, issueNumber: pullNumber, marker: planCommentMarker };
  const existing = await findMarkedComment(target);
  if (existing?.body === body) {
    return { comment: { action: 'unchanged', commentId: existing.id, url: existing.url }, check: undefined };
  }
  const check = await publishPlanCheck({
    octokit,
    owner,
    repo,
    plan,
    detailsUrl: existing?.url,
    capabilities: options.capabilities,
  });
  const comment = await upsertMarkedComment({ ...target, body, existing: existing ?? null });
  return { comment, check };
}
