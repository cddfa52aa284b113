// The whole plan comment: marker, one-line verdict, what was compared (SHAs with branch names),
// notes said once, then ONE summary table listing every object (object, verdict, targets, faults,
// duration), the problems, and a collapsible section of details per object. Output depends only
// on its input, so it snapshot-tests. It stays under GitHub's comment limit however large the PR by
// giving up detail, never a summary row: links in the table go first, then details sections.
import type { Diagnostic } from '../../controller/manifests/diagnostic.ts';
import { maxScannedFiles } from './copies-elsewhere.ts';
import { formatUtc } from './format-time.ts';
import { cappedTable, code, fileLink, plural, table, text } from './markdown.ts';
import type { PlannedObject } from './plan-objects.ts';
import { renderDetails, summaryRow } from './render-sections.ts';
import { planCommentMarker } from './types.ts';

const maxProblems = 50;
/** GitHub refuses comments over 65,536 characters; the rest is room for the publisher's hidden line. */
export const maxCommentLength = 60_000;
const summaryHeader = ['Object', 'Verdict', 'Targets', 'Faults', 'Duration'];

export interface RenderOptions {
  valid: boolean;
  /** Valid, but a policy change loosens a guardrail. */
  needsReview?: boolean;
  summary: string;
  headSha: string;
  baseSha: string;
  /** What the PR's base and head were given as (a branch, tag or SHA). */
  base: string;
  head: string;
  /** Branch names to show next to the SHAs when base and head were given as SHAs. */
  baseBranch?: string;
  headBranch?: string;
  changedFiles: number;
  objects: readonly PlannedObject[];
  problems: readonly Diagnostic[];
  cluster: 'live' | 'none';
  /** Why a cluster that was given could not be used. */
  clusterError?: string;
  /** Without a cluster: the ChaosPolicies committed on the base branch, which the plan applied. */
  committedPolicies?: { policies: readonly unknown[]; problems: readonly string[] };
  /** The PR adds objects, but the head has too many other manifest files to look for copies in. */
  copiesUnchecked?: number;
  now: Date;
  linkBase: string;
}

export function renderMarkdown(options: RenderOptions): string {
  const { objects, linkBase } = options;
  const head: string[] = [
    planCommentMarker,
    '## ChaosCraft plan',
    `${headline(options)}: ${text(options.summary)}`,
    comparedLine(options),
  ];
  if (options.cluster === 'none') head.push(...offlineNotes(options));
  if (options.copiesUnchecked) {
    head.push(
      `> [!NOTE]\n> Not looked for: copies of the added objects in the ${plural(options.copiesUnchecked, 'other manifest file')} of the head (more than ${maxScannedFiles} are not read).`,
    );
  }
  const footer =
    '<sub>Targets are resolved read-only when the plan is made; the guardrails are the controller’s own, evaluated again when each run starts.</sub>';
  const problems = options.problems.length ? [problemsBlock(options.problems, linkBase)] : [];
  const size = (blocks: readonly string[]) => blocks.reduce((sum, b) => sum + b.length + 2, 0);

  // The summary lists every object; links are the first detail to give up.
  let summary = summaryBlock(objects, linkBase);
  if (size([...head, summary, ...problems, footer]) > maxCommentLength) summary = summaryBlock(objects);
  const blocks = [...head];
  if (summary) blocks.push(summary);
  blocks.push(...problems);

  const detailed = objects.filter((o) => o.verdict !== 'unchanged');
  const omittedNote = (count: number) =>
    `…details of ${plural(count, 'more object')} are left out to stay within GitHub's comment size; the summary above lists every object and the check run's annotations carry every finding.`;
  let used = size([...blocks, footer]) + 200;
  const sections: string[] = [];
  for (const object of detailed) {
    const section = renderDetails(object, linkBase);
    if (used + section.length + 2 > maxCommentLength) break;
    sections.push(section);
    used += section.length + 2;
  }
  if (sections.length) blocks.push('### Details', ...sections);
  if (sections.length < detailed.length) blocks.push(omittedNote(detailed.length - sections.length));
  blocks.push(footer);
  return bound(`${blocks.join('\n\n')}\n`);
}

