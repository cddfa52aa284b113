// The plan comment of a PR that was not planned because it is over a budget: which budget, its
// limit, how much was counted, and the file that holds the most of it. It replaces the plan, so the
// PR author sees why instead of getting no comment at all, and the check fails.
import type { PullRequestPlan } from '../github/plan-contract.ts';
import { planCommentMarker } from '../github/plan-contract.ts';
import { code, fileLink } from '../planner/markdown.ts';
import type { BudgetExceeded, BudgetName } from '../repository/budget.ts';

/** What a budget counts, in the whole PR and in one file, and the flag that sets it. */
const what: Record<BudgetName, { unit: string; inFile: string; flag: string }> = {
  files: { unit: 'changed manifest files', inFile: 'files', flag: '--plan-max-files' },
  bytes: { unit: 'bytes of changed manifests', inFile: 'bytes', flag: '--plan-max-bytes' },
  documents: {
    unit: 'YAML documents in changed manifests',
    inFile: 'YAML documents',
    flag: '--plan-max-documents',
  },
  objects: {
    unit: 'objects (`kind:` keys) in changed manifests',
    inFile: 'objects',
    flag: '--plan-max-objects',
  },
  time: { unit: 'seconds of planning', inFile: 'seconds', flag: '--plan-timeout' },
  memory: { unit: 'MiB of memory to parse', inFile: 'MiB', flag: '--plan-max-parse-memory' },
  parser: { unit: '', inFile: '', flag: '' },
};

const number = (value: number) => value.toLocaleString('en-US');

function amount(budget: BudgetName, value: number): string {
  return budget === 'time' ? number(Math.round(value / 100) / 10) : number(value);
}

/** One sentence naming the budget, the limit and where it was exceeded. */
export function describeBudgetExceeded(exceeded: BudgetExceeded): string {
  const { unit } = what[exceeded.budget];
  const limit = amount(exceeded.budget, exceeded.limit);
  if (exceeded.budget === 'time') {
    return `planning this pull request took longer than ${limit} seconds and was stopped`;
  }
  const file = exceeded.file ? ` ${code(exceeded.file.path)}` : ' a changed manifest';
  if (exceeded.budget === 'memory') {
    return `parsing${file} needed more than ${limit} MiB of memory`;
  }
  if (exceeded.budget === 'parser') return `the manifest parser failed on${file}`;
  const counted =
    exceeded.budget === 'files' ? number(exceeded.counted) : `at least ${number(exceeded.counted)}`;
  return `this pull request has ${counted} ${unit}; the budget per pull request is ${limit}`;
}

function headline(budget: BudgetName): string {
  return budget === 'parser' ? 'the parser failed' : `over the ${budget} budget`;
}

function advice(budget: BudgetName): string {
  if (budget === 'parser') {
    return 'Nothing in this pull request was checked. Look at that file for deep nesting or other unusual YAML; the operators of ChaosCraft find the details in its logs.';
  }
  const raise = `Split it into smaller pull requests, or ask whoever runs ChaosCraft to raise ${code(what[budget].flag)}.`;
  if (budget === 'time' || budget === 'memory') return raise;
  return `Nothing in this pull request was parsed or checked. ${raise}`;
}

export function budgetExceededPlan(options: {
  exceeded: BudgetExceeded;
  headSha: string;
  baseSha: string;
  /** Prefix of links to files in the head (default `../blob/<head SHA>/`). */
  linkBase?: string;
}): PullRequestPlan {
  const { exceeded, headSha } = options;
  const linkBase = options.linkBase ?? `../blob/${headSha}/`;
  const sentence = describeBudgetExceeded(exceeded);
  const where =
    exceeded.file && exceeded.budget !== 'memory' && exceeded.budget !== 'parser'
      ? `The most is in ${fileLink({ linkBase, path: exceeded.file.path })}: ${amount(exceeded.budget, exceeded.file.count)} ${what[exceeded.budget].inFile}.`
      : '';
  const markdown = [
    planCommentMarker,
    '## ChaosCraft plan',
    `❌ **Not planned**: ${headline(exceeded.budget)}`,
    `The plan was not made because ${sentence}. ${where}`.trim(),
    advice(exceeded.budget),
  ].join('\n\n');
  const summary = `not planned: ${headline(exceeded.budget)} (${sentence})`;
  return {
    headSha,
    baseSha: options.baseSha,
    valid: false,
    markdown: `${markdown}\n`,
    annotations: exceeded.file
      ? [
          {
            path: exceeded.file.path,
            startLine: 1,
            endLine: 1,
            level: 'failure',
            title: headline(exceeded.budget),
            message: `Not planned: ${sentence}.`,
          },
        ]
      : [],
    summary,
  };
}
