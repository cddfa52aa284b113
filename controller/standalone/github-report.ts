/**
 * A finished standalone run posted to GitHub when configured, through the gitops reporter's own
 * functions: the result comment it renders, on the PR that merged the run's revision (found and kept as
 * one marked comment the way the cluster reporter does), and a commit status on that revision with the
 * context `chaoscraft/<namespace>/<name>`. The credentials are loaded as `chaoscraft gitops` loads them;
 * no answer from GitHub ever carries them into a line of output (redacted, and the client never logs).
 */
import type { GitHubAuthConfig } from '../../gitops/github/auth.ts';
import { createGitHubClient, type GitHubClient } from '../../gitops/github/client.ts';
import { redactSecrets } from '../../gitops/github/redact.ts';
import { renderResultComment, verdictOf } from '../../gitops/reporter/result-comment.ts';
import { commentOnMergedPullRequest } from '../../gitops/reporter/results-reporter.ts';
import type { GitHubRepositoryName } from '../../gitops/reporter/revision.ts';
import { postCommitStatus, resultStatusContext } from '../../gitops/reporter/schedule-reporting.ts';
import { experimentObject } from './results.ts';
import type { RunState } from './state-store.ts';

export interface StandaloneGitHub {
  /** Posts one finished run; resolves to one line for the terminal, never rejects. */
  report(run: RunState): Promise<string>;
}

export function createStandaloneGitHub(options: {
  auth: GitHubAuthConfig;
  repository: GitHubRepositoryName;
  /** API root (default https://api.github.com). */
  apiUrl?: string;
}): StandaloneGitHub {
  const { repository } = options;
  const octokit: GitHubClient = createGitHubClient({
    auth: options.auth,
    ...(options.apiUrl ? { baseUrl: options.apiUrl } : {}),
    // One retry of a 5xx: a run's report waits a second for GitHub, not a quarter of a minute.
    serverErrorRetries: 1,
  });
  const secrets = [
    options.auth.kind === 'token' ? options.auth.token.reveal() : options.auth.privateKey.reveal(),
  ];
  // Commit links only for github.com: an API URL of one's own says nothing of where its pages are.
  const links = { repository, ...(options.apiUrl ? {} : { htmlBaseUrl: 'https://github.com' }) };
  const where = `${repository.owner}/${repository.repo}`;
  return {
    async report(run) {
      if (!run.revision || !/^[0-9a-f]{40}$/.test(run.revision))
        return `GitHub: not reported to ${where}: the run has no commit SHA`;
      const experiment = experimentObject(run);
      const revision = { sha: run.revision, source: 'status' as const };
      const verdict = verdictOf(experiment);
      const summary =
        run.status.report?.summary ??
        run.status.conditions?.find((c) => c.type === 'Succeeded')?.message ??
        run.name;
      const context = resultStatusContext(experiment);
      try {
        await postCommitStatus({ octokit, repository, sha: run.revision, context, verdict, summary });
        const comment = await commentOnMergedPullRequest({
          octokit,
          repository,
          sha: run.revision,
          experiment,
          body: renderResultComment({ experiment, revision, links }),
        });
        const pr =
          comment.kind === 'pull-request'
            ? `comment on #${comment.pullNumber} (${comment.comment})`
            : 'no comment: no merged pull request brought this commit in';
        return `GitHub: status ${context} on ${where}@${run.revision.slice(0, 12)}; ${pr}`;
      } catch (error) {
        return `GitHub: not reported to ${where}: ${oneLine(error, secrets)}`;
      }
    },
  };
}

/** An error as one bounded line with no credential in it. */
function oneLine(error: unknown, secrets: string[]): string {
  const status = (error as { status?: unknown }).status;
  const message = redactSecrets(String((error as Error)?.message ?? error), secrets)
    .replace(/\s+/g, ' ')
    .trim()
    .slice(0, 200);
  return typeof status === 'number' ? `HTTP ${status}: ${message}` : message;
}
