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
  const counted =
    exceeded.budget === 'files' ? number(exceeded.counted) : `at least ${number(exceeded.counted)}`;
  return `this pull request has ${counted} ${unit}; the budget per pull request is ${limit}`;
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
  const where = exceeded.file
    ? `The most is in ${fileLink({ linkBase, path: exceeded.file.path })}: ${amount(exceeded.budget, exceeded.file.count)} ${what[exceeded.budget].inFile}.`
    : '';
  const markdown = [
    planCommentMarker,
    '## ChaosCraft plan',
    `❌ **Not planned**: over the ${exceeded.budget} budget`,
    `The plan was not made because ${sentence}. ${where}`.trim(),
    `${exceeded.budget === 'time' ? '' : 'Nothing in this pull request was parsed or checked. '}Split it into smaller pull requests, or ask whoever runs ChaosCraft to raise ${code(what[exceeded.budget].flag)}.`,
  ].join('\n\n');
  const summary = `not planned: over the ${exceeded.budget} budget (${sentence})`;
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
            title: `over the ${exceeded.budget} budget`,
            message: `Not planned: ${sentence}.`,
          },
        ]
      : [],
    summary,
  };
}
