// One handler per GitHub operation (keyed by operationId). Handlers get parameters and bodies already
// validated against the contract, act on the in-memory state and return status + JSON.

import { GitHubApiError, notFound, validationFailed } from './errors.ts';
import { APP_HANDLERS } from './handlers-apps.ts';
import { paginate } from './pagination.ts';
import type { RateLimits } from './rate-limits.ts';
import type { Representations } from './representations.ts';
import type {
  AnnotationRecord,
  CheckRunRecord,
  GitHubState,
  Identity,
  IssueRecord,
  PullRequestRecord,
  RepoRecord,
  StatusRecord,
} from './state.ts';

export interface HandlerContext {
  identity: Identity;
  path: Record<string, unknown>;
  query: Record<string, unknown>;
  body: Record<string, unknown>;
  state: GitHubState;
  repr: Representations;
  rateLimits: RateLimits;
  now: Date;
  /** Absolute URL of this request, for pagination links. */
  requestUrl: URL;
}

export interface HandlerResult {
  status: number;
  body?: unknown;
  headers?: Record<string, string>;
}

export type Handler = (ctx: HandlerContext) => HandlerResult;
type PullIssue = IssueRecord & { pull: PullRequestRecord };

function forbidden(message: string): GitHubApiError {
  return new GitHubApiError({ status: 403, message, code: 'Forbidden' });
}

/** The repository of the path, if the caller may see it (GitHub answers 404, not 403, otherwise). */
function repoOf(ctx: HandlerContext): RepoRecord {
  const fullName = `${ctx.path.owner}/${ctx.path.repo}`;
  const repo = ctx.state.repos.get(fullName);
  if (!repo) throw notFound();
  const { identity } = ctx;
  if (identity.kind === 'app') {
    throw new GitHubApiError({
      status: 401,
      message: 'A JSON web token could not be decoded',
      code: 'Unauthorized',
    });
  }
  if (identity.kind === 'installation') {
    const installation = ctx.state.installations.get(identity.installationId);
    const covered = installation && ctx.state.installationCovers({ installation, repo: fullName });
    if (!covered || (identity.repositories && !identity.repositories.includes(fullName))) throw notFound();
  }
  return repo;
}

/** Installation tokens only carry the permissions granted to the installation. */
function requirePermission(ctx: HandlerContext, permission: string): void {
  if (ctx.identity.kind !== 'installation') return;
  const granted = ctx.state.installations.get(ctx.identity.installationId)?.permissions[permission];
  if (granted !== 'write' && granted !== 'admin') throw forbidden('Resource not accessible by integration');
}

function actor(ctx: HandlerContext): string {
  if (ctx.identity.kind === 'app') throw forbidden('Apps must use an installation token');
  return ctx.identity.login;
}

function findIssue(ctx: HandlerContext, repo: RepoRecord, number: unknown): IssueRecord {
  const issue = ctx.state.findIssue({ repo: repo.fullName, number: Number(number) });
  if (!issue) throw notFound();
  return issue;
}

function findPull(ctx: HandlerContext, repo: RepoRecord): PullIssue {
  const issue = findIssue(ctx, repo, ctx.path.pull_number);
  if (!issue.pull) throw notFound();
  return issue as PullIssue;
}

function labelNames(labels: unknown): string[] {
  return ((labels as Array<string | { name?: string }>) ?? []).flatMap((label) =>
    typeof label === 'string' ? [label] : label.name ? [label.name] : [],
  );
}

function sortByTime<T>(
  items: T[],
  ctx: HandlerContext,
  key: (item: T) => string | number,
  defaultDirection: string,
): T[] {
  const direction = (ctx.query.direction as string | undefined) ?? defaultDirection;
  const sorted = [...items].sort((a, b) => (key(a) < key(b) ? -1 : key(a) > key(b) ? 1 : 0));
  return direction === 'desc' ? sorted.reverse() : sorted;
}

function listPage<T>(ctx: HandlerContext, items: T[], render: (item: T) => unknown): HandlerResult {
  const page = paginate({ items, query: ctx.query, requestUrl: ctx.requestUrl });
  return { status: 200, body: page.items.map(render), headers: page.headers };
}