function headline(options: RenderOptions): string {
  if (!options.valid) return '❌ **Blocked**';
  return options.needsReview ? '⚠️ **Review needed**' : '✅ **Ready to merge**';
}

/**
 * Said once for the whole plan, not on every row: what a plan from Git cannot know, and which
 * policies it applied instead of the cluster's.
 */
function offlineNotes(options: RenderOptions): string[] {
  const why = options.clusterError
    ? `The cluster could not be read (${text(options.clusterError)}), so this is planned from Git only`
    : 'Planned from Git only (no cluster configured)';
  const committed = options.committedPolicies;
  const policies = committed
    ? ` The ${plural(committed.policies.length, 'ChaosPolicy', 'ChaosPolicies')} committed on the base branch applied.`
    : '';
  const notes = [
    `> [!NOTE]\n> ${why}: targets are chosen when each run starts, and the checks that need a cluster (${unclusteredChecks}) are made then.${policies}`,
  ];
  if (committed?.problems.length) {
    notes.push(
      `> [!WARNING]\n> Some committed ChaosPolicies could not be read, so only the valid suspended ones applied: ${text(committed.problems.slice(0, 5).join('; '))}`,
    );
  }
  return notes;
}

const unclusteredChecks = ['namespace-opt-in', 'max-targets-percent'].map(code).join(', ');
const fullSha = /^[0-9a-f]{40}$/i;

/** A SHA with the branch it stands for, when known: `abc123def456` (`feature/x`). */
function commit(sha: string, ref: string, branch: string | undefined): string {
  const label = branch ?? (fullSha.test(ref) || ref === sha ? undefined : ref);
  return `${code(sha.slice(0, 12))}${label ? ` (${code(label)})` : ''}`;
}

function comparedLine(options: RenderOptions): string {
  const where =
    options.cluster === 'live' ? `; targets read from the cluster at ${text(formatUtc(options.now))}` : '';
  const baseLabel = options.baseBranch ?? (fullSha.test(options.base) ? undefined : options.base);
  const base = `${code(options.baseSha.slice(0, 12))} (merge base${baseLabel ? ` with ${code(baseLabel)}` : ''})`;
  return `Compared ${commit(options.headSha, options.head, options.headBranch)} with ${base}: ${plural(options.changedFiles, 'manifest file')} changed${where}.`;
}

/** Without linkBase the rows carry no links (the compact form for very large PRs). */
function summaryBlock(objects: readonly PlannedObject[], linkBase?: string): string {
  if (!objects.length) return '';
  return table(
    summaryHeader,
    objects.map((o) => summaryRow(o, linkBase)),
  );
}

function problemsBlock(problems: readonly Diagnostic[], linkBase: string): string {
  const rows = problems.map((d) => [
    fileLink({ linkBase, path: d.file, ...(d.line ? { line: d.line } : {}) }),
    d.severity === 'error' ? '❌' : '⚠️',
    text(`${d.field ? `${d.field}: ` : ''}${d.message}`),
  ]);
  return `### Problems\n\n${cappedTable(['Where', 'Level', 'Problem'], rows, maxProblems)}`;
}

/**
 * The last resort, for a summary that alone exceeds the limit (thousands of objects): cut at a
 * row boundary and say so. Sections are already bounded above.
 */
function bound(markdown: string): string {
  if (markdown.length <= maxCommentLength) return markdown;
  const cut = markdown.lastIndexOf('\n', maxCommentLength);
  const kept = markdown.slice(0, cut > 0 ? cut : maxCommentLength);
  return `${kept}\n\n…the plan is too long for one comment; the check run's annotations list every finding.\n`;
}
