// The composite action (action.yml) run step by step as the runner would: each step's `run` script
// in bash, its `env` with the `${{ }}` expressions resolved, against a temporary repository with
// GITHUB_OUTPUT, GITHUB_STEP_SUMMARY and RUNNER_TEMP set. setup-node is left out (the Node 24 of
// node_modules/.bin is on PATH) and npm is a stub that records how it was called, so the shared
// node_modules is never touched. The action runs its own checked-out code from github.action_path.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { parse } from 'yaml';

const root = join(import.meta.dirname, '..');
interface Step {
  id?: string;
  name: string;
  uses?: string;
  run?: string;
  shell?: string;
  env?: Record<string, string>;
}
const action = parse(readFileSync(join(root, 'action.yml'), 'utf8')) as {
  inputs: Record<string, { default: string }>;
  outputs: Record<string, { value: string }>;
  runs: { using: string; steps: Step[] };
};

/** Resolves the `${{ a || b }}` forms action.yml uses; anything else fails the test. */
function resolve(text: string, context: Record<string, unknown>): string {
  return text.replace(/\$\{\{\s*(.*?)\s*\}\}/g, (_, expression: string) => {
    for (const operand of expression.split('||').map((s) => s.trim())) {
      assert.match(operand, /^[a-z_]+(?:\.[a-z0-9_-]+)+$/i, `unsupported expression: ${expression}`);
      let value: unknown = context;
      for (const key of operand.split('.')) value = (value as Record<string, unknown> | undefined)?.[key];
      if (value) return String(value);
    }
    return '';
  });
}

const git = (cwd: string, ...args: string[]) => {
  const run = spawnSync('git', args, { cwd, encoding: 'utf8' });
  assert.equal(run.status, 0, run.stderr);
  return run.stdout.trim();
};

const experiment = (name: string, extra = '') => `apiVersion: chaoscraft.io/v1alpha1
kind: ChaosExperiment
metadata:
  name: ${name}
  namespace: shop
spec:
  selector:
    labelSelector:
      matchLabels:
        app: checkout
  mode: one
  faults:
    - podKill: {}
  duration: 60s
${extra}`;

interface Run {
  exitCode: number;
  outputs: Record<string, string>;
  summary: string;
  npmCalls: string[];
  log: string;
  steps: Record<string, { outputs: Record<string, string> }>;
  dir: string;
}

