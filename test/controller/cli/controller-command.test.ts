// `chaoscraft controller --policy-*`: the flags become manager options, mistakes are usage errors,
// and the credentials file is read before every poll without its content reaching any message.
import assert from 'node:assert/strict';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { type CommandIo, UsageError } from '../../../controller/cli/command.ts';
import {
  controllerCommand,
  controllerHelp,
  policyRepositoryFromFlags,
} from '../../../controller/cli/controller-command.ts';

const TOKEN = 'ghs_cliPolicyToken_77e1';
let workspace: string;

before(async () => {
  workspace = await mkdtemp(join(tmpdir(), 'chaoscraft-controller-cli-'));
});
after(async () => {
  await rm(workspace, { recursive: true, force: true });
});

test('no --policy-repo: no Git source, and its other flags alone are a mistake', async () => {
  assert.equal(await policyRepositoryFromFlags({}), undefined);
  await assert.rejects(policyRepositoryFromFlags({ 'policy-path': 'policies' }), {
    name: 'UsageError',
    message: '--policy-path needs --policy-repo',
  });
});

test('defaults: branch main, the whole repository, every 10 s, no token', async () => {
  assert.deepEqual(
    await policyRepositoryFromFlags({ 'policy-repo': 'https://git.example.com/org/guardrails' }),
    {
      url: 'https://git.example.com/org/guardrails',
      branch: 'main',
      path: '',
      pollIntervalMs: 10_000,
    },
  );
});

test('every flag is taken, and the token file is read again on each call', async () => {
  const file = join(workspace, 'token');
  await writeFile(file, `${TOKEN}\n`);
  const options = await policyRepositoryFromFlags({
    'policy-repo': 'https://git.example.com/org/guardrails.git',
    'policy-branch': 'release/1.x',
    'policy-path': './policies/prod/',
    'policy-poll': '30s',
    'policy-credentials': file,
  });
  assert.equal(options?.branch, 'release/1.x');
  assert.equal(options?.path, 'policies/prod');
  assert.equal(options?.pollIntervalMs, 30_000);
  assert.equal(await options?.token?.(), TOKEN);
  await writeFile(file, 'rotated\n');
  assert.equal(await options?.token?.(), 'rotated', 'a rotated Secret is picked up');
});

test('mistakes are usage errors that never show the credentials', async () => {
  const file = join(workspace, 'token-2');
  await writeFile(file, TOKEN);
  const cases: [Record<string, string>, RegExp][] = [
    [{ 'policy-repo': 'git@github.com:org/repo.git' }, /--policy-repo: .*not a valid URL/],
    [{ 'policy-repo': `https://x:${TOKEN}@git.example.com/r` }, /--policy-repo: .*carries credentials/],
    [
      { 'policy-repo': 'http://git.example.com/r', 'policy-credentials': file },
      /refusing to send a token over plain http/,
    ],
    [{ 'policy-repo': 'https://g.example/r', 'policy-branch': 'a..b' }, /--policy-branch/],
    [{ 'policy-repo': 'https://g.example/r', 'policy-branch': 'refs/heads/main' }, /--policy-branch/],
    [{ 'policy-repo': 'https://g.example/r', 'policy-path': '../etc' }, /--policy-path/],
    [{ 'policy-repo': 'https://g.example/r', 'policy-path': '.hidden/p' }, /--policy-path/],
    [{ 'policy-repo': 'https://g.example/r', 'policy-poll': 'often' }, /--policy-poll must be a duration/],
    [{ 'policy-repo': 'https://g.example/r', 'policy-poll': '100ms' }, /--policy-poll must be 1s to 1h/],
    [
      { 'policy-repo': 'https://g.example/r', 'policy-credentials': join(workspace, 'missing') },
      /--policy-credentials: cannot read the token file .*missing: ENOENT/,
    ],
  ];
  for (const [flags, message] of cases) {
    const error = await policyRepositoryFromFlags(flags).then(
      () => assert.fail(`accepted ${JSON.stringify(flags)}`),
      (e: unknown) => e as Error,
    );
    assert.ok(error instanceof UsageError, `${JSON.stringify(flags)}: ${error}`);
    assert.match(error.message, message);
    assert.ok(!error.message.includes(TOKEN), error.message);
  }
});

test('the help names every flag', () => {
  for (const flag of [
    '--policy-repo',
    '--policy-branch',
    '--policy-path',
    '--policy-poll',
    '--policy-credentials',
    '--agent-timeout',
    '--recovery-timeout',
  ])
    assert.ok(controllerHelp.includes(flag), flag);
});

test('--agent-timeout and --recovery-timeout take durations in range; mistakes are usage errors', async () => {
  const io: CommandIo = { stdout: () => {}, stderr: () => {} };
  for (const argv of [
    ['--agent-timeout', 'soon'],
    ['--agent-timeout', '0s'],
    ['--recovery-timeout', '2d'],
  ]) {
    await assert.rejects(controllerCommand(argv, io), (error: unknown) => {
      assert.ok(error instanceof UsageError, `${argv.join(' ')}: ${error}`);
      assert.match((error as Error).message, new RegExp(argv[0]!));
      return true;
    });
  }
});
