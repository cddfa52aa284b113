// JSON shapes of GitHub conversations, pull requests, check runs and statuses, built from state records.
// Every field the published schemas require is present; the contract check on every response keeps these
// honest.

import { AccountRepresentations, type Json } from './representations-accounts.ts';
import type {
  CheckRunRecord,
  CommentRecord,
  IssueRecord,
  PullFileRecord,
  PullRequestRecord,
  StatusRecord,
} from './state.ts';

export class Representations extends AccountRepresentations {
  issue(issue: IssueRecord): Json {
    const url = `${this.api}/repos/${issue.repo}/issues/${issue.number}`;
    const json: Json = {
      id: issue.id,
      node_id: this.nodeId('Issue', issue.id),
      url,
      repository_url: `${this.api}/repos/${issue.repo}`,
      labels_url: `${url}/labels{/name}`,
      comments_url: `${url}/comments`,
      events_url: `${url}/events`,
      html_url: `${this.html}/${issue.repo}/${issue.pull ? 'pull' : 'issues'}/${issue.number}`,
      number: issue.number,
      state: issue.state,
      state_reason: issue.stateReason,
      title: issue.title,
      body: issue.body,
      user: this.user(issue.user),
      labels: issue.labels.map((name) => this.label(issue.repo, name)),
      assignee: null,
      assignees: [],
      milestone: null,
      locked: false,
      active_lock_reason: null,
      comments: this.state.commentsOn({ repo: issue.repo, issueNumber: issue.number }).length,
      closed_at: issue.closedAt,
      created_at: issue.createdAt,
      updated_at: issue.updatedAt,
      author_association: 'MEMBER',
    };
    if (issue.pull) {
      const pullUrl = `${this.api}/repos/${issue.repo}/pulls/${issue.number}`;
      const pullHtml = `${this.html}/${issue.repo}/pull/${issue.number}`;
      json.pull_request = {
        url: pullUrl,
        html_url: pullHtml,
        diff_url: `${pullHtml}.diff`,
        patch_url: `${pullHtml}.patch`,
        merged_at: issue.pull.mergedAt,
      };
      json.draft = issue.pull.draft;
    }
    return json;
  }

  protected branch(side: { ref: string; sha: string }, repoName: string): Json {
    const repo = this.state.getRepo(repoName);
    return {
      label: `${repo.owner}:${side.ref}`,
      ref: side.ref,
      sha: side.sha,
      user: this.user(repo.owner),
      repo: this.repository(repo),
    };
  }

  pullRequest(issue: IssueRecord & { pull: PullRequestRecord }, detail: 'full' | 'simple'): Json {
    const pull = issue.pull;
    const url = `${this.api}/repos/${issue.repo}/pulls/${issue.number}`;
    const html = `${this.html}/${issue.repo}/pull/${issue.number}`;
    const issueUrl = `${this.api}/repos/${issue.repo}/issues/${issue.number}`;
    const statusesUrl = `${this.api}/repos/${issue.repo}/statuses/${pull.head.sha}`;
    const json: Json = {
      url,
      id: pull.id,
      node_id: this.nodeId('PullRequest', pull.id),
      html_url: html,
      diff_url: `${html}.diff`,
      patch_url: `${html}.patch`,
      issue_url: issueUrl,
      commits_url: `${url}/commits`,
      review_comments_url: `${url}/comments`,
      review_comment_url: `${this.api}/repos/${issue.repo}/pulls/comments{/number}`,
      comments_url: `${issueUrl}/comments`,
      statuses_url: statusesUrl,
      number: issue.number,
      state: issue.state,
      locked: false,
      title: issue.title,
      user: this.user(issue.user),
      body: issue.body,
      labels: issue.labels.map((name) => this.label(issue.repo, name)),
      milestone: null,
      active_lock_reason: null,
      created_at: issue.createdAt,
      updated_at: issue.updatedAt,
      closed_at: issue.closedAt,
      merged_at: pull.mergedAt,
      merge_commit_sha: pull.mergeCommitSha,
      assignee: null,
      assignees: [],
      requested_reviewers: [],
      requested_teams: [],
      head: this.branch(pull.head, pull.head.repo),
      base: this.branch(pull.base, issue.repo),
      _links: {
        self: { href: url },
        html: { href: html },
        issue: { href: issueUrl },
        comments: { href: `${issueUrl}/comments` },
        review_comments: { href: `${url}/comments` },
        review_comment: { href: `${this.api}/repos/${issue.repo}/pulls/comments{/number}` },
        commits: { href: `${url}/commits` },
        statuses: { href: statusesUrl },
      },
      author_association: 'MEMBER',
      auto_merge: null,
      draft: pull.draft,
    };
    if (detail === 'simple') return json;
    const additions = pull.files.reduce((sum, file) => sum + file.additions, 0);
    const deletions = pull.files.reduce((sum, file) => sum + file.deletions, 0);
    return {
      ...json,
      merged: pull.merged,
      mergeable: issue.state === 'open' ? true : null,
      rebaseable: issue.state === 'open' ? true : null,
      mergeable_state: issue.state === 'open' ? 'clean' : 'unknown',
      merged_by: pull.merged ? this.user(issue.user) : null,
      comments: this.state.commentsOn({ repo: issue.repo, issueNumber: issue.number }).length,
      review_comments: 0,
      maintainer_can_modify: false,
      commits: pull.commits.length,
      additions,
      deletions,
      changed_files: pull.files.length,
    };
  }

