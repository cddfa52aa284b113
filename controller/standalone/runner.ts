/**
 * `chaoscraft standalone`: the whole loop on one host. Every interval the runner reads the branch; each
 * ChaosExperiment in it becomes a run stepped by the core's lifecycle, with the ChaosPolicies of the same
 * commit as guardrails (a `suspend: true` committed stops every run within one poll). State lives in the
 * state directory (state-store.ts); a runner started again continues every run where it stopped.
 */
import { randomUUID } from 'node:crypto';
import { join } from 'node:path';
import type { ChaosPolicySpec } from '../api/types.generated.ts';
import { setCondition } from '../core/conditions.ts';
import { runStateOf } from '../core/experiment/run-state.ts';
import { createFaultRegistry } from '../faults/registry.ts';
import { createFaultSession, type FaultSession } from '../faults/session.ts';
import { createHttpProbeProvider } from '../probes/http-probe.ts';
import { createPrometheusProbeProvider } from '../probes/prometheus-probe.ts';
import { type Failpoint, noFailpoints } from '../runtime/failpoints.ts';
import type { StandaloneGitHub } from './github-report.ts';
import { findTargets } from './host-targets.ts';
import type { Progress } from './progress.ts';
import {
  describeLocation,
  openLocation,
  type RepoLocation,
  type RepoSnapshot,
  readSnapshot,
} from './repo-reader.ts';
import { appendGitNote, noteText, writeReports } from './results.ts';
import { continueRun, type StepContext, stepRun } from './run-step.ts';
import { specHash, stepSchedule, syncSchedule } from './schedules.ts';
import { loadState, type RunState, type StandaloneState, saveState } from './state-store.ts';

export interface RunnerOptions {
  location: RepoLocation;
  branch: string;
  path: string;
  stateDir: string;
  intervalMs: number;
  /** Stop once every run of the first commit read has finished (and nothing is held). */
  once: boolean;
  progress: Progress;
  signal: AbortSignal;
  failpoint?: Failpoint;
  /** Whether this process may change the host as root (network namespaces, cgroups). */
  root: boolean;
  /** Where finished runs are posted on GitHub, when configured. */
  github?: StandaloneGitHub;
}

export interface RunnerResult {
  /** Runs finished by this process, by key, with their verdict. */
  verdicts: Map<string, { verdict: string; reason: string }>;
  /** Set when the repository could never be read. */
  unreadable?: string;
  /** With `once`: runs left waiting for a guardrail to lift (suspend, blackout), by key, with the reason. */
  waiting?: Map<string, string>;
}

/** Fault kinds that change what only root may change here: network namespaces and cgroups. */
const rootKinds = new Set([
  'networkLoss',
  'networkPartition',
  'networkLatency',
  'networkBandwidth',
  'cpuStress',
  'memoryStress',
]);

const maxStepsPerTurn = 12;

function sleep(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    if (signal.aborted) return resolve();
    const timer = setTimeout(done, Math.max(0, ms));
    function done() {
      clearTimeout(timer);
      signal.removeEventListener('abort', done);
      resolve();
    }
    signal.addEventListener('abort', done, { once: true });
  });
}

