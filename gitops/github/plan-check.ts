// The `chaoscraft/plan` check on the PR head: a check run whose annotations point at the YAML lines
// (GitHub takes at most 50 annotations per request, so they go in batches), or, when the credentials
// cannot create check runs (a plain token gets 403), a commit status with the same context.
import type { Octokit } from '@octokit/rest';
import type { PlanAnnotation, PullRequestPlan } from './plan-contract.ts';

export const planCheckName = 'chaoscraft/plan';
export const annotationsPerRequest = 50;
/** GitHub's limits on check-run output and status descriptions. */
const maxSummaryChars = 65_535;
const maxStatusDescriptionChars = 140;

export interface CheckCapabilities {
  /** Set to false after GitHub refused a check run with 403; statuses are used from then on. */
  checkRuns?: boolean;
}

export type PlanCheckResult =
  | { kind: 'check-run'; checkRunId: number; requests: number }
  | { kind: 'commit-status'; statusId: number };

function truncate(text: string, max: number): string {
  return text.length <= max ? text : `${text.slice(0, max - 1)}…`;
}

function toGitHubAnnotation(annotation: PlanAnnotation) {
  return {
    path: annotation.path,
    start_line: annotation.startLine,
    end_line: Math.max(annotation.endLine, annotation.startLine),
    annotation_level: annotation.level,
    title: truncate(annotation.title, 255),
    message: truncate(annotation.message, 64 * 1024 - 1),
  };
}

function chunk<T>(items: T[], size: number): T[][] {
  const chunks: T[][] = [];
  for (let index = 0; index < items.length; index += size) chunks.push(items.slice(index, index + size));
  return chunks;
}

/** A 403 that means "not allowed to create check runs", as opposed to a rate limit that gave up. */
function checkRunsForbidden(error: unknown): boolean {
  const failure = error as { status?: number; message?: string };
  return failure.status === 403 && !/rate limit/i.test(failure.message ?? '');
}

async function createCheckRun(options: {
  octokit: Octokit;
  owner: string;
  repo: string;
  plan: PullRequestPlan;
  detailsUrl?: string;
}): Promise<PlanCheckResult> {
  const { octokit, owner, repo, plan } = options;
  const batches = chunk(plan.annotations.map(toGitHubAnnotation), annotationsPerRequest);
  // Neutral lets the PR merge but marks it for a look (a policy change loosens a guardrail).
  const conclusion = !plan.valid
    ? ('failure' as const)
    : plan.needsReview
      ? ('neutral' as const)
      : ('success' as const);
  const output = (annotations: ReturnType<typeof toGitHubAnnotation>[]) => ({
    title: truncate(plan.summary, 255),
    summary: truncate(plan.markdown, maxSummaryChars),
    annotations,
  });
  const single = batches.length <= 1;
  const { data } = await octokit.rest.checks.create({
    owner,
    repo,
    name: planCheckName,
    head_sha: plan.headSha,
    external_id: `plan:${plan.headSha}`,
    ...(options.detailsUrl ? { details_url: options.detailsUrl } : {}),
    ...(single ? { status: 'completed' as const, conclusion } : { status: 'in_progress' as const }),
    output: output(batches[0] ?? []),
  });
  let requests = 1;
  // The remaining batches; the conclusion travels with the last one so the run completes only when
  // every annotation is in.
  for (const [index, batch] of batches.slice(1).entries()) {
    const last = index === batches.length - 2;
    await octokit.rest.checks.update({
      owner,
      repo,
      check_run_id: data.id,
      output: output(batch),
      ...(last ? { status: 'completed' as const, conclusion } : {}),
    });
    requests += 1;
  }
  return { kind: 'check-run', checkRunId: data.id, requests };
}

async function createCommitStatus(options: {
  octokit: Octokit;
  owner: string;
  repo: string;
  plan: PullRequestPlan;
  targetUrl?: string;
}): Promise<PlanCheckResult> {
  const { octokit, owner, repo, plan } = options;
  const { data } = await octokit.rest.repos.createCommitStatus({
    owner,
    repo,
    sha: plan.headSha,
    context: planCheckName,
    state: plan.valid ? 'success' : 'failure',
    description: truncate(plan.summary, maxStatusDescriptionChars),
    ...(options.targetUrl ? { target_url: options.targetUrl } : {}),
  });
  return { kind: 'commit-status', statusId: data.id };
}

export async function publishPlanCheck(options: {
  octokit: Octokit;
  owner: string;
  repo: string;
  plan: PullRequestPlan;
  /** Where the check and status link to (the plan comment). */
  detailsUrl?: string;
  capabilities?: CheckCapabilities;
}): Promise<PlanCheckResult> {
  const capabilities = options.capabilities ?? {};
  if (capabilities.checkRuns !== false) {
    try {
      const result = await createCheckRun(options);
      capabilities.checkRuns = true;
      return result;
    } catch (error) {
      if (!checkRunsForbidden(error)) throw error;
      capabilities.checkRuns = false;
    }
  }
  return createCommitStatus({ ...options, targetUrl: options.detailsUrl });
}
