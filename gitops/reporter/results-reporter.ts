// Posts the result of every finished ChaosExperiment back to GitHub. It only reads the cluster:
// experiments (listed periodically) and Argo CD Applications. One-off runs get one comment on the
// PR that merged their revision; runs of a ChaosSchedule update the revision's commit status and,
// if enabled, the schedule's tracking issue. Idempotent through comment markers: a restarted
// reporter finds what it posted and writes nothing again.
import type { Octokit } from '@octokit/rest';
import type { Logger } from 'pino';
import type { KubeHttp } from '../../controller/kube/kube-http.ts';
import { listPages } from '../../controller/kube/list-pages.ts';
import { resourcePath, resources } from '../../controller/kube/paths.ts';
import { createKeyedSerialRunner } from '../../controller/runtime/serial-runner.ts';
import { Coalescer } from '../github/coalescer.ts';
import { type UpsertAction, upsertMarkedComment } from '../github/marked-comment.ts';
import { type ExperimentObject, isFinished, runKey, scheduleOwner } from './experiment-view.ts';
import { type ResultLinks, renderResultComment, resultMarker, verdictOf } from './result-comment.ts';
import { type GitHubRepositoryName, type ResolvedRevision, resolveRevision } from './revision.ts';
import { postScheduleStatus, reportToTrackingIssue } from './schedule-reporting.ts';

export interface ResultsReporterOptions {
  kube: KubeHttp;
  octokit: Octokit;
  /** Used when the Application's repoURL is not a GitHub URL, or without Argo CD. */
  defaultRepository?: GitHubRepositoryName;
  argocdNamespace?: string;
  /** Keep one tracking issue per ChaosSchedule. */
  trackingIssues?: boolean;
  links?: Omit<ResultLinks, 'repository'>;
  /** Several sightings of one finished run within this window are reported once (default 500 ms). */
  coalesceWindowMs?: number;
  logger?: Logger;
}

export type ReportOutcome =
  | { kind: 'pull-request'; pullNumber: number; comment: UpsertAction }
  | { kind: 'schedule'; statusId?: number; issueNumber?: number; comment?: UpsertAction }
  | { kind: 'skipped'; reason: string };

const maxRemembered = 10_000;

/** The PR that brought a commit in: a merged one associated with the commit, preferring the merge commit match. */
export async function findMergedPullRequest(options: {
  octokit: Octokit;
  repository: GitHubRepositoryName;
  sha: string;
}): Promise<number | undefined> {
  const pulls = await options.octokit.paginate(
    options.octokit.rest.repos.listPullRequestsAssociatedWithCommit,
    {
      ...options.repository,
      commit_sha: options.sha,
      per_page: 100,
    },
  );
  const merged = pulls.filter((pull) => pull.merged_at);
  const exact = merged.find((pull) => pull.merge_commit_sha === options.sha);
  return (exact ?? merged[0])?.number;
}

/**
 * A one-off run's result as a comment on the PR that merged its revision (kept as one marked comment:
 * posting the run again changes nothing). Skipped when no merged PR brought the commit in.
 */
export async function commentOnMergedPullRequest(options: {
  octokit: Octokit;
  repository: GitHubRepositoryName;
  sha: string;
  experiment: ExperimentObject;
  body: string;
}): Promise<ReportOutcome> {
  const { octokit, repository, sha } = options;
  const pullNumber = await findMergedPullRequest({ octokit, repository, sha });
  if (pullNumber === undefined) return { kind: 'skipped', reason: `no merged pull request for ${sha}` };
  const comment = await upsertMarkedComment({
    octokit,
    ...repository,
    issueNumber: pullNumber,
    marker: resultMarker(options.experiment),
    body: options.body,
  });
  return { kind: 'pull-request', pullNumber, comment: comment.action };
}

export class ResultsReporter {
  readonly #options: ResultsReporterOptions;
  readonly #coalescer: Coalescer<ExperimentObject>;
  /** Runs already reported by this process, oldest first (bounded; GitHub markers are the real record). */
  readonly #reported = new Set<string>();
  readonly outcomes = new Map<string, ReportOutcome>();
  /**
   * Runs of one schedule are reported one at a time: each finds the schedule's tracking issue or
   * creates it, and two runs finishing together (a scan finds both) must not create two issues.
   */
  readonly #oneSchedule = createKeyedSerialRunner();
  #timer: NodeJS.Timeout | undefined;
  #scan: Promise<unknown> | undefined;
  #stopped = false;

