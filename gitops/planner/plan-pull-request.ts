// The plan of a pull request: what its manifests would do if it merged now. Compares the PR head
// with the merge base (GitHub's three-dot diff, so changes on the base branch are not the PR's),
// validates the changed manifests, resolves targets read-only and applies the guardrails.
import type { ChaosPolicySpec } from '../../controller/api/types.generated.ts';
import { readGitPolicies } from '../../controller/policy-sources/read-git-policies.ts';
import type { GitRepository } from '../repository/types.ts';
import { planAnnotations } from './annotations.ts';
import { type ClusterReader, cachedClusterReader } from './cluster-reader.ts';
import { collectChanges } from './collect-changes.ts';
import { findCopiesElsewhere } from './copies-elsewhere.ts';
import { blockingVerdicts, planObjects } from './plan-objects.ts';
import { effectivePolicies } from './plan-policy.ts';
import { renderMarkdown } from './render-markdown.ts';
import { summarize } from './summary.ts';
import type { PullRequestPlan } from './types.ts';

export interface PlanPullRequestOptions {
  repository: GitRepository;
  /** The PR's base: a branch, tag or SHA. */
  base: string;
  /** The PR's head: a branch, tag or SHA (or a ref fetched with fetchRefs). */
  head: string;
  /** The branch names, shown next to the SHAs when base and head are given as SHAs (a webhook's). */
  baseBranch?: string;
  headBranch?: string;
  /** Read-only access to the cluster; without it the plan has no live targets and says so. */
  cluster?: ClusterReader;
  now: Date;
  /** The controller's namespace, protected like kube-system (default chaoscraft-system). */
  controllerNamespace?: string;
  /**
   * Prefix of links to file lines. Default `../blob/<head SHA>/`, which a PR comment resolves
   * to the file on GitHub; `''` gives repository-relative paths for local output.
   */
  linkBase?: string;
}

export const defaultControllerNamespace = 'chaoscraft-system';

export async function planPullRequest(options: PlanPullRequestOptions): Promise<PullRequestPlan> {
  const { repository, now } = options;
  const [baseTip, headSha] = await Promise.all([
    repository.resolve(options.base),
    repository.resolve(options.head),
  ]);
  // Unrelated histories have no merge base: every manifest of the head counts as added.
  const mergeBase = await repository.mergeBase({ base: baseTip, head: headSha });
  const files = await repository.changedFiles({ base: mergeBase, head: headSha });
  const changes = await collectChanges({ repository, files });
  const copies = await findCopiesElsewhere({ repository, head: headSha, changes });

  const cluster = options.cluster && cachedClusterReader(options.cluster);
  let clusterPolicies: Awaited<ReturnType<ClusterReader['policies']>> = [];
  let clusterError: string | undefined;
  if (cluster) {
    try {
      clusterPolicies = await cluster.policies();
    } catch (error) {
      // Without the cluster's policies no live verdict would be trustworthy: plan as if offline.
      clusterError = (error as Error).message;
    }
  }
  const clusterUsable = Boolean(cluster) && !clusterError;
  // Without a cluster, the policies in force are the ones committed on the base branch (what Argo
  // CD syncs), read with the same reader as the controller's Git kill switch.
  const committed = clusterUsable ? undefined : await committedPolicies(repository, mergeBase ?? baseTip);
  if (committed) clusterPolicies = committed.policies;
  const objects = await planObjects({
    objects: changes.objects,
    context: {
      ...(clusterUsable && cluster ? { cluster } : {}),
      policies: effectivePolicies({ clusterPolicies, changes: changes.objects }),
      controllerNamespace: options.controllerNamespace ?? defaultControllerNamespace,
    },
    headSha,
    now,
  });

  const errors = changes.diagnostics.some((d) => d.severity === 'error');
  const valid = !errors && !objects.some((o) => blockingVerdicts.has(o.verdict));
  const needsReview = objects.some((o) => o.verdict === 'policy-loosened');
  const summary = summarize({ objects, fileDiagnostics: changes.fileDiagnostics });
  const markdown = renderMarkdown({
    valid,
    needsReview,
    summary,
    headSha,
    baseSha: mergeBase ?? baseTip,
    base: options.base,
    head: options.head,
    ...(options.baseBranch ? { baseBranch: options.baseBranch } : {}),
    ...(options.headBranch ? { headBranch: options.headBranch } : {}),
    changedFiles: files.length,
    objects,
    problems: changes.diagnostics,
    cluster: clusterUsable ? 'live' : 'none',
    ...(clusterError ? { clusterError } : {}),
    ...(committed ? { committedPolicies: committed } : {}),
    ...(copies.skipped ? { copiesUnchecked: copies.skipped } : {}),
    now,
    linkBase: options.linkBase ?? `../blob/${headSha}/`,
  });
  return {
    headSha,
    baseSha: mergeBase ?? baseTip,
    valid,
    needsReview,
    markdown,
    annotations: planAnnotations({ objects, diagnostics: changes.diagnostics }),
    summary,
  };
}

export interface CommittedPolicies {
  policies: { name: string; spec: ChaosPolicySpec }[];
  /** Why some committed policies could not be read (then only the valid suspended ones apply). */
  problems: string[];
}

async function committedPolicies(repository: GitRepository, commit: string): Promise<CommittedPolicies> {
  const read = await readGitPolicies({ repository, commit, path: '' });
  if (read.ok) return { policies: read.policies, problems: [] };
  // No manifest at all on the base is no policy, not a problem.
  if (read.problems.length === 1 && read.problems[0]!.startsWith('no .yaml'))
    return { policies: [], problems: [] };
  return { policies: read.suspended, problems: read.problems };
}
