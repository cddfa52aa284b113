// Scheduled runs have no PR of their own: they report to the commit status of the synced revision
// and, when configured, to one tracking issue per schedule (created once, found again by a marker in
// its body, then one marked comment per run and a body that shows the latest verdict).
import type { Octokit } from '@octokit/rest';
import { type UpsertResult, upsertMarkedComment } from '../github/marked-comment.ts';
import type { ExperimentObject, OwnerReference } from './experiment-view.ts';
import type { Verdict } from './result-comment.ts';
import type { GitHubRepositoryName } from './revision.ts';

export const trackingLabel = 'chaoscraft';

const statusStates: Record<Verdict, 'success' | 'failure' | 'error'> = {
  Passed: 'success',
  DryRun: 'success',
  Failed: 'failure',
  Aborted: 'error',
};

export function scheduleStatusContext(experiment: ExperimentObject, schedule: OwnerReference): string {
  return `chaoscraft/schedule/${experiment.metadata.namespace}/${schedule.name}`;
}

/** The context of a one-off run's commit status (standalone mode): `chaoscraft/<namespace>/<name>`. */
export function resultStatusContext(experiment: ExperimentObject): string {
  return `chaoscraft/${experiment.metadata.namespace}/${experiment.metadata.name}`;
}

/** A run's verdict as a commit status: the one way results become statuses (scheduled runs, standalone). */
export async function postCommitStatus(options: {
  octokit: Octokit;
  repository: GitHubRepositoryName;
  sha: string;
  context: string;
  verdict: Verdict;
  summary: string;
  targetUrl?: string;
}): Promise<number> {
  const { octokit, repository, verdict } = options;
  const description = `${verdict}: ${options.summary}`;
  const { data } = await octokit.rest.repos.createCommitStatus({
    ...repository,
    sha: options.sha,
    context: options.context,
    state: statusStates[verdict],
    description: description.length > 140 ? `${description.slice(0, 139)}…` : description,
    ...(options.targetUrl ? { target_url: options.targetUrl } : {}),
  });
  return data.id;
}

export async function postScheduleStatus(options: {
  octokit: Octokit;
  repository: GitHubRepositoryName;
  sha: string;
  experiment: ExperimentObject;
  schedule: OwnerReference;
  verdict: Verdict;
  summary: string;
  targetUrl?: string;
}): Promise<number> {
  const { experiment, schedule, ...status } = options;
  return postCommitStatus({ ...status, context: scheduleStatusContext(experiment, schedule) });
}

function issueMarker(namespace: string, schedule: string): string {
  return `<!-- chaoscraft:schedule ${namespace}/${schedule} -->`;
}

function issueBody(options: {
  namespace: string;
  schedule: string;
  verdict: Verdict;
  run: string;
  finished: string;
}) {
  return [
    issueMarker(options.namespace, options.schedule),
    `Results of the ChaosSchedule \`${options.namespace}/${options.schedule}\`, one comment per run.`,
    '',
    `**Latest run:** \`${options.run}\` — ${options.verdict} (${options.finished})`,
    '',
  ].join('\n');
}

/** Finds the schedule's tracking issue by its marker (any state), or creates it. */
async function trackingIssue(options: {
  octokit: Octokit;
  repository: GitHubRepositoryName;
  namespace: string;
  schedule: string;
  body: string;
}): Promise<{ number: number; body: string; created: boolean }> {
  const { octokit, repository } = options;
  const marker = issueMarker(options.namespace, options.schedule);
  const pages = octokit.paginate.iterator(octokit.rest.issues.listForRepo, {
    ...repository,
    state: 'all',
    labels: trackingLabel,
    per_page: 100,
  });
  for await (const page of pages) {
    for (const issue of page.data) {
      if (!issue.pull_request && issue.body?.startsWith(marker)) {
        return { number: issue.number, body: issue.body, created: false };
      }
    }
  }
  const { data } = await octokit.rest.issues.create({
    ...repository,
    title: `ChaosCraft schedule ${options.namespace}/${options.schedule}`,
    body: options.body,
    labels: [trackingLabel],
  });
  return { number: data.number, body: data.body ?? options.body, created: true };
}

export async function reportToTrackingIssue(options: {
  octokit: Octokit;
  repository: GitHubRepositoryName;
  experiment: ExperimentObject;
  schedule: OwnerReference;
  verdict: Verdict;
  marker: string;
  comment: string;
}): Promise<{ issueNumber: number; comment: UpsertResult }> {
  const { octokit, repository, experiment, schedule } = options;
  const body = issueBody({
    namespace: experiment.metadata.namespace,
    schedule: schedule.name,
    verdict: options.verdict,
    run: experiment.metadata.name,
    finished: experiment.status?.completionTime ?? 'unknown time',
  });
  const issue = await trackingIssue({
    octokit,
    repository,
    namespace: experiment.metadata.namespace,
    schedule: schedule.name,
    body,
  });
  const comment = await upsertMarkedComment({
    octokit,
    ...repository,
    issueNumber: issue.number,
    marker: options.marker,
    body: options.comment,
  });
  // The body shows the latest run; a replayed older run leaves it alone.
  if (!issue.created && comment.action !== 'unchanged' && issue.body !== body) {
    await octokit.rest.issues.update({ ...repository, issue_number: issue.number, body });
  }
  return { issueNumber: issue.number, comment };
}
