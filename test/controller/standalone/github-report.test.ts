// `chaoscraft standalone` posting its results to GitHub (the GitHub API test server) through the real
// CLI: the commit status and the PR comment arrive with the verdict; a GitHub answering 500 is one
// warning line and the run keeps its verdict; the token appears in no output and no file it writes;
// half a configuration is a usage error and nothing is sent.
import assert from 'node:assert/strict';
import { readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, afterEach, before, test } from 'node:test';
import {
  installationToken,
  owner,
  repo,
  type SeededGitHub,
  startSeededGitHub,
} from '../../gitops/github/fixtures.ts';
import {
  experiment,
  git,
  killFault,
  makeRepo,
  sleeperSelector,
  startRunner,
  startSleeper,
  type TestRepo,
} from './harness.ts';

const fullName = `${owner}/${repo}`;
let github: SeededGitHub;
const cleanups: (() => void)[] = [];

before(async () => {
  github = await startSeededGitHub();
});
after(async () => {
  for (const cleanup of cleanups.reverse()) cleanup();
  await github.server.close();
});
afterEach(() => {
  assert.deepEqual(github.server.contractViolations, []);
});

/** A repository with one process kill of a fresh sleeper, its head commit and a token file beside it. */
function killRepo(name: string): { repo: TestRepo; head: string; tokenFile: string } {
  const sleeper = startSleeper();
  cleanups.push(() => sleeper.child.kill('SIGKILL'));
  const testRepo = makeRepo({
    'chaos/kill.yaml': experiment({
      name,
      selector: sleeperSelector(sleeper),
      fault: killFault,
      duration: '1s',
    }),
  });
  cleanups.push(testRepo.remove);
  const tokenFile = join(testRepo.dir, 'github-token');
  writeFileSync(tokenFile, `${installationToken}\n`, { mode: 0o600 });
  return { repo: testRepo, head: git(testRepo.repo, ['rev-parse', 'HEAD']).trim(), tokenFile };
}

function args(testRepo: TestRepo, tokenFile: string): string[] {
  return [
    '--repo',
    testRepo.repo,
    '--path',
    'chaos',
    '--state-dir',
    testRepo.stateDir,
    '--interval',
    '1s',
    '--once',
    '--github-repo',
    fullName,
    '--github-token-file',
    tokenFile,
    '--github-api-url',
    github.server.url,
  ];
}

/** Every file the run wrote (state, reports), as text. */
function filesUnder(dir: string): string[] {
  return readdirSync(dir, { recursive: true, withFileTypes: true })
    .filter((entry) => entry.isFile())
    .map((entry) => readFileSync(join(entry.parentPath, entry.name), 'utf8'));
}

test('a finished run sets the commit status on its revision and comments on the PR that merged it', async () => {
  const { repo: testRepo, head, tokenFile } = killRepo('kill-reported');
  const pull = github.server.state.addPullRequest({
    repo: fullName,
    title: 'Add kill-reported',
    head: { ref: 'kill-reported', sha: 'c'.repeat(40) },
    base: { ref: 'main', sha: 'b'.repeat(40) },
  });
  github.server.state.mergePullRequest({ repo: fullName, number: pull.number, mergeCommitSha: head });
  const runner = startRunner({ args: args(testRepo, tokenFile) });
  const { code } = await runner.exited;
  const output = runner.output();
  assert.equal(code, 0, output);
  assert.match(output, /default\/kill-reported {2}PASSED Completed/);
  assert.match(
    output,
    new RegExp(
      `default/kill-reported {2}GitHub: status chaoscraft/default/kill-reported on ${fullName}@${head.slice(0, 12)}; comment on #${pull.number} \\(created\\)`,
    ),
  );
  const statuses = github.server.state.statusesFor({ repo: fullName, sha: head });
  assert.deepEqual(
    statuses.map((s) => [s.context, s.state]),
    [['chaoscraft/default/kill-reported', 'success']],
  );
  assert.match(statuses[0]!.description ?? '', /^Passed: /);
  const comments = github.server.state.commentsOn({ repo: fullName, issueNumber: pull.number });
  assert.equal(comments.length, 1);
  assert.match(comments[0]!.body, /^<!-- chaoscraft:result default\/kill-reported uid=\S+ generation=1 -->/);
  assert.match(comments[0]!.body, /ChaosCraft result: `default\/kill-reported` — Passed/);
  // An API URL of one's own (a GitHub Enterprise) says nothing of where its pages are: no commit link.
  assert.match(comments[0]!.body, new RegExp(`\\| Revision \\| \`${head.slice(0, 7)}\` \\|`));
  // The same rendering as the Markdown report written beside it.
  const report = readFileSync(join(testRepo.stateDir, 'reports/default_kill-reported-g1.md'), 'utf8');
  assert.match(report, /ChaosCraft result: `default\/kill-reported` — Passed/);
  assert.equal(output.includes(installationToken), false, 'the token is not in the output');
  for (const text of filesUnder(testRepo.stateDir)) assert.equal(text.includes(installationToken), false);
});

test('a GitHub answering 500 is one warning line; the run finishes with its verdict', async () => {
  const { repo: testRepo, head, tokenFile } = killRepo('kill-github-down');
  github.server.controls.failNext({ count: 1000, status: 500 });
  try {
    const runner = startRunner({ args: args(testRepo, tokenFile) });
    const { code } = await runner.exited;
    const output = runner.output();
    assert.equal(code, 0, output);
    assert.match(output, /default\/kill-github-down {2}PASSED Completed/);
    const warnings = output.split('\n').filter((line) => line.includes('GitHub:'));
    assert.equal(warnings.length, 1, output);
    assert.match(
      warnings[0]!,
      /^.*default\/kill-github-down {2}GitHub: not reported to acme\/chaos: HTTP 500: /,
    );
    assert.equal(output.includes(installationToken), false, 'the token is not in the output');
    for (const text of filesUnder(testRepo.stateDir)) assert.equal(text.includes(installationToken), false);
    assert.deepEqual(github.server.state.statusesFor({ repo: fullName, sha: head }), []);
  } finally {
    github.server.controls.failNext({ count: 0, status: 500 });
  }
});

test('half a GitHub configuration is a usage error, and nothing is sent', async () => {
  const { repo: testRepo, tokenFile } = killRepo('kill-unconfigured');
  const base = args(testRepo, tokenFile).slice(0, 9);
  const requests = github.server.requests.length;
  const cases: [string[], RegExp][] = [
    [['--github-repo', fullName], /--github-repo needs credentials/],
    [['--github-token-file', tokenFile], /--github-token-file needs --github-repo OWNER\/NAME/],
    [['--github-api-url', github.server.url], /--github-api-url needs --github-repo/],
    [['--github-repo', 'acme', '--github-token-file', tokenFile], /--github-repo must be OWNER\/NAME/],
    [
      ['--github-repo', fullName, '--github-token-file', join(testRepo.dir, 'missing')],
      /cannot read the token file .*missing: ENOENT/,
    ],
    [
      ['--github-repo', fullName, '--github-token-file', tokenFile, '--github-api-url', 'http://example.com'],
      /--github-api-url must be https:\/\//,
    ],
  ];
  for (const [extra, message] of cases) {
    const runner = startRunner({ args: [...base, ...extra] });
    const { code } = await runner.exited;
    assert.equal(code, 2, runner.output());
    assert.match(runner.output(), message);
    assert.equal(runner.output().includes(installationToken), false);
  }
  assert.equal(github.server.requests.length, requests, 'no request reached GitHub');
});
