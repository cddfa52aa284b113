// Records of the in-memory GitHub: plain data, shaped into JSON by the representations.

import type { KeyObject } from 'node:crypto';

export type UserType = 'User' | 'Organization' | 'Bot';

export interface UserRecord {
  login: string;
  id: number;
  type: UserType;
}

export interface RepoRecord {
  id: number;
  owner: string;
  name: string;
  fullName: string;
  private: boolean;
  fork: boolean;
  defaultBranch: string;
  description: string | null;
  createdAt: string;
  /** Issue and pull request numbers share one sequence, as on GitHub. */
  nextNumber: number;
}

export interface PullFileRecord {
  filename: string;
  status: 'added' | 'removed' | 'modified' | 'renamed' | 'copied' | 'changed' | 'unchanged';
  additions: number;
  deletions: number;
  patch: string | undefined;
  previousFilename: string | undefined;
  sha: string;
}

export interface PullRequestRecord {
  id: number;
  repo: string;
  number: number;
  head: { ref: string; sha: string; repo: string };
  base: { ref: string; sha: string };
  merged: boolean;
  mergedAt: string | null;
  mergeCommitSha: string | null;
  draft: boolean;
  files: PullFileRecord[];
  /** Every commit SHA of the pull request, head included (for "pull requests of a commit"). */
  commits: string[];
}

export interface IssueRecord {
  id: number;
  repo: string;
  number: number;
  title: string;
  body: string | null;
  user: string;
  state: 'open' | 'closed';
  stateReason: string | null;
  labels: string[];
  createdAt: string;
  updatedAt: string;
  closedAt: string | null;
  /** Set when this issue is the conversation of a pull request. */
  pull: PullRequestRecord | undefined;
}

export interface CommentRecord {
  id: number;
  repo: string;
  issueNumber: number;
  body: string;
  user: string;
  createdAt: string;
  updatedAt: string;
}

export interface AnnotationRecord {
  path: string;
  start_line: number;
  end_line: number;
  start_column?: number;
  end_column?: number;
  annotation_level: 'notice' | 'warning' | 'failure';
  message: string;
  title?: string;
  raw_details?: string;
}

export interface CheckRunRecord {
  id: number;
  repo: string;
  appId: number;
  checkSuiteId: number;
  name: string;
  headSha: string;
  status: string;
  conclusion: string | null;
  startedAt: string | null;
  completedAt: string | null;
  detailsUrl: string | null;
  externalId: string | null;
  output: { title: string | null; summary: string | null; text: string | null };
  annotations: AnnotationRecord[];
}

export interface StatusRecord {
  id: number;
  repo: string;
  sha: string;
  state: 'error' | 'failure' | 'pending' | 'success';
  targetUrl: string | null;
  description: string | null;
  context: string;
  creator: string;
  createdAt: string;
  updatedAt: string;
}

export interface AppRecord {
  id: number;
  slug: string;
  name: string;
  owner: string;
  publicKey: KeyObject;
  createdAt: string;
}

export interface InstallationRecord {
  id: number;
  appId: number;
  account: string;
  /** Full names, or 'all' for every repository of the account. */
  repositories: string[] | 'all';
  permissions: Record<string, string>;
  createdAt: string;
}

/** Who a request authenticated as. */
export type Identity =
  | { kind: 'user'; login: string }
  | {
      kind: 'installation';
      installationId: number;
      appId: number;
      login: string;
      /** Full names the token was narrowed to at creation; undefined = the whole installation. */
      repositories?: string[];
    }
  | { kind: 'app'; appId: number };

export interface TokenRecord {
  identity: Identity;
  expiresAt: Date | undefined;
}