function applyCheckRunFields(ctx: HandlerContext, run: CheckRunRecord, body: Record<string, unknown>): void {
  const now = ctx.state.timestamp();
  if (typeof body.name === 'string') run.name = body.name;
  if (typeof body.details_url === 'string') run.detailsUrl = body.details_url;
  if (typeof body.external_id === 'string') run.externalId = body.external_id;
  if (typeof body.started_at === 'string') run.startedAt = body.started_at;
  if (typeof body.status === 'string') run.status = body.status;
  if (typeof body.conclusion === 'string') {
    // Giving a conclusion completes the run (GitHub's documented behaviour).
    run.conclusion = body.conclusion;
    run.status = 'completed';
  }
  if (typeof body.completed_at === 'string') run.completedAt = body.completed_at;
  if (run.status === 'completed') {
    if (run.conclusion === null) {
      throw validationFailed({
        message: 'Invalid request.\n\nNo conclusion given for a completed check run.',
        errors: [{ resource: 'CheckRun', field: 'conclusion', code: 'missing_field' }],
      });
    }
    run.completedAt ??= now;
  }
  const output = body.output as
    | { title?: string; summary?: string; text?: string; annotations?: AnnotationRecord[] }
    | undefined;
  if (output) {
    if (output.title !== undefined) run.output.title = output.title;
    if (output.summary !== undefined) run.output.summary = output.summary;
    if (output.text !== undefined) run.output.text = output.text;
    // Annotations accumulate across updates; GitHub never replaces them.
    for (const annotation of output.annotations ?? []) run.annotations.push({ ...annotation });
  }
}

