// A fork PR that floods the planner, sent through the webhook path to a real `chaoscraft gitops`
// process: a child process with a small heap (--max-old-space-size), so running out of memory would
// really kill it and fail this test. The flooding PRs get a plan comment naming the budget and the
// file, the process stays up, and a PR sent afterwards gets a normal plan.
import assert from 'node:assert/strict';
import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { planCommentMarker } from '../../../gitops/planner/types.ts';
import { createGitRepository, runGit, startGitHttpServer } from '../../support/git-http-server.ts';
import { owner, repo, type SeededGitHub, startSeededGitHub, userToken } from '../github/fixtures.ts';
import { examplePullRequest, sendWebhook } from './webhook-client.ts';

const secret = 'flood-test-webhook-secret-0042';
const fullName = `${owner}/${repo}`;
const heapMiB = 192;
let folder: string;
let github: SeededGitHub;
let git: Awaited<ReturnType<typeof startGitHttpServer>>;
let child: ChildProcess;
let receiverUrl: string;
const logs: string[] = [];
let baseSha: string;
const heads = new Map<string, string>();

before(async () => {
  folder = await mkdtemp(join(tmpdir(), 'chaoscraft-plan-budgets-'));
  const gitRoot = join(folder, 'git');
  const repository = await createGitRepository({ root: gitRoot, name: repo });
  await repository.writeFiles({ files: { 'README.md': '# chaos\n' } });
  baseSha = await repository.commit({ message: 'init' });
  const experiment = await readFile(new URL('../../../examples/pod-kill.yaml', import.meta.url), 'utf8');
  const branches: Record<string, Record<string, string>> = {
    flood: { 'experiments/flood.yaml': '---\n'.repeat(200_000) },
    small: { 'experiments/pod-kill.yaml': experiment },
    brackets: { 'experiments/brackets.yaml': '['.repeat(500_000) },
  };
  for (const [name, files] of Object.entries(branches)) {
    await repository.checkout({ ref: 'main' });
    await repository.createBranch({ name });
    await repository.checkout({ ref: name });
    await repository.writeFiles({ files });
    heads.set(name, await repository.commit({ message: `add ${name}` }));
  }
  git = await startGitHttpServer({ root: gitRoot, auth: { token: userToken } });
  github = await startSeededGitHub();

  await writeFile(join(folder, 'token'), userToken);
  await writeFile(join(folder, 'secret'), secret);
  const argv = [
    `--max-old-space-size=${heapMiB}`,
    'controller/cli/chaoscraft.ts',
    'gitops',
    '--repository',
    fullName,
    '--token-file',
    join(folder, 'token'),
    '--github-api-url',
    github.server.url,
    '--webhook-secret-file',
    join(folder, 'secret'),
    '--listen',
    '127.0.0.1:0',
    '--report-interval',
    '0',
    '--cache-dir',
    join(folder, 'cache'),
  ];
  child = spawn(process.execPath, argv, {
    cwd: new URL('../../../', import.meta.url).pathname,
    env: { PATH: process.env.PATH ?? '/usr/bin:/bin', HOME: folder },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  child.stdout!.on('data', (chunk: Buffer) => logs.push(String(chunk)));
  child.stderr!.on('data', (chunk: Buffer) => logs.push(String(chunk)));
  receiverUrl = await waitFor(
    'the receiver URL',
    () => /receiving webhooks at (\S+)/.exec(logs.join(''))?.[1],
  );
});

after(async () => {
  if (child && child.exitCode === null && child.signalCode === null) {
    const exited = new Promise((resolve) => child.once('exit', resolve));
    child.kill('SIGTERM');
    await exited;
  }
  await git?.close();
  await github?.server.close();
  await rm(folder, { recursive: true, force: true });
});

async function waitFor<T>(what: string, probe: () => T | undefined, timeoutMs = 60_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = probe();
    if (value !== undefined) return value;
    if (child.exitCode !== null || child.signalCode !== null) {
      throw new Error(
        `gitops exited (${child.exitCode ?? child.signalCode}) waiting for ${what}:\n${logs.join('').slice(-2000)}`,
      );
    }
    if (Date.now() > deadline)
      throw new Error(`timed out waiting for ${what}:\n${logs.join('').slice(-2000)}`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

async function openForkPullRequest(branch: string): Promise<number> {
  const headSha = heads.get(branch)!;
  const { number } = github.server.state.addPullRequest({
    repo: fullName,
    title: `from a fork: ${branch}`,
    head: { ref: branch, sha: headSha, repo: `mallory/${repo}` },
    base: { ref: 'main', sha: baseSha },
  });
  await runGit({ cwd: join(folder, 'git', repo), args: ['update-ref', `refs/pull/${number}/head`, headSha] });
  const payload = examplePullRequest();
  payload.action = 'opened';
  payload.number = number;
  payload.pull_request.number = number;
  payload.pull_request.head.sha = headSha;
  payload.pull_request.head.ref = branch;
  payload.pull_request.head.repo = { full_name: `mallory/${repo}` };
  payload.pull_request.base.sha = baseSha;
  payload.pull_request.base.ref = 'main';
  Object.assign(payload.pull_request.base.repo, { full_name: fullName, clone_url: `${git.url}/${repo}` });
  payload.repository.full_name = fullName;
  const sent = await sendWebhook({ url: receiverUrl, secret, event: 'pull_request', payload });
  assert.equal(sent.status, 202, sent.message);
  return number;
}

function planComment(number: number): string | undefined {
  return github.server.state
    .commentsOn({ repo: fullName, issueNumber: number })
    .find((comment) => comment.body.startsWith(planCommentMarker))?.body;
}

test('fork PRs of 200,000 `---` lines and of half a MiB of `[` get budget comments; the process lives and plans the next PR', async () => {
  const flood = await openForkPullRequest('flood');
  const floodComment = await waitFor('the flood plan comment', () => planComment(flood));
  assert.match(floodComment, /Not planned/);
  assert.match(floodComment, /over the documents budget/);
  assert.match(floodComment, /at least 200,001 YAML documents/);
  assert.match(floodComment, /budget per pull request is 10,000/);
  assert.match(floodComment, /experiments\/flood\.yaml/);
  assert.match(floodComment, /--plan-max-documents/);

  assert.equal(child.exitCode ?? child.signalCode, null, 'the process is still running');
  const health = await fetch(new URL('/healthz', receiverUrl));
  assert.equal(health.status, 200);

  // Within every count (one document, no `kind`, half a MiB), but the parser would need more heap
  // than this whole process has: the trial parse in a worker finds out, and only the worker ends.
  const brackets = await openForkPullRequest('brackets');
  const bracketsComment = await waitFor('the brackets plan comment', () => planComment(brackets));
  assert.match(bracketsComment, /Not planned\*\*: over the memory budget/);
  assert.match(bracketsComment, /parsing `experiments\/brackets\.yaml` needed more than 128 MiB of memory/);
  assert.equal(child.exitCode ?? child.signalCode, null, 'the process is still running');

  const small = await openForkPullRequest('small');
  const smallComment = await waitFor('the second plan comment', () => planComment(small));
  assert.match(smallComment, /## ChaosCraft plan/);
  assert.doesNotMatch(smallComment, /Not planned/);
  assert.match(smallComment, /checkout-pod-kill/);
  assert.equal(child.exitCode ?? child.signalCode, null);

  const everything = [logs.join(''), floodComment, bracketsComment, smallComment].join('\n');
  assert.ok(!everything.includes(userToken), 'the token never appears');
  assert.ok(!everything.includes(secret), 'the webhook secret never appears');
  assert.doesNotMatch(logs.join(''), /webhook (handling|request) failed/);
  assert.deepEqual(github.server.contractViolations, []);
});
