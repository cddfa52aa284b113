// The comment of a PR over a budget: which budget, the limit, how much was counted and where, as one
// failing annotation; file names from the PR are escaped like any other text from it.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { planCommentMarker } from '../../../gitops/planner/types.ts';
import { budgetExceededPlan, describeBudgetExceeded } from '../../../gitops/webhooks/budget-plan.ts';

const headSha = 'c'.repeat(40);
const baseSha = 'd'.repeat(40);

test('a documents budget: the sentence, the file, the flag, a failing check', () => {
  const plan = budgetExceededPlan({
    exceeded: {
      budget: 'documents',
      limit: 10_000,
      counted: 200_001,
      file: { path: 'experiments/flood.yaml', count: 200_001 },
    },
    headSha,
    baseSha,
  });
  assert.equal(plan.valid, false);
  assert.equal(plan.headSha, headSha);
  assert.equal(plan.baseSha, baseSha);
  assert.ok(plan.markdown.startsWith(`${planCommentMarker}\n`));
  assert.match(
    plan.markdown,
    /this pull request has at least 200,001 YAML documents in changed manifests; the budget per pull request is 10,000\./,
  );
  assert.match(
    plan.markdown,
    new RegExp(
      `The most is in \\[experiments/flood\\.yaml\\]\\(\\.\\./blob/${headSha}/experiments/flood\\.yaml\\): 200,001 YAML documents\\.`,
    ),
  );
  assert.match(plan.markdown, /`--plan-max-documents`/);
  assert.match(plan.summary, /^not planned: over the documents budget/);
  assert.deepEqual(plan.annotations, [
    {
      path: 'experiments/flood.yaml',
      startLine: 1,
      endLine: 1,
      level: 'failure',
      title: 'over the documents budget',
      message: `Not planned: ${describeBudgetExceeded({ budget: 'documents', limit: 10_000, counted: 200_001 })}.`,
    },
  ]);
});

test('files and time budgets name no file; a hostile file name is escaped', () => {
  assert.equal(
    describeBudgetExceeded({ budget: 'files', limit: 1000, counted: 1001 }),
    'this pull request has 1,001 changed manifest files; the budget per pull request is 1,000',
  );
  assert.equal(
    describeBudgetExceeded({ budget: 'time', limit: 120_000, counted: 120_000 }),
    'planning this pull request took longer than 120 seconds and was stopped',
  );
  const time = budgetExceededPlan({
    exceeded: { budget: 'time', limit: 120_000, counted: 120_000 },
    headSha,
    baseSha,
  });
  assert.deepEqual(time.annotations, []);
  assert.match(
    time.markdown,
    /\n\nSplit it into smaller pull requests, or ask whoever runs ChaosCraft to raise `--plan-timeout`\./,
  );
  assert.doesNotMatch(time.markdown, /Nothing in this pull request was parsed/);
  const hostile = budgetExceededPlan({
    exceeded: {
      budget: 'bytes',
      limit: 10,
      counted: 20,
      file: { path: 'x/[a](https://evil)<b>.yaml', count: 20 },
    },
    headSha,
    baseSha,
  });
  assert.match(hostile.markdown, /\): 20 bytes\.\n/);
  assert.ok(!hostile.markdown.includes('[a](https://evil)'));
  assert.ok(!hostile.markdown.includes('<b>'));
});

test('the trial parse: out of memory, or the parser failed, on a named file', () => {
  const memory = budgetExceededPlan({
    exceeded: { budget: 'memory', limit: 128, counted: 128, file: { path: 'a/deep.yaml', count: 128 } },
    headSha,
    baseSha,
  });
  assert.match(memory.markdown, /❌ \*\*Not planned\*\*: over the memory budget/);
  assert.match(memory.markdown, /because parsing `a\/deep\.yaml` needed more than 128 MiB of memory\.\n/);
  assert.match(memory.markdown, /raise `--plan-max-parse-memory`/);
  assert.equal(memory.annotations[0]?.path, 'a/deep.yaml');
  const parser = budgetExceededPlan({
    exceeded: { budget: 'parser', limit: 128, counted: 128, file: { path: 'a/odd.yaml', count: 128 } },
    headSha,
    baseSha,
  });
  assert.match(parser.markdown, /❌ \*\*Not planned\*\*: the parser failed/);
  assert.match(parser.markdown, /because the manifest parser failed on `a\/odd\.yaml`\./);
  assert.doesNotMatch(parser.markdown, /--plan-/);
  assert.equal(parser.annotations[0]?.title, 'the parser failed');
});
