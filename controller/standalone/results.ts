/**
 * What a finished run leaves behind: a Markdown report (the same rendering as the pull-request result
 * comment), a JSON report, and a `git notes --ref=chaoscraft` note on the revision the spec came from.
 * Git is run with an argument array, never through a shell.
 */
import { execFile } from 'node:child_process';
import { join } from 'node:path';
import type { ExperimentObject } from '../../gitops/reporter/experiment-view.ts';
import { renderResultComment, verdictOf } from '../../gitops/reporter/result-comment.ts';
import { findCondition } from '../core/conditions.ts';
import type { RunState } from './state-store.ts';
import { writeFileAtomic } from './state-store.ts';

export const notesRef = 'chaoscraft';

export interface WrittenReports {
  markdown: string;
  json: string;
  verdict: string;
}

export function experimentObject(run: RunState): ExperimentObject {
  return {
    apiVersion: 'chaoscraft.io/v1alpha1',
    kind: 'ChaosExperiment',
    metadata: { name: run.name, namespace: run.namespace, uid: run.uid, generation: run.generation },
    spec: run.spec,
    status: run.status,
  };
}

export function writeReports(options: { run: RunState; stateDir: string }): WrittenReports {
  const { run } = options;
  const experiment = experimentObject(run);
  const base = `${run.namespace}_${run.name}-g${run.generation}`.replace(/[^A-Za-z0-9_.-]/g, '_');
  const markdown = join(options.stateDir, 'reports', `${base}.md`);
  const json = join(options.stateDir, 'reports', `${base}.json`);
  const revision = run.revision ? { sha: run.revision, source: 'status' as const } : undefined;
  writeFileAtomic(markdown, `${renderResultComment({ experiment, ...(revision ? { revision } : {}) })}\n`);
  const succeeded = findCondition(run.status.conditions, 'Succeeded');
  writeFileAtomic(
    json,
    `${JSON.stringify(
      {
        experiment: `${run.namespace}/${run.name}`,
        generation: run.generation,
        revision: run.revision ?? null,
        verdict: verdictOf(experiment),
        reason: succeeded?.reason ?? null,
        message: succeeded?.message ?? null,
        report: run.status.report ?? null,
        status: run.status,
      },
      null,
      2,
    )}\n`,
  );
  return { markdown, json, verdict: verdictOf(experiment) };
}

/** One line for the note: verdict, reason, summary and where the report is. */
export function noteText(run: RunState, reports: WrittenReports): string {
  const succeeded = findCondition(run.status.conditions, 'Succeeded');
  const summary = (run.status.report?.summary ?? succeeded?.message ?? '').replace(/\s+/g, ' ').slice(0, 500);
  return `chaoscraft ${run.namespace}/${run.name} (generation ${run.generation}): ${reports.verdict} (${succeeded?.reason ?? 'unknown'}) ${summary}\nreport: ${reports.markdown}`;
}

/**
 * Appends the note to the revision in a local repository. Resolves to an error sentence, or undefined on
 * success; never rejects (a note that cannot be written never stops a run).
 */
export function appendGitNote(options: {
  repoDir: string;
  revision: string;
  text: string;
}): Promise<string | undefined> {
  if (!/^[0-9a-f]{40}$/.test(options.revision)) return Promise.resolve('the revision is not a commit SHA');
  const env = {
    ...process.env,
    GIT_TERMINAL_PROMPT: '0',
    GIT_COMMITTER_NAME: process.env.GIT_COMMITTER_NAME ?? 'ChaosCraft',
    GIT_COMMITTER_EMAIL: process.env.GIT_COMMITTER_EMAIL ?? 'chaoscraft@localhost',
    GIT_AUTHOR_NAME: process.env.GIT_AUTHOR_NAME ?? 'ChaosCraft',
    GIT_AUTHOR_EMAIL: process.env.GIT_AUTHOR_EMAIL ?? 'chaoscraft@localhost',
  };
  return new Promise((resolve) => {
    execFile(
      'git',
      ['-C', options.repoDir, 'notes', `--ref=${notesRef}`, 'append', '-m', options.text, options.revision],
      { env, timeout: 10_000, maxBuffer: 64 * 1024 },
      (error, _stdout, stderr) => {
        resolve(
          error
            ? `git notes failed: ${String(stderr || error.message)
                .trim()
                .slice(0, 300)}`
            : undefined,
        );
      },
    );
  });
}