export async function runStandalone(options: RunnerOptions): Promise<RunnerResult> {
  const { progress, stateDir } = options;
  const failpoint = options.failpoint ?? noFailpoints;
  const state: StandaloneState = loadState(stateDir);
  const save = () => saveState(stateDir, state);
  const session: FaultSession = createFaultSession({ faults: createFaultRegistry() });
  const providers = { http: createHttpProbeProvider(), prometheus: createPrometheusProbeProvider() };
  const result: RunnerResult = { verdicts: new Map() };
  const said = new Set<string>();
  /** Says a sentence once (a problem repeated every poll is said when it first appears). */
  const sayOnce = (text: string) => {
    if (said.has(text)) return;
    said.add(text);
    progress.line(text);
  };
  let policies: readonly { name: string; spec: ChaosPolicySpec }[] = [];
  let lastCommit: string | undefined;
  let firstSnapshot: RepoSnapshot | undefined;
  let lastPoll = Number.NEGATIVE_INFINITY;
  let readOnce = false;

  async function poll(): Promise<void> {
    lastPoll = Date.now();
    let snapshot: RepoSnapshot;
    try {
      const repository = await openLocation(options.location, join(stateDir, 'git-cache'));
      snapshot = await readSnapshot({ repository, branch: options.branch, path: options.path });
    } catch (error) {
      const message = (error as Error).message;
      sayOnce(`repository: ${message}`);
      if (!readOnce) result.unreadable = message;
      return;
    }
    readOnce = true;
    delete result.unreadable;
    firstSnapshot ??= snapshot;
    if (snapshot.commit !== lastCommit) {
      lastCommit = snapshot.commit;
      progress.line(
        `read ${describeLocation(options.location)} ${options.branch} at ${snapshot.commit.slice(0, 12)}: ${snapshot.experiments.length} experiment(s)`,
      );
    }
    for (const problem of snapshot.problems) sayOnce(`invalid manifest, skipped: ${problem}`);
    if (snapshot.policies.ok) policies = snapshot.policies.policies;
    else {
      for (const problem of snapshot.policies.problems)
        sayOnce(`policies of ${snapshot.commit.slice(0, 12)} refused: ${problem}`);
      // The last valid set stays in force; a valid suspension of the refused commit still applies.
      const extra = snapshot.policies.suspended.filter((p) => !policies.some((q) => q.name === p.name));
      policies = [...policies, ...extra];
    }
    const seen = new Set<string>();
    for (const manifest of snapshot.experiments) {
      const key = `${manifest.namespace}/${manifest.name}`;
      if (seen.has(key)) continue;
      seen.add(key);
      const hash = specHash(manifest.spec);
      const run = state.runs[key];
      if (!run) {
        state.runs[key] = {
          key,
          uid: randomUUID(),
          generation: 1,
          specHash: hash,
          spec: manifest.spec,
          namespace: manifest.namespace,
          name: manifest.name,
          revision: snapshot.commit,
          finalizers: [],
          status: {},
          attempts: {},
        };
      } else if (run.specHash !== hash) {
        run.generation += 1;
        run.specHash = hash;
        run.spec = manifest.spec;
        run.revision = snapshot.commit;
        delete run.deleting;
      }
    }
    for (const run of Object.values(state.runs)) {
      // A schedule's run is the schedule's to delete.
      if (!seen.has(run.key) && !run.deleting && !run.owner) run.deleting = new Date().toISOString();
    }
    const schedules = new Set<string>();
    for (const manifest of snapshot.schedules) {
      schedules.add(`${manifest.namespace}/${manifest.name}`);
      syncSchedule(state, manifest, snapshot.commit, new Date());
    }
    for (const schedule of Object.values(state.schedules ?? {})) {
      if (!schedules.has(schedule.key) && !schedule.deleting) schedule.deleting = new Date().toISOString();
    }
    save();
  }

  function context(run: RunState): StepContext {
    const active = Object.values(state.runs).filter(
      (other) =>
        other !== run &&
        runStateOf({ metadata: { generation: other.generation }, status: other.status }) === 'running',
    ).length;
    return {
      session,
      providers,
      policies,
      activeExperiments: active,
      findTargets: async (target) => {
        const needsRoot = target.spec.faults.flatMap((f) => Object.keys(f)).filter((k) => rootKinds.has(k));
        if (!options.root && needsRoot.length) {
          throw new Error(
            `${[...new Set(needsRoot)].join(', ')} needs root (network namespaces and cgroups); run chaoscraft standalone as root`,
          );
        }
        return findTargets(target.spec.selector);
      },
      save,
      failpoint,
      now: () => new Date(),
      signal: options.signal,
    };
  }

  async function finished(run: RunState): Promise<void> {
    const runId = `${run.uid}/${run.generation}`;
    if (run.reported === runId || !run.status.completionTime) return;
    run.reported = runId;
    save();
    const reports = writeReports({ run, stateDir });
    const reason = run.status.conditions?.find((c) => c.type === 'Succeeded')?.reason ?? 'unknown';
    result.verdicts.set(run.key, { verdict: reports.verdict, reason });
    progress.line(`${run.key}  report: ${reports.markdown} (and .json)`);
    if ('dir' in options.location && run.revision) {
      const problem = await appendGitNote({
        repoDir: options.location.dir,
        revision: run.revision,
        text: noteText(run, reports),
      });
      progress.line(
        problem
          ? `${run.key}  no git note: ${problem}`
          : `${run.key}  git note: git -C ${options.location.dir} notes --ref=chaoscraft show ${run.revision.slice(0, 12)}`,
      );
    }
    // Never throws: a GitHub that fails is one line, and the run keeps its verdict.
    if (options.github) progress.line(`${run.key}  ${await options.github.report(run)}`);
  }

  /** Steps one run until it waits for time to pass; returns when to come back (ms from now). */
  async function turn(run: RunState): Promise<number> {
    let wait = options.intervalMs;
    // A finished run changes only with its spec (a new generation) or when it is deleted.
    const finishedNow =
      runStateOf({ metadata: { generation: run.generation }, status: run.status }) === 'finished';
    if (finishedNow && !run.deleting && run.reported === `${run.uid}/${run.generation}`) return wait;
    for (let steps = 0; steps < maxStepsPerTurn; steps++) {
      const before = structuredClone(run.status);
      const ctx = context(run);
      const step = await stepRun(run, ctx);
      if (step.forget) {
        delete state.runs[run.key];
        save();
        return wait;
      }
      save();
      progress.run(run, before);
      if (runStateOf({ metadata: { generation: run.generation }, status: run.status }) === 'finished') {
        await finished(run);
        return wait;
      }
      const requeue = step.acted ? 0 : step.plan.requeueAfterMs;
      if (requeue === undefined) return wait;
      if (requeue > 0) return Math.min(wait, requeue);
      wait = options.intervalMs;
    }
    return 0;
  }

  function holding(): RunState[] {
    return Object.values(state.runs).filter(
      (run) => runStateOf({ metadata: { generation: run.generation }, status: run.status }) === 'running',
    );
  }

  /** Recovers every run in progress and ends it as Aborted, with the reason given. */
  async function stopAll(why: string): Promise<void> {
    for (const run of holding()) {
      if (!run.status.abort) {
        const now = new Date();
        run.status.abort = { reason: 'Deleted', message: why, time: now.toISOString() };
        run.status.conditions = setCondition(
          run.status.conditions,
          {
            type: 'Succeeded',
            status: 'Unknown',
            reason: 'Recovering',
            message: `aborting: ${why}`,
            observedGeneration: run.status.observedGeneration,
          },
          now,
        );
        save();
        progress.line(`${run.key}  Recovering: aborting: ${why}`);
      }
      for (let steps = 0; steps < maxStepsPerTurn && holding().includes(run); steps++) {
        const before = structuredClone(run.status);
        await stepRun(run, { ...context(run), signal: new AbortController().signal });
        save();
        progress.run(run, before);
      }
      await finished(run);
    }
  }

  // After a restart: what was in place is verified (and put back if gone) before anything else happens.
  for (const run of holding()) {
    for (const problem of await continueRun(run, context(run))) progress.line(problem);
    if (Object.keys(run.attempts).length) progress.line(`${run.key}  continued after a restart`);
  }

  while (!options.signal.aborted) {
    if (Date.now() - lastPoll >= options.intervalMs) await poll();
    if (options.once && !readOnce && result.unreadable) break;
    let wake = options.intervalMs;
    for (const schedule of Object.values(state.schedules ?? {})) {
      const step = stepSchedule({ schedule, state, policies, now: new Date(), say: progress.line });
      if (step.forget) delete state.schedules![schedule.key];
      if (step.requeueAfterMs !== undefined) wake = Math.min(wake, step.requeueAfterMs);
      save();
    }
    for (const run of Object.values(state.runs)) {
      if (options.signal.aborted) break;
      wake = Math.min(wake, await turn(run));
    }
    if (options.once && firstSnapshot) {
      const keys = firstSnapshot.experiments.map((e) => `${e.namespace}/${e.name}`);
      const stateOf = (key: string) => {
        const run = state.runs[key];
        return run
          ? runStateOf({ metadata: { generation: run.generation }, status: run.status })
          : 'finished';
      };
      const states = keys.map(stateOf);
      if (states.every((s) => s === 'finished') && holding().length === 0) break;
      // Nothing runs and the rest wait for a guardrail to lift (a suspension, a blackout window): --once
      // never waits on that, it says so and ends.
      if (states.every((s) => s === 'finished' || s === 'waiting') && holding().length === 0) {
        result.waiting = new Map();
        for (const key of keys.filter((key) => stateOf(key) === 'waiting')) {
          const succeeded = state.runs[key]!.status?.conditions?.find((c) => c.type === 'Succeeded');
          const reason = `${succeeded?.reason ?? 'Waiting'}: ${succeeded?.message ?? 'held by a guardrail'}`;
          result.waiting.set(key, reason);
          progress.line(`${key}  not started: ${reason} (--once does not wait for a guardrail to lift)`);
        }
        break;
      }
    }
    progress.tick(holding());
    // On a terminal the bar moves at least once a second.
    await sleep(Math.min(wake, options.intervalMs - (Date.now() - lastPoll), 1000), options.signal);
  }
  if (options.signal.aborted) await stopAll('chaoscraft standalone was stopped; every fault is recovered');
  save();
  return result;
}
