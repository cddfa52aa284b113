// In-memory GitHub: the records the test server serves, and the seeding API tests use to set up a world
// (`server.state.addRepo(...)`, `addPullRequest(...)`). Records are plain data; JSON shapes are built in
// representations.ts.

import { createPublicKey, type KeyObject } from 'node:crypto';
import type {
  AppRecord,
  CheckRunRecord,
  CommentRecord,
  InstallationRecord,
  IssueRecord,
  PullFileRecord,
  PullRequestRecord,
  RepoRecord,
  StatusRecord,
  TokenRecord,
  UserRecord,
  UserType,
} from './records.ts';

export type * from './records.ts';

export class GitHubStateError extends Error {
  readonly code: string;
  readonly data: Record<string, unknown>;
  constructor(options: { code: string; message: string; data?: Record<string, unknown> }) {
    super(options.message);
    this.name = 'GitHubStateError';
    this.code = options.code;
    this.data = options.data ?? {};
  }
}

const SHA_PATTERN = /^[0-9a-f]{40}$/;

function assertSha(value: string, field: string): void {
  if (!SHA_PATTERN.test(value)) {
    throw new GitHubStateError({
      code: 'InvalidSha',
      message: `${field} must be 40 hex digits`,
      data: { field },
    });
  }
}

export function formatTimestamp(date: Date): string {
  return `${date.toISOString().slice(0, 19)}Z`;
}

export class GitHubState {
  readonly users = new Map<string, UserRecord>();
  readonly repos = new Map<string, RepoRecord>();
  readonly issues: IssueRecord[] = [];
  readonly comments: CommentRecord[] = [];
  readonly checkRuns: CheckRunRecord[] = [];
  readonly statuses: StatusRecord[] = [];
  readonly apps = new Map<number, AppRecord>();
  readonly installations = new Map<number, InstallationRecord>();
  readonly tokens = new Map<string, TokenRecord>();
  readonly #now: () => Date;
  #nextId = 1000;

  constructor(options: { now: () => Date }) {
    this.#now = options.now;
  }

  nextId(): number {
    this.#nextId += 1;
    return this.#nextId;
  }