  constructor(options: ResultsReporterOptions) {
    this.#options = options;
    this.#coalescer = new Coalescer<ExperimentObject>({
      windowMs: options.coalesceWindowMs ?? 500,
      handle: async (key, experiment) => {
        const outcome = await this.#report(experiment);
        this.outcomes.set(key, outcome);
        this.#remember(key);
        options.logger?.info({ run: key, outcome }, 'result reported');
      },
    });
  }

  /** Reports one finished run (coalesced per run). Unfinished runs are ignored. */
  async report(experiment: ExperimentObject): Promise<ReportOutcome | undefined> {
    if (!isFinished(experiment)) return undefined;
    const key = runKey(experiment);
    if (!this.#reported.has(key)) await this.#coalescer.submit(key, experiment);
    return this.outcomes.get(key);
  }

  /** Lists every experiment once and reports the finished, not yet reported runs. */
  async scanOnce(): Promise<number> {
    const experiments = await this.#listExperiments();
    const fresh = experiments.filter(
      (experiment) => isFinished(experiment) && !this.#reported.has(runKey(experiment)),
    );
    const results = await Promise.allSettled(fresh.map((experiment) => this.report(experiment)));
    for (const result of results) {
      if (result.status === 'rejected') {
        this.#options.logger?.error({ error: (result.reason as Error).message }, 'reporting a result failed');
      }
    }
    return results.filter((result) => result.status === 'fulfilled').length;
  }

  start(options: { intervalMs: number }): void {
    const tick = () => {
      if (this.#stopped) return;
      this.#scan = this.scanOnce()
        .catch((error: unknown) =>
          this.#options.logger?.error({ error: (error as Error).message }, 'scan failed'),
        )
        .finally(() => {
          if (!this.#stopped) this.#timer = setTimeout(tick, options.intervalMs);
        });
    };
    tick();
  }

  async stop(): Promise<void> {
    this.#stopped = true;
    if (this.#timer) clearTimeout(this.#timer);
    await this.#scan;
    await this.#coalescer.flush();
  }

  #remember(key: string): void {
    this.#reported.add(key);
    if (this.#reported.size > maxRemembered)
      this.#reported.delete(this.#reported.values().next().value as string);
  }

  async #listExperiments(): Promise<ExperimentObject[]> {
    // At most 1,000 pages (500,000 experiments) per scan; experiments past them are not looked at.
    const listed = await listPages<ExperimentObject>({
      http: this.#options.kube,
      path: resourcePath(resources.experiments),
      maxPages: 1000,
    });
    return listed.items;
  }

  async #report(experiment: ExperimentObject): Promise<ReportOutcome> {
    const { octokit } = this.#options;
    const schedule = scheduleOwner(experiment);
    const resolution = await resolveRevision({
      experiment,
      kube: this.#options.kube,
      argocdNamespace: this.#options.argocdNamespace,
      scheduled: schedule !== undefined,
    });
    const revision = resolution.revision;
    if (!revision) {
      // Reporting nowhere beats reporting on the wrong pull request: say so, once per run.
      this.#options.logger?.warn(
        { run: runKey(experiment), reason: resolution.reason },
        'result not reported: no Git revision tied to this run',
      );
      return { kind: 'skipped', reason: resolution.reason };
    }
    const repository = revision.repository ?? this.#options.defaultRepository;
    if (!repository) return { kind: 'skipped', reason: 'the revision is not from a GitHub repository' };
    const body = renderResultComment({ experiment, revision, links: { ...this.#options.links, repository } });
    if (schedule)
      return this.#oneSchedule(
        `${repository.owner}/${repository.repo} ${experiment.metadata.namespace}/${schedule.name}`,
        () => this.#reportScheduled({ experiment, schedule, revision, repository, body }),
      );
    return commentOnMergedPullRequest({ octokit, repository, sha: revision.sha, experiment, body });
  }

  async #reportScheduled(options: {
    experiment: ExperimentObject;
    schedule: NonNullable<ReturnType<typeof scheduleOwner>>;
    revision: ResolvedRevision;
    repository: GitHubRepositoryName;
    body: string;
  }): Promise<ReportOutcome> {
    const { octokit } = this.#options;
    const { experiment, schedule, revision, repository, body } = options;
    const verdict = verdictOf(experiment);
    const summary = experiment.status?.report?.summary ?? experiment.metadata.name;
    if (!this.#options.trackingIssues) {
      const statusId = await postScheduleStatus({
        octokit,
        repository,
        sha: revision.sha,
        experiment,
        schedule,
        verdict,
        summary,
      });
      return { kind: 'schedule', statusId };
    }
    // The issue comment is the record of this run: the status goes out only when the comment is new
    // or changed, so a restart replaying the run writes nothing.
    const tracked = await reportToTrackingIssue({
      octokit,
      repository,
      experiment,
      schedule,
      verdict,
      marker: resultMarker(experiment),
      comment: body,
    });
    let statusId: number | undefined;
    if (tracked.comment.action !== 'unchanged') {
      statusId = await postScheduleStatus({
        octokit,
        repository,
        sha: revision.sha,
        experiment,
        schedule,
        verdict,
        summary,
      });
    }
    return { kind: 'schedule', statusId, issueNumber: tracked.issueNumber, comment: tracked.comment.action };
  }
}