function runAction(files: Record<string, string>, inputs: Record<string, string>): Run {
  const dir = mkdtempSync(join(tmpdir(), 'chaoscraft-action-'));
  // The action's checkout: its code, with the dependencies the stub npm "installs" linked in.
  const actionPath = join(dir, 'action');
  mkdirSync(actionPath);
  for (const entry of [
    'bin',
    'controller',
    'gitops',
    'schemas',
    'package.json',
    'package-lock.json',
    'node_modules',
  ])
    symlinkSync(join(root, entry), join(actionPath, entry));
  const stubs = join(dir, 'stubs');
  mkdirSync(stubs);
  writeFileSync(join(stubs, 'npm'), `#!/bin/sh\necho "$(pwd) $*" >> "${join(dir, 'npm-calls')}"\n`, {
    mode: 0o755,
  });
  // The repository of the pull request: a base commit and a head commit.
  const repo = join(dir, 'repo');
  mkdirSync(join(repo, 'experiments'), { recursive: true });
  git(repo, 'init', '-q', '-b', 'main');
  git(repo, 'config', 'user.email', 't@example.com');
  git(repo, 'config', 'user.name', 't');
  writeFileSync(join(repo, 'experiments/base.yaml'), experiment('base'));
  git(repo, 'add', '.');
  git(repo, 'commit', '-q', '-m', 'base');
  const base = git(repo, 'rev-parse', 'HEAD');
  for (const [path, text] of Object.entries(files)) writeFileSync(join(repo, path), text);
  git(repo, 'add', '.');
  git(repo, 'commit', '-q', '-m', 'head');
  const head = git(repo, 'rev-parse', 'HEAD');
  const runnerTemp = join(dir, 'runner-temp');
  mkdirSync(runnerTemp);
  const summaryFile = join(dir, 'summary.md');
  writeFileSync(summaryFile, '');

  const allInputs = Object.fromEntries(
    Object.entries(action.inputs).map(([k, v]) => [k, inputs[k] ?? v.default]),
  );
  const steps: Record<string, { outputs: Record<string, string> }> = {};
  const context = {
    inputs: allInputs,
    steps,
    github: { action_path: actionPath, sha: head, event: { pull_request: { base: { sha: base } } } },
  };
  const npmCalls: string[] = [];
  let log = '';
  let exitCode = 0;
  for (const step of action.runs.steps) {
    if (step.uses) {
      assert.match(step.uses, /^actions\/setup-node@/, `only setup-node is skipped, not ${step.uses}`);
      continue;
    }
    assert.equal(step.shell, 'bash', step.name);
    assert.doesNotMatch(step.run!, /\$\{\{/, `${step.name}: an expression pasted into the script`);
    const outputFile = join(dir, `output-${step.id ?? step.name}`);
    writeFileSync(outputFile, '');
    const env = Object.fromEntries(Object.entries(step.env ?? {}).map(([k, v]) => [k, resolve(v, context)]));
    const run = spawnSync('bash', ['-e', '-c', step.run!], {
      cwd: repo,
      encoding: 'utf8',
      env: {
        PATH: `${stubs}:${join(root, 'node_modules/.bin')}:/usr/bin:/bin`,
        HOME: dir,
        GITHUB_OUTPUT: outputFile,
        GITHUB_STEP_SUMMARY: summaryFile,
        RUNNER_TEMP: runnerTemp,
        ...env,
      },
    });
    log += `--- ${step.name}\n${run.stdout}${run.stderr}`;
    const outputs = Object.fromEntries(
      readFileSync(outputFile, 'utf8')
        .split('\n')
        .filter(Boolean)
        .map((line) => [line.slice(0, line.indexOf('=')), line.slice(line.indexOf('=') + 1)]),
    );
    if (step.id) steps[step.id] = { outputs };
    if (run.status !== 0) {
      exitCode = run.status ?? 1;
      break;
    }
  }
  if (existsSync(join(dir, 'npm-calls')))
    npmCalls.push(...readFileSync(join(dir, 'npm-calls'), 'utf8').trim().split('\n'));
  return {
    exitCode,
    outputs: Object.fromEntries(
      Object.entries(action.outputs).map(([k, v]) => [k, resolve(v.value, context)]),
    ),
    summary: readFileSync(summaryFile, 'utf8'),
    npmCalls: npmCalls.map((call) => call.replace(actionPath, '<action>')),
    log,
    steps,
    dir,
  };
}

test('action.yml keeps its inputs and runs its own code, never a package by name', () => {
  assert.deepEqual(Object.keys(action.inputs).sort(), [
    'base',
    'exclude',
    'fail-on-denied',
    'head',
    'kubeconfig',
    'paths',
  ]);
  assert.equal(action.runs.using, 'composite');
  const scripts = action.runs.steps.map((s) => s.run ?? '').join('\n');
  assert.doesNotMatch(scripts, /\bnpx\b|chaoscraft@/);
  assert.match(scripts, /node "\$\{CHAOSCRAFT_ACTION_PATH\}\/bin\/chaoscraft\.js"/);
});

test('a valid pull request: npm ci in the action path, valid=true, the plan in the job summary', () => {
  const run = runAction({ 'experiments/new.yaml': experiment('checkout-kill') }, { paths: 'experiments' });
  assert.equal(run.exitCode, 0, run.log);
  assert.deepEqual(run.npmCalls, [
    '<action> ci --omit=dev --ignore-scripts --no-audit --no-fund --loglevel=error',
  ]);
  assert.deepEqual(run.outputs, { valid: 'true' });
  assert.match(run.summary, /checkout-kill/);
});

test('an invalid manifest: valid=false, and the job fails unless fail-on-denied is false', () => {
  const files = { 'experiments/bad.yaml': experiment('bad', '  mdoe: all\n') };
  const failing = runAction(files, { paths: 'experiments' });
  assert.equal(failing.exitCode, 1, failing.log);
  assert.deepEqual(failing.outputs, { valid: 'false' });
  assert.match(failing.log, /::error file=experiments\/bad\.yaml/);
  assert.match(failing.log, /a manifest is invalid or denied by policy/);
  const lenient = runAction(files, { paths: 'experiments', 'fail-on-denied': 'false' });
  assert.equal(lenient.exitCode, 0, lenient.log);
  assert.deepEqual(lenient.outputs, { valid: 'false' });
});

test('inputs stay data: each exclude line reaches validate, and shell in an input is never run', () => {
  const files = { 'experiments/bad.yaml': experiment('bad', '  mdoe: all\n') };
  // Validation leaves the excluded file out (the plan still judges every manifest it changes).
  const excluded = runAction(files, { paths: 'experiments', exclude: 'other.yaml\nbad.yaml\n' });
  assert.equal(excluded.steps.validate?.outputs.status, '0', excluded.log);
  const hostile = runAction(
    { 'experiments/new.yaml': experiment('checkout-kill') },
    { paths: 'experiments $(touch pwned)', exclude: '`touch pwned`', head: '$(touch pwned)' },
  );
  for (const where of ['repo', 'action', '.'])
    assert.ok(!existsSync(join(hostile.dir, where, 'pwned')), hostile.log);
  // The odd path is a path that does not exist: a usage error, not a command.
  assert.equal(hostile.steps.validate?.outputs.status, '2', hostile.log);
  assert.notEqual(hostile.exitCode, 0);
});
