// npm run mutants [-- --head] [--only id,id] [--list]
//
// Proves that each safety guarantee of docs/SAFETY.md has a test that fails without the code
// providing it. Each mutant is one precise text replacement in one file that removes a guarantee;
// it is applied in a scratch copy of the repository (the working tree, or HEAD with --head; the real
// tree is never touched, node_modules is linked), and the tests that should catch it run there.
// Prints mutant → catching test → caught/SURVIVED and exits 1 if any test lets its mutant survive,
// if a mutant's anchor text is no longer in the code (it moved: update the mutant), or if a
// catching test fails without the mutation (it could not tell anything then).
import { spawn, spawnSync } from 'node:child_process';
import {
  copyFileSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  rmSync,
  symlinkSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { parseArgs } from 'node:util';

interface Mutant {
  id: string;
  /** The guarantee the mutation removes. */
  removes: string;
  file: string;
  /** Exact text that must occur once in `file`. */
  find: string;
  replace: string;
  /** Test files that must fail with the mutation in place. */
  tests: string[];
}

const mutants: Mutant[] = [
  {
    id: 'pod-kill-blind-delete',
    removes: 'a pod delete carries the UID of the pod it means (preconditions.uid)',
    file: 'controller/kube/pod-kill.ts',
    find: 'preconditions: { uid: pod.uid },',
    replace: '',
    tests: ['test/controller/manager/restart-safety.test.ts'],
  },
  {
    id: 'no-namespace-opt-in',
    removes: 'the namespace-opt-in guardrail',
    file: 'controller/core/policy.ts',
    find: ".filter((ns) => labels[ns]?.[optInLabel] !== 'true')",
    replace: '.filter(() => false)',
    tests: ['test/controller/manager/controller-manager.test.ts', 'test/controller/core/policy.test.ts'],
  },
  {
    id: 'no-finalizer-first',
    removes: 'the finalizer is in place before any effect',
    file: 'controller/core/experiment/plan-experiment.ts',
    find: 'if (!metadata.finalizers?.includes(experimentFinalizer)) {',
    replace: 'if (false) {',
    tests: [
      'test/controller/core/experiment/plan-experiment.test.ts',
      'test/controller/manager/restart-safety.test.ts',
    ],
  },
  {
    id: 'no-deadline-recovery',
    removes: "the agent's dead-man switch: a passed deadline recovers the injection",
    file: 'controller/agent/node/deadline.ts',
    find: 'this.#run({ id, deadlineMs });',
    replace: '',
    tests: ['test/controller/agent/node/deadline.test.ts', 'test/controller/agent/injection-agent.test.ts'],
  },
  {
    id: 'one-shot-repeated',
    removes: 'a one-shot fault (a signal) is never sent twice when the agent restarts mid-injection',
    file: 'controller/faults/session.ts',
    find: 'if (fault.oneShot && request.earlierAttempt) {',
    replace: 'if (false) {',
    tests: ['test/controller/agent/agent-restart-safety.test.ts'],
  },
  {
    id: 'untagged-nft-table',
    removes: "each injection's nftables changes live in a table named by its tag",
    file: 'controller/faults/nft-ruleset.ts',
    find: 'nftTableName(tag)}`;\n  if (!/^[A-Za-z]{1,32}$/.test(options.kind))',
    // The table of every injection is `inet chaoscraft`: no tag in its name.
    replace: "'chaoscraft'}`;\n  if (!/^[A-Za-z]{1,32}$/.test(options.kind))",
    tests: ['test/controller/faults/nft-ruleset.test.ts', 'test/controller/agent/injection-agent.test.ts'],
  },
  {
    id: 'no-in-run-recheck',
    removes: 'a guardrail that denies during a run aborts it (recheckRun on every step)',
    file: 'controller/core/experiment/plan-experiment.ts',
    find: 'if (denied.length) abort(step,',
    replace: 'if (false) abort(step,',
    tests: ['test/controller/core/experiment/guardrails-lifecycle.test.ts'],
  },
  {
    id: 'admissions-side-by-side',
    removes: 'admissions happen one at a time (maxConcurrentExperiments)',
    file: 'controller/experiments/reconciler.ts',
    // The admission step runs at once instead of through the serial runner.
    find: 'admission ? admitting(',
    replace: 'admission ? ((run) => run())(',
    tests: ['test/controller/manager/guardrails.test.ts'],
  },
  {
    id: 'own-writes-not-counted',
    removes: "admission counts the controller's own writes the cache has not shown yet",
    file: 'controller/experiments/reconciler.ts',
    find: 'const keys = new Set([...options.view.activeExperimentKeys(), ...written.keys()]);',
    replace: 'const keys = new Set([...options.view.activeExperimentKeys()]);',
    tests: ['test/controller/manager/guardrails.test.ts'],
  },
  {
    id: 'host-selectors-allowed',
    removes: 'selector.processes and selector.netns are refused in a cluster',
    file: 'controller/core/experiment/admit-run.ts',
    find: "for (const field of ['processes', 'netns'] as const) {",
    replace: 'for (const field of [] as const) {',
    tests: ['test/controller/core/experiment/guardrails-lifecycle.test.ts'],
  },
  {
    id: 'standalone-effect-before-record',
    removes:
      'standalone mode saves the record of a fault attempt before its effect, so a restart never repeats a one-shot fault',
    file: 'controller/standalone/run-step.ts',
    find: 'context.save();\n      const outcome = await context.session.apply({',
    replace: 'const outcome = await context.session.apply({',
    tests: ['test/controller/standalone/restart-safety.test.ts'],
  },
  {
    id: 'standby-trusted-blindly',
    removes:
      'a standby delete that ran in a namespace the path no longer names is followed by the usual delete',
    file: 'controller/faults/nft-standby.ts',
    find: 'return now === undefined || now === standby.namespace;',
    replace: 'return true;',
    tests: ['test/controller/faults/nft-standby.test.ts'],
  },
  {
    id: 'held-command-ended-as-released',
    removes: 'a held command that ended before its release never answers as if it had run its input',
    file: 'controller/host/spawn-helper.ts',
    find: 'if (!this.#pending.has(id) || this.#child !== child)',
    replace: 'if (false)',
    tests: ['test/controller/host/spawn-helper-hold.test.ts'],
  },
];

const root = join(import.meta.dirname, '..');
const { values } = parseArgs({
  options: {
    head: { type: 'boolean', default: false },
    only: { type: 'string' },
    list: { type: 'boolean', default: false },
    parallel: { type: 'string', default: '2' },
  },
});
if (values.list) {
  for (const m of mutants) console.log(`${m.id}\t${m.file}\t${m.removes}`);
  process.exit(0);
}
const chosen = values.only ? mutants.filter((m) => values.only!.split(',').includes(m.id)) : mutants;
if (values.only && chosen.length !== values.only.split(',').length) {
  console.error(`unknown mutant in --only; known: ${mutants.map((m) => m.id).join(', ')}`);
  process.exit(2);
}
const lanes = Math.max(1, Math.min(2, Number(values.parallel)));

/** A copy of the repository to mutate: the working tree's files (tracked and new), or HEAD. */
function scratchCopy(): string {
  const dir = mkdtempSync(join(tmpdir(), 'chaoscraft-mutants-'));
  if (values.head) {
    const archive = spawnSync('git', ['archive', '--format=tar', 'HEAD'], { cwd: root, maxBuffer: 1 << 30 });
    if (archive.status !== 0) throw new Error(`git archive failed: ${archive.stderr}`);
    const untar = spawnSync('tar', ['-x', '-C', dir], { input: archive.stdout });
    if (untar.status !== 0) throw new Error(`tar failed: ${untar.stderr}`);
  } else {
    const listed = spawnSync('git', ['ls-files', '-z', '--cached', '--others', '--exclude-standard'], {
      cwd: root,
      maxBuffer: 1 << 28,
      encoding: 'utf8',
    });
    if (listed.status !== 0) throw new Error(`git ls-files failed: ${listed.stderr}`);
    for (const file of listed.stdout.split('\0').filter(Boolean)) {
      if (!existsSync(join(root, file))) continue; // deleted in the working tree
      mkdirSync(dirname(join(dir, file)), { recursive: true });
      copyFileSync(join(root, file), join(dir, file));
    }
  }
  symlinkSync(join(root, 'node_modules'), join(dir, 'node_modules'), 'dir');
  return dir;
}

/** Applies a mutant in `dir`; returns the undo. Throws when the anchor is not there exactly once. */
function apply(dir: string, mutant: Mutant): () => void {
  const path = join(dir, mutant.file);
  const original = readFileSync(path, 'utf8');
  const count = original.split(mutant.find).length - 1;
  if (count !== 1) {
    throw new Error(
      `${mutant.id}: the anchor text occurs ${count} times in ${mutant.file} (must be once); the code moved, update scripts/mutants.ts:\n  ${mutant.find}`,
    );
  }
  writeFileSync(
    path,
    original.replace(mutant.find, () => mutant.replace),
  );
  return () => writeFileSync(path, original);
}

interface TestRun {
  result: 'passed' | 'failed' | 'skipped' | 'timed out';
  seconds: number;
  tail: string;
  /** The innermost tests that failed, as TAP names them. */
  failures: string[];
}

/** One test file in `dir`, bounded. A file in which no test passed (e.g. skipped without root) says so. */
function runTest(dir: string, file: string): Promise<TestRun> {
  const started = performance.now();
  return new Promise((resolve) => {
    const child = spawn(process.execPath, ['--test', '--test-reporter=tap', '--test-concurrency=1', file], {
      cwd: dir,
      stdio: ['ignore', 'pipe', 'pipe'],
      env: { ...process.env, FORCE_COLOR: '0' },
    });
    let output = '';
    const keep = (chunk: unknown) => {
      output = (output + String(chunk)).slice(-200_000);
    };
    child.stdout.on('data', keep);
    child.stderr.on('data', keep);
    let timedOut = false;
    const timer = setTimeout(() => {
      timedOut = true;
      child.kill('SIGKILL');
    }, 15 * 60_000);
    child.on('exit', (code) => {
      clearTimeout(timer);
      const count = (label: string) => Number(new RegExp(`^# ${label} (\\d+)$`, 'm').exec(output)?.[1] ?? 0);
      const seconds = (performance.now() - started) / 1000;
      const tail = output.slice(-4000);
      // A failing subtest is listed before its parent, deeper indented: keep the deepest ones.
      const notOk = [...output.matchAll(/^( *)not ok \d+ - (.*)$/gm)].map((m) => ({
        depth: m[1]!.length,
        name: m[2]!,
      }));
      const deepest = Math.max(0, ...notOk.map((f) => f.depth));
      const failures = [...new Set(notOk.filter((f) => f.depth === deepest).map((f) => f.name))];
      if (timedOut) resolve({ result: 'timed out', seconds, tail, failures });
      else if (code !== 0) resolve({ result: 'failed', seconds, tail, failures });
      // Nothing passed and nothing failed: skipped (a suite skipped as a whole counts no test at all).
      else if (count('pass') === 0) resolve({ result: 'skipped', seconds, tail, failures });
      else resolve({ result: 'passed', seconds, tail, failures });
    });
  });
}

/** Runs `work` over `items`, `limit` at a time, each with its own lane index. */
async function inLanes<T>(
  items: readonly T[],
  work: (item: T, lane: number) => Promise<void>,
): Promise<void> {
  let next = 0;
  await Promise.all(
    Array.from({ length: Math.min(lanes, items.length) }, async (_, lane) => {
      while (next < items.length) await work(items[next++]!, lane);
    }),
  );
}

const copies = Array.from({ length: lanes }, scratchCopy);
let failed = false;
try {
  // Every anchor first: a mutant that no longer applies is reported before anything runs.
  for (const mutant of chosen) apply(copies[0]!, mutant)();

  // Without mutations, each catching test must pass; a failing one would "catch" every mutant.
  const testFiles = [...new Set(chosen.flatMap((m) => m.tests))];
  console.log(`baseline: ${testFiles.length} test files without mutations`);
  const baseline = new Map<string, TestRun>();
  await inLanes(testFiles, async (file, lane) => {
    const run = await runTest(copies[lane]!, file);
    baseline.set(file, run);
    console.log(`  ${run.result.padEnd(8)} ${file} (${run.seconds.toFixed(0)} s)`);
    if (run.result !== 'passed' && run.result !== 'skipped') console.log(run.tail);
  });
  const broken = [...baseline].filter(([, run]) => run.result !== 'passed' && run.result !== 'skipped');
  if (broken.length)
    throw new Error(`catching tests fail without mutations: ${broken.map(([f]) => f).join(', ')}`);

  const rows: { mutant: string; test: string; verdict: string; seconds: number }[] = [];
  await inLanes(chosen, async (mutant, lane) => {
    const undo = apply(copies[lane]!, mutant);
    try {
      for (const test of mutant.tests) {
        if (baseline.get(test)?.result === 'skipped') {
          rows.push({ mutant: mutant.id, test, verdict: 'not run (skipped here)', seconds: 0 });
          continue;
        }
        const run = await runTest(copies[lane]!, test);
        const verdict =
          run.result === 'failed'
            ? 'caught'
            : run.result === 'timed out'
              ? 'caught (timed out)'
              : run.result === 'skipped'
                ? 'not run (skipped here)'
                : 'SURVIVED';
        rows.push({ mutant: mutant.id, test, verdict, seconds: run.seconds });
        console.log(`  ${mutant.id}: ${verdict} by ${test} (${run.seconds.toFixed(0)} s)`);
        for (const name of run.failures.slice(0, 3)) console.log(`      failed: ${name}`);
      }
    } finally {
      undo();
    }
  });

  const order = new Map(chosen.map((m, i) => [m.id, i]));
  rows.sort((a, b) => order.get(a.mutant)! - order.get(b.mutant)! || a.test.localeCompare(b.test));
  const width = (pick: (r: (typeof rows)[number]) => string, title: string) =>
    Math.max(title.length, ...rows.map((r) => pick(r).length));
  const w1 = width((r) => r.mutant, 'mutant');
  const w2 = width((r) => r.test, 'catching test');
  console.log(`\n${'mutant'.padEnd(w1)}  ${'catching test'.padEnd(w2)}  result`);
  console.log(`${'-'.repeat(w1)}  ${'-'.repeat(w2)}  ------`);
  for (const row of rows) console.log(`${row.mutant.padEnd(w1)}  ${row.test.padEnd(w2)}  ${row.verdict}`);
  const survived = rows.filter((r) => r.verdict === 'SURVIVED');
  const unproven = chosen.filter(
    (m) => !rows.some((r) => r.mutant === m.id && r.verdict.startsWith('caught')),
  );
  if (survived.length) console.log(`\n${survived.length} test(s) let their mutant survive.`);
  if (unproven.length)
    console.log(`\nNot proven here (no catching test ran): ${unproven.map((m) => m.id).join(', ')}`);
  failed = survived.length > 0 || unproven.length > 0;
} catch (error) {
  console.error(`\n${(error as Error).message}`);
  failed = true;
} finally {
  for (const copy of copies) rmSync(copy, { recursive: true, force: true });
}
process.exit(failed ? 1 : 0);