  timestamp(): string {
    return formatTimestamp(this.#now());
  }

  ensureUser(options: { login: string; type?: UserType }): UserRecord {
    let user = this.users.get(options.login);
    if (!user) {
      user = { login: options.login, id: this.nextId(), type: options.type ?? 'User' };
      this.users.set(user.login, user);
    }
    return user;
  }

  addRepo(options: {
    owner: string;
    name: string;
    private?: boolean;
    fork?: boolean;
    defaultBranch?: string;
    description?: string;
    ownerType?: 'User' | 'Organization';
  }): RepoRecord {
    for (const value of [options.owner, options.name]) {
      if (!/^[A-Za-z0-9_.-]+$/.test(value)) {
        throw new GitHubStateError({ code: 'InvalidName', message: `invalid owner/repo name ${value}` });
      }
    }
    const fullName = `${options.owner}/${options.name}`;
    if (this.repos.has(fullName)) {
      throw new GitHubStateError({
        code: 'AlreadyExists',
        message: `repo ${fullName} exists`,
        data: { fullName },
      });
    }
    this.ensureUser({ login: options.owner, type: options.ownerType ?? 'Organization' });
    const repo: RepoRecord = {
      id: this.nextId(),
      owner: options.owner,
      name: options.name,
      fullName,
      private: options.private ?? false,
      fork: options.fork ?? false,
      defaultBranch: options.defaultBranch ?? 'main',
      description: options.description ?? null,
      createdAt: this.timestamp(),
      nextNumber: 1,
    };
    this.repos.set(fullName, repo);
    return repo;
  }

  getRepo(fullName: string): RepoRecord {
    const repo = this.repos.get(fullName);
    if (!repo) throw new GitHubStateError({ code: 'RepoNotFound', message: `no repo ${fullName}` });
    return repo;
  }

  addIssue(options: {
    repo: string;
    title: string;
    body?: string | null;
    user?: string;
    labels?: string[];
    state?: 'open' | 'closed';
  }): IssueRecord {
    const repo = this.getRepo(options.repo);
    const user = this.ensureUser({ login: options.user ?? 'octocat' });
    const now = this.timestamp();
    const issue: IssueRecord = {
      id: this.nextId(),
      repo: repo.fullName,
      number: repo.nextNumber++,
      title: options.title,
      body: options.body ?? null,
      user: user.login,
      state: options.state ?? 'open',
      stateReason: options.state === 'closed' ? 'completed' : null,
      labels: [...(options.labels ?? [])],
      createdAt: now,
      updatedAt: now,
      closedAt: options.state === 'closed' ? now : null,
      pull: undefined,
    };
    this.issues.push(issue);
    return issue;
  }

  /**
   * Seeds a pull request. `head.repo` names the repository the head branch lives in: another full name
   * makes it a fork PR (the fork repository is created if unknown).
   */
  addPullRequest(options: {
    repo: string;
    title: string;
    body?: string | null;
    user?: string;
    state?: 'open' | 'closed';
    draft?: boolean;
    merged?: boolean;
    mergeCommitSha?: string;
    labels?: string[];
    head: { ref: string; sha: string; repo?: string };
    base: { ref: string; sha: string };
    files?: Array<Partial<Omit<PullFileRecord, 'filename'>> & { filename: string }>;
    commits?: string[];
  }): IssueRecord & { pull: PullRequestRecord } {
    assertSha(options.head.sha, 'head.sha');
    assertSha(options.base.sha, 'base.sha');
    if (options.mergeCommitSha) assertSha(options.mergeCommitSha, 'mergeCommitSha');
    if (options.merged && options.state === 'open') {
      throw new GitHubStateError({ code: 'InvalidState', message: 'a merged pull request is closed' });
    }
    const headRepo = options.head.repo ?? options.repo;
    if (!this.repos.has(headRepo)) {
      const [owner, name] = headRepo.split('/') as [string, string];
      this.addRepo({ owner, name, fork: true, ownerType: 'User' });
    }
    const issue = this.addIssue({
      repo: options.repo,
      title: options.title,
      body: options.body ?? null,
      user: options.user ?? 'octocat',
      labels: options.labels ?? [],
      state: options.merged ? 'closed' : (options.state ?? 'open'),
    });
    issue.stateReason = null;
    const commits = [...(options.commits ?? [])];
    for (const sha of commits) assertSha(sha, 'commits[]');
    if (!commits.includes(options.head.sha)) commits.push(options.head.sha);
    const pull: PullRequestRecord = {
      id: this.nextId(),
      repo: issue.repo,
      number: issue.number,
      head: { ref: options.head.ref, sha: options.head.sha, repo: headRepo },
      base: { ...options.base },
      merged: options.merged ?? false,
      mergedAt: options.merged ? issue.closedAt : null,
      mergeCommitSha: options.mergeCommitSha ?? null,
      draft: options.draft ?? false,
      files: (options.files ?? []).map((file) => ({
        filename: file.filename,
        status: file.status ?? 'modified',
        additions: file.additions ?? 0,
        deletions: file.deletions ?? 0,
        patch: file.patch,
        previousFilename: file.previousFilename,
        sha: file.sha ?? '0'.repeat(40),
      })),
      commits,
    };
    issue.pull = pull;
    return issue as IssueRecord & { pull: PullRequestRecord };
  }

  /** Marks a seeded pull request merged (as the merge button would). */
  mergePullRequest(options: { repo: string; number: number; mergeCommitSha: string }): void {
    assertSha(options.mergeCommitSha, 'mergeCommitSha');
    const issue = this.findIssue({ repo: options.repo, number: options.number });
    if (!issue?.pull)
      throw new GitHubStateError({ code: 'PullNotFound', message: `no pull ${options.number}` });
    const now = this.timestamp();
    Object.assign(issue, { state: 'closed', closedAt: now, updatedAt: now });
    Object.assign(issue.pull, { merged: true, mergedAt: now, mergeCommitSha: options.mergeCommitSha });
  }

  findIssue(options: { repo: string; number: number }): IssueRecord | undefined {
    return this.issues.find((issue) => issue.repo === options.repo && issue.number === options.number);
  }

  addComment(options: { repo: string; issueNumber: number; body: string; user?: string }): CommentRecord {
    const issue = this.findIssue({ repo: options.repo, number: options.issueNumber });
    if (!issue)
      throw new GitHubStateError({ code: 'IssueNotFound', message: `no issue ${options.issueNumber}` });
    const user = this.ensureUser({ login: options.user ?? 'octocat' });
    const now = this.timestamp();
    const comment: CommentRecord = {
      id: this.nextId(),
      repo: options.repo,
      issueNumber: options.issueNumber,
      body: options.body,
      user: user.login,
      createdAt: now,
      updatedAt: now,
    };
    this.comments.push(comment);
    issue.updatedAt = now;
    return comment;
  }

  /** Registers a GitHub App by its public key (PEM or KeyObject); its JWTs are then accepted. */
  addApp(options: {
    id: number;
    publicKey: string | KeyObject;
    slug?: string;
    name?: string;
    owner?: string;
  }): AppRecord {
    const slug = options.slug ?? `chaoscraft-test-${options.id}`;
    const owner = options.owner ?? 'chaoscraft';
    this.ensureUser({ login: owner, type: 'Organization' });
    this.ensureUser({ login: `${slug}[bot]`, type: 'Bot' });
    const app: AppRecord = {
      id: options.id,
      slug,
      name: options.name ?? slug,
      owner,
      publicKey:
        typeof options.publicKey === 'string' ? createPublicKey(options.publicKey) : options.publicKey,
      createdAt: this.timestamp(),
    };
    this.apps.set(app.id, app);
    return app;
  }

  addInstallation(options: {
    id: number;
    appId: number;
    account: string;
    repositories?: string[] | 'all';
    permissions?: Record<string, string>;
  }): InstallationRecord {
    if (!this.apps.has(options.appId)) {
      throw new GitHubStateError({ code: 'AppNotFound', message: `no app ${options.appId}` });
    }
    this.ensureUser({ login: options.account, type: 'Organization' });
    const installation: InstallationRecord = {
      id: options.id,
      appId: options.appId,
      account: options.account,
      repositories: options.repositories ?? 'all',
      permissions: options.permissions ?? {
        checks: 'write',
        contents: 'read',
        issues: 'write',
        metadata: 'read',
        pull_requests: 'write',
        statuses: 'write',
      },
      createdAt: this.timestamp(),
    };
    this.installations.set(installation.id, installation);
    return installation;
  }

  /** A personal access token acting as `login`. */
  addToken(options: { token: string; login: string }): void {
    this.ensureUser({ login: options.login });
    this.tokens.set(options.token, {
      identity: { kind: 'user', login: options.login },
      expiresAt: undefined,
    });
  }

  /** An installation access token without the JWT exchange, for tests that do not exercise auth-app. */
  addInstallationToken(options: { token: string; installationId: number }): void {
    const installation = this.installations.get(options.installationId);
    if (!installation) {
      throw new GitHubStateError({
        code: 'InstallationNotFound',
        message: `no installation ${options.installationId}`,
      });
    }
    const app = this.apps.get(installation.appId)!;
    this.tokens.set(options.token, {
      identity: {
        kind: 'installation',
        installationId: installation.id,
        appId: app.id,
        login: `${app.slug}[bot]`,
      },
      expiresAt: undefined,
    });
  }

  installationCovers(options: { installation: InstallationRecord; repo: string }): boolean {
    const { installation, repo } = options;
    return installation.repositories === 'all'
      ? repo.startsWith(`${installation.account}/`)
      : installation.repositories.includes(repo);
  }

  /** Read helpers for assertions. */
  commentsOn(options: { repo: string; issueNumber: number }): CommentRecord[] {
    return this.comments.filter((c) => c.repo === options.repo && c.issueNumber === options.issueNumber);
  }

  statusesFor(options: { repo: string; sha: string }): StatusRecord[] {
    return this.statuses.filter((s) => s.repo === options.repo && s.sha === options.sha);
  }

  checkRunsFor(options: { repo: string; headSha?: string }): CheckRunRecord[] {
    return this.checkRuns.filter(
      (run) =>
        run.repo === options.repo && (options.headSha === undefined || run.headSha === options.headSha),
    );
  }
}