export const HANDLERS: Record<string, Handler> = {
  'issues/list-comments': (ctx) => {
    const repo = repoOf(ctx);
    const issue = findIssue(ctx, repo, ctx.path.issue_number);
    const since = ctx.query.since as string | undefined;
    const comments = ctx.state
      .commentsOn({ repo: repo.fullName, issueNumber: issue.number })
      .filter((comment) => since === undefined || Date.parse(comment.updatedAt) >= Date.parse(since))
      .sort((a, b) => a.id - b.id);
    return listPage(ctx, comments, (comment) => ctx.repr.comment(comment));
  },

  'issues/create-comment': (ctx) => {
    const repo = repoOf(ctx);
    requirePermission(ctx, 'issues');
    const issue = findIssue(ctx, repo, ctx.path.issue_number);
    const comment = ctx.state.addComment({
      repo: repo.fullName,
      issueNumber: issue.number,
      body: ctx.body.body as string,
      user: actor(ctx),
    });
    return { status: 201, body: ctx.repr.comment(comment) };
  },

  'issues/update-comment': (ctx) => {
    const repo = repoOf(ctx);
    requirePermission(ctx, 'issues');
    const comment = ctx.state.comments.find((c) => c.id === ctx.path.comment_id && c.repo === repo.fullName);
    if (!comment) throw notFound();
    comment.body = ctx.body.body as string;
    comment.updatedAt = ctx.state.timestamp();
    return { status: 200, body: ctx.repr.comment(comment) };
  },

  'checks/create': (ctx) => {
    const repo = repoOf(ctx);
    if (ctx.identity.kind !== 'installation') throw forbidden('You must authenticate via a GitHub App.');
    requirePermission(ctx, 'checks');
    const appId = ctx.identity.appId;
    // Runs of one app on one commit share a check suite.
    const existingSuite = ctx.state.checkRuns.find(
      (run) => run.repo === repo.fullName && run.headSha === ctx.body.head_sha && run.appId === appId,
    );
    const run: CheckRunRecord = {
      id: ctx.state.nextId(),
      repo: repo.fullName,
      appId,
      checkSuiteId: existingSuite?.checkSuiteId ?? ctx.state.nextId(),
      name: '',
      headSha: ctx.body.head_sha as string,
      status: 'queued',
      conclusion: null,
      startedAt: ctx.state.timestamp(),
      completedAt: null,
      detailsUrl: null,
      externalId: null,
      output: { title: null, summary: null, text: null },
      annotations: [],
    };
    applyCheckRunFields(ctx, run, ctx.body);
    ctx.state.checkRuns.push(run);
    return { status: 201, body: ctx.repr.checkRun(run) };
  },

  'checks/update': (ctx) => {
    const repo = repoOf(ctx);
    if (ctx.identity.kind !== 'installation') throw forbidden('You must authenticate via a GitHub App.');
    requirePermission(ctx, 'checks');
    const run = ctx.state.checkRuns.find((r) => r.id === ctx.path.check_run_id && r.repo === repo.fullName);
    if (!run) throw notFound();
    const before = structuredClone(run);
    try {
      applyCheckRunFields(ctx, run, ctx.body);
    } catch (error) {
      Object.assign(run, before);
      throw error;
    }
    return { status: 200, body: ctx.repr.checkRun(run) };
  },

  'repos/create-commit-status': (ctx) => {
    const repo = repoOf(ctx);
    requirePermission(ctx, 'statuses');
    const now = ctx.state.timestamp();
    const status: StatusRecord = {
      id: ctx.state.nextId(),
      repo: repo.fullName,
      sha: ctx.path.sha as string,
      state: ctx.body.state as StatusRecord['state'],
      targetUrl: (ctx.body.target_url as string | null | undefined) ?? null,
      description: (ctx.body.description as string | null | undefined) ?? null,
      context: (ctx.body.context as string | undefined) ?? 'default',
      creator: actor(ctx),
      createdAt: now,
      updatedAt: now,
    };
    ctx.state.statuses.push(status);
    return { status: 201, body: ctx.repr.status(status) };
  },

  'repos/list-pull-requests-associated-with-commit': (ctx) => {
    const repo = repoOf(ctx);
    const sha = ctx.path.commit_sha as string;
    const pulls = ctx.state.issues.filter(
      (issue): issue is PullIssue =>
        issue.repo === repo.fullName &&
        issue.pull !== undefined &&
        (issue.pull.commits.includes(sha) || issue.pull.mergeCommitSha === sha),
    );
    return listPage(ctx, pulls, (issue) => ctx.repr.pullRequest(issue, 'simple'));
  },

  'pulls/get': (ctx) => ({ status: 200, body: ctx.repr.pullRequest(findPull(ctx, repoOf(ctx)), 'full') }),

  'pulls/list-files': (ctx) => {
    const repo = repoOf(ctx);
    const issue = findPull(ctx, repo);
    return listPage(ctx, issue.pull.files, (file) => ctx.repr.pullFile(repo.fullName, issue.pull, file));
  },

  'pulls/list': (ctx) => {
    const repo = repoOf(ctx);
    const state = ctx.query.state as string;
    const head = ctx.query.head as string | undefined;
    const base = ctx.query.base as string | undefined;
    const pulls = ctx.state.issues.filter((issue): issue is PullIssue => {
      if (issue.repo !== repo.fullName || !issue.pull) return false;
      if (state !== 'all' && issue.state !== state) return false;
      if (base !== undefined && issue.pull.base.ref !== base) return false;
      if (head !== undefined) {
        const [headOwner, headRef] = head.includes(':') ? head.split(':', 2) : [undefined, head];
        const headRepoOwner = issue.pull.head.repo.split('/')[0];
        if (issue.pull.head.ref !== headRef || (headOwner !== undefined && headOwner !== headRepoOwner))
          return false;
      }
      return true;
    });
    const sort = ctx.query.sort as string;
    const key = (issue: PullIssue) =>
      (sort === 'updated' ? issue.updatedAt : issue.createdAt) + String(issue.id).padStart(12, '0');
    const sorted = sortByTime(pulls, ctx, key, sort === 'created' ? 'desc' : 'asc');
    return listPage(ctx, sorted, (issue) => ctx.repr.pullRequest(issue, 'simple'));
  },

  'issues/create': (ctx) => {
    const repo = repoOf(ctx);
    requirePermission(ctx, 'issues');
    const issue = ctx.state.addIssue({
      repo: repo.fullName,
      title: String(ctx.body.title),
      body: (ctx.body.body as string | undefined) ?? null,
      user: actor(ctx),
      labels: labelNames(ctx.body.labels),
    });
    return { status: 201, body: ctx.repr.issue(issue) };
  },

  'issues/update': (ctx) => {
    const repo = repoOf(ctx);
    requirePermission(ctx, 'issues');
    const issue = findIssue(ctx, repo, ctx.path.issue_number);
    const body = ctx.body;
    const now = ctx.state.timestamp();
    if (body.title !== undefined && body.title !== null) issue.title = String(body.title);
    if (body.body !== undefined) issue.body = body.body as string | null;
    if (body.labels !== undefined) issue.labels = labelNames(body.labels);
    if (body.state !== undefined && body.state !== issue.state) {
      issue.state = body.state as 'open' | 'closed';
      issue.closedAt = issue.state === 'closed' ? now : null;
      issue.stateReason = issue.state === 'closed' ? 'completed' : 'reopened';
    }
    if (body.state_reason !== undefined) issue.stateReason = body.state_reason as string | null;
    issue.updatedAt = now;
    return { status: 200, body: ctx.repr.issue(issue) };
  },

  'issues/list-for-repo': (ctx) => {
    const repo = repoOf(ctx);
    const state = ctx.query.state as string;
    const wanted = typeof ctx.query.labels === 'string' ? ctx.query.labels.split(',').filter(Boolean) : [];
    const since = ctx.query.since as string | undefined;
    const creator = ctx.query.creator as string | undefined;
    const issues = ctx.state.issues.filter(
      (issue) =>
        issue.repo === repo.fullName &&
        (state === 'all' || issue.state === state) &&
        wanted.every((label) => issue.labels.includes(label)) &&
        (creator === undefined || issue.user === creator) &&
        (since === undefined || Date.parse(issue.updatedAt) >= Date.parse(since)),
    );
    const sort = ctx.query.sort as string;
    const key = (issue: IssueRecord) =>
      (sort === 'updated'
        ? issue.updatedAt
        : sort === 'comments'
          ? String(ctx.state.commentsOn({ repo: issue.repo, issueNumber: issue.number }).length).padStart(
              8,
              '0',
            )
          : issue.createdAt) + String(issue.id).padStart(12, '0');
    return listPage(ctx, sortByTime(issues, ctx, key, 'desc'), (issue) => ctx.repr.issue(issue));
  },

  ...APP_HANDLERS,
};
