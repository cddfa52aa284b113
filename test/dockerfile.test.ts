// The Dockerfile's invariants, checked on its text since Docker does not run here: every base
// pinned to an exact Node version (the one the project pins), production dependencies only, no
// npm or build tools in the images, a non-root controller, an agent that is root only for the
// capabilities Kubernetes cannot give another user, no secrets, and the HEALTHCHECK decision said.
import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';

const root = join(import.meta.dirname, '..');
const text = readFileSync(join(root, 'Dockerfile'), 'utf8');
/** Instructions with continuation lines joined and comments dropped. */
const instructions = text
  .replace(/\\\n/g, ' ')
  .split('\n')
  .map((line) => line.trim())
  .filter((line) => line !== '' && !line.startsWith('#'))
  .map((line) => {
    const [keyword, ...rest] = line.split(/\s+/);
    return { keyword: keyword!.toUpperCase(), args: rest.join(' ') };
  });

interface Stage {
  name: string;
  from: string;
  body: Array<{ keyword: string; args: string }>;
}
const stages: Stage[] = [];
for (const instruction of instructions) {
  if (instruction.keyword === 'FROM') {
    const [from, , name] = instruction.args.split(/\s+/);
    stages.push({ name: name ?? String(stages.length), from: from!, body: [] });
  } else stages.at(-1)?.body.push(instruction);
}
const stage = (name: string) => stages.find((s) => s.name === name)!;
/** A stage's instructions with those of the stages it is built FROM. */
const lineage = (s: Stage): Stage['body'] => {
  const parent = stages.find((p) => p.name === s.from);
  return [...(parent ? lineage(parent) : []), ...s.body];
};
const userOf = (s: Stage) =>
  lineage(s)
    .filter((i) => i.keyword === 'USER')
    .at(-1)?.args;

test('every external base is Node 24 slim at the exact version the project pins', () => {
  const lock = JSON.parse(readFileSync(join(root, 'package-lock.json'), 'utf8'));
  const pinned = lock.packages['node_modules/node'].version as string;
  assert.match(pinned, /^24\.\d+\.\d+$/);
  const external = stages.filter((s) => !stages.some((p) => p.name === s.from));
  assert.ok(external.length >= 1);
  for (const s of external) {
    assert.match(s.from, /^node:24\.\d+\.\d+-[a-z]+-slim(@sha256:[0-9a-f]{64})?$/, s.from);
    assert.ok(s.from.startsWith(`node:${pinned}-`), `${s.from} is not the pinned Node ${pinned}`);
  }
});

test('the controller is the default target and runs as a non-root user; the agent is root for its capabilities', () => {
  assert.equal(stages.at(-1)?.name, 'controller', 'docker build without --target gives the controller');
  const user = userOf(stage('controller'));
  assert.ok(user, 'USER is set');
  assert.doesNotMatch(user!, /^(0|root)(:|$)/, 'the controller is not root');
  assert.match(userOf(stage('agent')) ?? '', /^(0|root)(:|$)/);
  assert.match(text, /agent runs as root because Kubernetes gives the capabilities/);
});

test('production dependencies only, and no npm or build tools in the images', () => {
  const deps = stage('deps')
    .body.map((i) => i.args)
    .join('\n');
  assert.match(deps, /npm ci --omit=dev/);
  for (const name of ['controller', 'agent']) {
    const body = lineage(stage(name));
    const runs = body.filter((i) => i.keyword === 'RUN').map((i) => i.args);
    assert.ok(!runs.some((r) => /\bnpm (ci|install|i)\b/.test(r)), `${name} installs npm packages itself`);
    assert.ok(
      runs.some((r) => r.includes('/usr/local/bin/npm')),
      `${name} still ships npm`,
    );
    for (const tool of ['build-essential', 'gcc', 'g\\+\\+', 'make', 'python3', 'git', 'curl', 'wget'])
      assert.ok(
        !runs.some((r) => new RegExp(`install[^&]*\\s${tool}(\\s|$)`).test(r)),
        `${name} installs ${tool}`,
      );
    assert.ok(
      body.some((i) => i.keyword === 'COPY' && i.args.startsWith('--from=deps')),
      `${name} takes node_modules from deps`,
    );
  }
});

test('the agent image has the programs its faults run', () => {
  const runs = lineage(stage('agent'))
    .filter((i) => i.keyword === 'RUN')
    .map((i) => i.args)
    .join('\n');
  for (const pkg of ['nftables', 'iproute2', 'stress-ng']) assert.match(runs, new RegExp(`\\s${pkg}\\s`));
  assert.match(runs, /rm -rf \/var\/lib\/apt\/lists/);
});

test('no secrets: no ARG or ENV that carries a credential, no credential files copied, a deny-all .dockerignore', () => {
  for (const { keyword, args } of instructions) {
    if (keyword === 'ARG' || keyword === 'ENV')
      assert.doesNotMatch(args, /token|secret|passw|key|credential|auth/i, `${keyword} ${args}`);
    if (keyword === 'COPY' || keyword === 'ADD') {
      assert.notEqual(keyword, 'ADD', 'COPY, not ADD (no remote URLs or archives)');
      assert.doesNotMatch(args, /\.npmrc|\.env|\.git\b|kubeconfig|\.ssh|id_rsa/i, args);
      const sources = args.split(/\s+/).filter((a) => !a.startsWith('--'));
      if (!args.startsWith('--from='))
        for (const source of sources.slice(0, -1))
          assert.ok(existsSync(join(root, source)), `${source} exists`);
    }
  }
  assert.doesNotMatch(text, /gh[pousr]_[A-Za-z0-9]{20,}|AKIA[0-9A-Z]{16}|-----BEGIN/);
  const ignore = readFileSync(join(root, '.dockerignore'), 'utf8')
    .split('\n')
    .filter((l) => l && !l.startsWith('#'));
  assert.equal(ignore[0], '*', '.dockerignore starts by excluding everything');
});

test('HEALTHCHECK is set, or the Dockerfile says why not', () => {
  assert.ok(
    instructions.some((i) => i.keyword === 'HEALTHCHECK') || /# No HEALTHCHECK: .+/.test(text),
    'no HEALTHCHECK and no reason',
  );
});
