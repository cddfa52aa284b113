// The whole plan comment: marker, one-line verdict, what was compared, problems, then a section
// per object (blocking ones first). Output depends only on its input, so it snapshot-tests, and
// it stays under GitHub's comment limit however large the PR.
import type { Diagnostic } from '../../controller/manifests/diagnostic.ts';
import { maxScannedFiles } from './copies-elsewhere.ts';
import { formatUtc } from './format-time.ts';
import { cappedTable, code, fileLink, plural, text } from './markdown.ts';
import { locationOf, type PlannedObject } from './plan-objects.ts';
import { objectTitle, renderSection, verdictLabels } from './render-sections.ts';
import { planCommentMarker } from './types.ts';

/** Objects that get a full section; the rest are listed one row each. */
export const maxSections = 25;
const maxListed = 200;
const maxProblems = 50;
/** GitHub refuses comments over 65,536 characters; leave room for the closing note. */
export const maxCommentLength = 60_000;

export interface RenderOptions {
  valid: boolean;
  /** Valid, but a policy change loosens a guardrail. */
  needsReview?: boolean;
  summary: string;
  headSha: string;
  baseSha: string;
  base: string;
  head: string;
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
  const blocks: string[] = [
    planCommentMarker,
    '## ChaosCraft plan',
    `${headline(options)}: ${text(options.summary)}`,
    comparedLine(options),
  ];
  if (options.cluster === 'none') blocks.push(...offlineNotes(options));
  if (options.copiesUnchecked) {
    blocks.push(
      `> [!NOTE]\n> Not looked for: copies of the added objects in the ${plural(options.copiesUnchecked, 'other manifest file')} of the head (more than ${maxScannedFiles} are not read).`,
    );
  }
  if (options.problems.length) blocks.push(problemsBlock(options.problems, linkBase));
  const planned = objects.filter((o) => o.verdict !== 'unchanged');
  for (const object of planned.slice(0, maxSections)) blocks.push(renderSection(object, linkBase));
  const rest = [...planned.slice(maxSections), ...objects.filter((o) => o.verdict === 'unchanged')];
  if (rest.length) blocks.push(restBlock(rest, planned.length > maxSections, linkBase));
  blocks.push(
    '<sub>Targets are resolved read-only when the plan is made; the guardrails are the controller’s own, evaluated again when each run starts.</sub>',
  );
  return bound(`${blocks.join('\n\n')}\n`);
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

function headline(options: RenderOptions): string {
  if (!options.valid) return '❌ **Blocked**';
  return options.needsReview ? '⚠️ **Review needed**' : '✅ **Ready to merge**';
}

function comparedLine(options: RenderOptions): string {
  const sha = (s: string) => code(s.slice(0, 12));
  const where =
    options.cluster === 'live' ? `; targets read from the cluster at ${text(formatUtc(options.now))}` : '';
  return `Compared ${sha(options.headSha)} (${code(options.head)}) with ${sha(options.baseSha)} (merge base with ${code(options.base)}): ${plural(options.changedFiles, 'manifest file')} changed${where}.`;
}

function problemsBlock(problems: readonly Diagnostic[], linkBase: string): string {
  const rows = problems.map((d) => [
    fileLink({ linkBase, path: d.file, ...(d.line ? { line: d.line } : {}) }),
    d.severity === 'error' ? '❌' : '⚠️',
    text(`${d.field ? `${d.field}: ` : ''}${d.message}`),
  ]);
  return `### Problems\n\n${cappedTable(['Where', 'Level', 'Problem'], rows, maxProblems)}`;
}

function restBlock(rest: readonly PlannedObject[], overflow: boolean, linkBase: string): string {
  const rows = rest.map((o) => {
    const { file, line } = locationOf(o.change);
    const where = o.change.change === 'removed' ? code(file) : fileLink({ linkBase, path: file, line });
    return [objectTitle(o), where, verdictLabels[o.verdict]];
  });
  const title = overflow ? `### ${plural(rest.length, 'more object')}` : '### Other objects in changed files';
  return `${title}\n\n${cappedTable(['Object', 'Where', 'Verdict'], rows, maxListed)}`;
}

/** Cuts at a section boundary, never inside a table or a <details>, and says so. */
function bound(markdown: string): string {
  if (markdown.length <= maxCommentLength) return markdown;
  const cut = markdown.lastIndexOf('\n\n### ', maxCommentLength);
  const kept = markdown.slice(0, cut > 0 ? cut : maxCommentLength);
  return `${kept}\n\n…the plan is too long for one comment; the check run's annotations list every finding.\n`;
}
