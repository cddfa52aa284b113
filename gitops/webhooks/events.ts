// What a verified webhook means for ChaosCraft. Only the fields we use are read, and each is checked,
// so a payload of an unexpected shape becomes an `ignore` with a reason instead of a crash.

export interface PullRequestRef {
  owner: string;
  repo: string;
  pullNumber: number;
  headSha: string;
  headRef: string;
  baseSha: string;
  baseRef: string;
  /** The head lives in another repository: plan only, never anything that could reach the cluster. */
  fromFork: boolean;
  /** Clone URL of the base repository (the PR head is fetched from it as refs/pull/N/head). */
  cloneUrl: string;
}

export type GitOpsEvent =
  | { kind: 'plan'; pullRequest: PullRequestRef; action: string }
  | { kind: 'refresh'; owner: string; repo: string; branch: string; headSha: string }
  | { kind: 'ping' }
  | { kind: 'ignore'; reason: string };

/** pull_request actions that change what a plan shows. */
export const planActions = new Set(['opened', 'synchronize', 'reopened']);

type Json = Record<string, unknown>;
const shaPattern = /^[0-9a-f]{40}$/;

function object(value: unknown): Json | undefined {
  return typeof value === 'object' && value !== null && !Array.isArray(value) ? (value as Json) : undefined;
}

function text(value: unknown): string | undefined {
  return typeof value === 'string' && value.length > 0 ? value : undefined;
}

function repositoryName(
  value: unknown,
): { owner: string; repo: string; fullName: string; cloneUrl?: string } | undefined {
  const repository = object(value);
  const fullName = text(repository?.full_name);
  const [owner, repo, extra] = fullName?.split('/') ?? [];
  if (!owner || !repo || extra !== undefined) return undefined;
  return { owner, repo, fullName: fullName!, cloneUrl: text(repository?.clone_url) };
}

function pullRequestEvent(payload: Json): GitOpsEvent {
  const action = text(payload.action) ?? '';
  if (action === 'closed')
    return { kind: 'ignore', reason: 'closed pull requests are handled by Argo CD and the reporter' };
  if (!planActions.has(action))
    return { kind: 'ignore', reason: `pull_request ${action || '(no action)'} does not change the plan` };
  const pull = object(payload.pull_request);
  const head = object(pull?.head);
  const base = object(pull?.base);
  const baseRepo = repositoryName(base?.repo) ?? repositoryName(payload.repository);
  const number = typeof pull?.number === 'number' ? pull.number : payload.number;
  const headSha = text(head?.sha);
  const baseSha = text(base?.sha);
  if (!pull || !baseRepo || typeof number !== 'number' || !Number.isSafeInteger(number) || number <= 0) {
    return { kind: 'ignore', reason: 'pull_request payload without a repository or number' };
  }
  if (!headSha || !shaPattern.test(headSha) || !baseSha || !shaPattern.test(baseSha)) {
    return { kind: 'ignore', reason: 'pull_request payload without head and base SHAs' };
  }
  // A deleted fork shows as head.repo null: treat it as a fork.
  const headRepo = repositoryName(head?.repo);
  const fromFork =
    headRepo === undefined || headRepo.fullName.toLowerCase() !== baseRepo.fullName.toLowerCase();
  return {
    kind: 'plan',
    action,
    pullRequest: {
      owner: baseRepo.owner,
      repo: baseRepo.repo,
      pullNumber: number,
      headSha,
      headRef: text(head?.ref) ?? '',
      baseSha,
      baseRef: text(base?.ref) ?? '',
      fromFork,
      cloneUrl: baseRepo.cloneUrl ?? `https://github.com/${baseRepo.fullName}.git`,
    },
  };
}

function pushEvent(payload: Json): GitOpsEvent {
  const repository = repositoryName(payload.repository);
  const ref = text(payload.ref);
  const after = text(payload.after);
  if (!repository || !ref || !after)
    return { kind: 'ignore', reason: 'push payload without repository, ref or after' };
  if (!ref.startsWith('refs/heads/')) return { kind: 'ignore', reason: `push to ${ref} is not a branch` };
  if (payload.deleted === true || /^0{40}$/.test(after)) return { kind: 'ignore', reason: 'branch deleted' };
  return {
    kind: 'refresh',
    owner: repository.owner,
    repo: repository.repo,
    branch: ref.slice('refs/heads/'.length),
    headSha: after,
  };
}

export function interpretWebhook(options: { event: string; payload: unknown }): GitOpsEvent {
  const payload = object(options.payload);
  if (!payload) return { kind: 'ignore', reason: 'payload is not a JSON object' };
  switch (options.event) {
    case 'ping':
      return { kind: 'ping' };
    case 'pull_request':
      return pullRequestEvent(payload);
    case 'push':
      return pushEvent(payload);
    default:
      return { kind: 'ignore', reason: `event ${options.event} is not used` };
  }
}
