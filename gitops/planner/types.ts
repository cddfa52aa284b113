// The planner's output: the contract with the GitHub side, which posts `markdown` as the one plan
// comment of a PR (found again by the marker) and `annotations` on the check run.

export interface PlanAnnotation {
  /** Repository-relative path of the manifest. */
  path: string;
  startLine: number;
  endLine: number;
  level: 'failure' | 'warning' | 'notice';
  title: string;
  message: string;
}

export interface PullRequestPlan {
  headSha: string;
  /** The commit the plan compares against: the merge base of base and head (GitHub's three-dot diff). */
  baseSha: string;
  /** No validation error and no guardrail denial. */
  valid: boolean;
  /** A policy change loosens a guardrail: mergeable, but a reviewer should look (check: neutral). */
  needsReview?: boolean;
  /** The whole comment body, starting with the hidden marker line. */
  markdown: string;
  annotations: PlanAnnotation[];
  /** One line, e.g. "3 experiments: 2 would run, 1 denied by policy". */
  summary: string;
}

/** The first line of every plan comment, so the comment is found and updated, never duplicated. */
export const planCommentMarker = '<!-- chaoscraft:plan -->';