  pullRequestMinimal(issue: IssueRecord & { pull: PullRequestRecord }): Json {
    const side = (branch: { ref: string; sha: string }, repoName: string) => {
      const repo = this.state.getRepo(repoName);
      return {
        ref: branch.ref,
        sha: branch.sha,
        repo: { id: repo.id, url: `${this.api}/repos/${repoName}`, name: repo.name },
      };
    };
    return {
      id: issue.pull.id,
      number: issue.number,
      url: `${this.api}/repos/${issue.repo}/pulls/${issue.number}`,
      head: side(issue.pull.head, issue.pull.head.repo),
      base: side(issue.pull.base, issue.repo),
    };
  }

  pullFile(repo: string, pull: PullRequestRecord, file: PullFileRecord): Json {
    const path = file.filename.split('/').map(encodeURIComponent).join('/');
    const json: Json = {
      sha: file.sha,
      filename: file.filename,
      status: file.status,
      additions: file.additions,
      deletions: file.deletions,
      changes: file.additions + file.deletions,
      blob_url: `${this.html}/${repo}/blob/${pull.head.sha}/${path}`,
      raw_url: `${this.html}/${repo}/raw/${pull.head.sha}/${path}`,
      contents_url: `${this.api}/repos/${repo}/contents/${path}?ref=${pull.head.sha}`,
    };
    if (file.patch !== undefined) json.patch = file.patch;
    if (file.previousFilename !== undefined) json.previous_filename = file.previousFilename;
    return json;
  }

  comment(comment: CommentRecord): Json {
    return {
      id: comment.id,
      node_id: this.nodeId('IssueComment', comment.id),
      url: `${this.api}/repos/${comment.repo}/issues/comments/${comment.id}`,
      html_url: `${this.html}/${comment.repo}/issues/${comment.issueNumber}#issuecomment-${comment.id}`,
      issue_url: `${this.api}/repos/${comment.repo}/issues/${comment.issueNumber}`,
      body: comment.body,
      user: this.user(comment.user),
      created_at: comment.createdAt,
      updated_at: comment.updatedAt,
      author_association: 'MEMBER',
    };
  }

  checkRun(run: CheckRunRecord): Json {
    const url = `${this.api}/repos/${run.repo}/check-runs/${run.id}`;
    const pulls = this.state.issues.filter(
      (issue): issue is IssueRecord & { pull: PullRequestRecord } =>
        issue.pull !== undefined &&
        issue.repo === run.repo &&
        issue.state === 'open' &&
        issue.pull.head.sha === run.headSha,
    );
    const app = this.state.apps.get(run.appId);
    return {
      id: run.id,
      head_sha: run.headSha,
      node_id: this.nodeId('CheckRun', run.id),
      external_id: run.externalId,
      url,
      html_url: `${this.html}/${run.repo}/runs/${run.id}`,
      details_url: run.detailsUrl,
      status: run.status,
      conclusion: run.conclusion,
      started_at: run.startedAt,
      completed_at: run.completedAt,
      output: {
        title: run.output.title,
        summary: run.output.summary,
        text: run.output.text,
        annotations_count: run.annotations.length,
        annotations_url: `${url}/annotations`,
      },
      name: run.name,
      check_suite: { id: run.checkSuiteId },
      app: app ? this.app(app) : null,
      pull_requests: pulls.map((issue) => this.pullRequestMinimal(issue)),
    };
  }

  status(status: StatusRecord): Json {
    return {
      url: `${this.api}/repos/${status.repo}/statuses/${status.sha}`,
      avatar_url: null,
      id: status.id,
      node_id: this.nodeId('StatusContext', status.id),
      state: status.state,
      description: status.description,
      target_url: status.targetUrl,
      context: status.context,
      created_at: status.createdAt,
      updated_at: status.updatedAt,
      creator: this.user(status.creator),
    };
  }
}
