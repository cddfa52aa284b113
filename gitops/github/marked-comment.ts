// One comment per issue or PR, found again by a hidden marker line: created once, edited in place,
// and left alone when its body would not change. The search reads every page of comments, so it
// also finds the comment after a restart or when the PR has a long discussion.
import type { Octokit } from '@octokit/rest';

export interface MarkedCommentTarget {
  octokit: Octokit;
  owner: string;
  repo: string;
  issueNumber: number;
  /** An HTML comment such as `<!-- chaoscraft:plan -->`; the body must start with it. */
  marker: string;
}

export interface FoundComment {
  id: number;
  body: string;
  url: string;
}

export type UpsertAction = 'created' | 'updated' | 'unchanged';

export interface UpsertResult {
  action: UpsertAction;
  commentId: number;
  url: string;
}

/** The first comment whose body starts with the marker (a quote of it starts with `>` and does not count). */
export async function findMarkedComment(target: MarkedCommentTarget): Promise<FoundComment | undefined> {
  const { octokit, owner, repo, issueNumber, marker } = target;
  const pages = octokit.paginate.iterator(octokit.rest.issues.listComments, {
    owner,
    repo,
    issue_number: issueNumber,
    per_page: 100,
  });
  for await (const page of pages) {
    for (const comment of page.data) {
      if (comment.body?.startsWith(marker)) {
        return { id: comment.id, body: comment.body, url: comment.html_url };
      }
    }
  }
  return undefined;
}

export async function upsertMarkedComment(
  options: MarkedCommentTarget & {
    body: string;
    /** The result of a search the caller already made (null: none exists); searched when omitted. */
    existing?: FoundComment | null;
  },
): Promise<UpsertResult> {
  const { octokit, owner, repo, issueNumber, marker, body } = options;
  if (!body.startsWith(marker)) throw new Error(`a marked comment must start with its marker ${marker}`);
  const existing = options.existing === undefined ? await findMarkedComment(options) : options.existing;
  if (existing && existing.body === body) {
    return { action: 'unchanged', commentId: existing.id, url: existing.url };
  }
  if (existing) {
    const { data } = await octokit.rest.issues.updateComment({ owner, repo, comment_id: existing.id, body });
    return { action: 'updated', commentId: data.id, url: data.html_url };
  }
  const { data } = await octokit.rest.issues.createComment({ owner, repo, issue_number: issueNumber, body });
  return { action: 'created', commentId: data.id, url: data.html_url };
}
