// pr-plan: the plan of a PR touching 1,000 manifests in a repository of 10,000 files, from
// opening the repository to the Markdown, against native git doing the least any planner must:
// `git diff --name-only base...head` and `git show head:<path>` of the same files.
import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { PodSummary } from '../../controller/core/pod-candidates.ts';
import { staticClusterReader } from '../../gitops/planner/cluster-reader.ts';
import { planPullRequest } from '../../gitops/planner/plan-pull-request.ts';
import { openRepository } from '../../gitops/repository/open-repository.ts';
import { type Benchmark, compareMs, round } from './harness.ts';

const gitEnv = {
  PATH: process.env.PATH ?? '/usr/bin:/bin',
  HOME: '/nonexistent',
  GIT_CONFIG_NOSYSTEM: '1',
  GIT_CONFIG_GLOBAL: '/dev/null',
  LC_ALL: 'C',
};
const teams = 25;

function git(cwd: string, args: string[], input?: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const child = execFile(
      'git',
      args,
      { cwd, env: gitEnv, maxBuffer: 256 * 1024 * 1024, timeout: 120_000 },
      (error, stdout, stderr) =>
        error ? reject(new Error(`git ${args[0]}: ${stderr || error.message}`)) : resolve(stdout),
    );
    if (input !== undefined) {
      // If git exits early, its stderr (through the callback) says why; a broken pipe must not crash.
      child.stdin!.on('error', () => {});
      child.stdin!.end(input);
    }
  });
}

function experiment(team: number, index: number, variant: string, duration = '60s'): string {
  return `apiVersion: chaoscraft.io/v1alpha1
kind: ChaosExperiment
metadata:
  name: kill-${index}
  namespace: team-${team}
spec:
  selector:
    labelSelector:
      matchLabels:
        app: web
  mode: ${variant}
  faults:
    - podKill: {}
  duration: ${duration}
`;
}

/** One fast-import stream: the base commit with every file, then the PR commit on top. */
function fastImportStream(
  files: number,
  manifests: number,
  touched: number,
): { stream: string; paths: string[] } {
  const chunks: string[] = [];
  let mark = 0;
  const blob = (content: string) => {
    mark++;
    chunks.push(`blob\nmark :${mark}\ndata ${Buffer.byteLength(content)}\n${content}\n`);
    return mark;
  };
  const base: string[] = [];
  const manifestPaths: string[] = [];
  for (let i = 0; i < files; i++) {
    const team = i % teams;
    if (i < manifests) {
      const path = `teams/team-${team}/experiments/kill-${i}.yaml`;
      manifestPaths.push(path);
      base.push(`M 100644 :${blob(experiment(team, i, 'one'))} ${path}`);
    } else {
      base.push(
        `M 100644 :${blob(`export const value${i} = ${i};\n`)} services/svc-${i % 200}/src/file-${i}.ts`,
      );
    }
  }
  const head: string[] = [];
  const changed = manifestPaths.slice(0, touched);
  changed.forEach((path, n) => {
    const i = Number(/kill-(\d+)\.yaml$/.exec(path)![1]);
    head.push(`M 100644 :${blob(experiment(i % teams, i, n % 2 ? 'all' : 'one', '90s'))} ${path}`);
  });
  const commit = (ref: string, message: string, lines: string[], from?: number): number => {
    mark++;
    chunks.push(
      `commit ${ref}\nmark :${mark}\ncommitter Bench <bench@chaoscraft.invalid> 1714986000 +0000\ndata ${message.length}\n${message}\n${from ? `from :${from}\n` : ''}${lines.join('\n')}\n\n`,
    );
    return mark;
  };
  const fork = commit('refs/heads/main', 'base', base);
  commit('refs/heads/pr', 'pr', head, fork);
  // The base branch moves on after the fork, so the merge base is not the base's tip.
  const later = Array.from(
    { length: 20 },
    (_, i) => `M 100644 :${blob(`// later ${i}\n`)} services/later/file-${i}.ts`,
  );
  commit('refs/heads/main', 'main moves on', later, fork);
  return { stream: chunks.join(''), paths: changed };
}

function cluster() {
  const pods: PodSummary[] = [];
  for (let team = 0; team < teams; team++) {
    for (let i = 0; i < 8; i++) {
      pods.push({
        namespace: `team-${team}`,
        name: `web-${i}`,
        uid: `${team}-${i}`,
        labels: { app: 'web' },
        nodeName: `node-${i % 4}`,
        phase: 'Running',
        terminating: false,
        owner: { kind: 'ReplicaSet', name: 'web-rs' },
        containers: [{ name: 'app' }],
      });
    }
  }
  return staticClusterReader({
    pods,
    namespaces: Array.from({ length: teams }, (_, t) => ({
      name: `team-${t}`,
      labels: { 'chaoscraft.io/allow': 'true' },
    })),
    policies: [{ name: 'default', spec: { maxTargetsPercent: 50 } }],
  });
}

const benchmark: Benchmark = {
  id: 'pr-plan',
  description:
    'plan a PR touching 1,000 manifests in a 10,000-file repository; baseline: native git diff base...head + git show of the same files',
  async run({ log, quick, sizes }) {
    const files = quick ? 2000 : 10_000;
    const touched = quick ? 200 : 1000;
    sizes({ repositoryFiles: files, touchedManifests: touched, rounds: quick ? 2 : 3 });
    const dir = mkdtempSync(join(tmpdir(), 'chaoscraft-bench-pr-plan-'));
    try {
      await git(dir, ['init', '--quiet', '--initial-branch=main']);
      const started = performance.now();
      const { stream, paths } = fastImportStream(files, files / 2.5, touched);
      await git(dir, ['fast-import', '--quiet'], stream);
      log(
        `built ${files} files, ${touched} changed, in ${round(performance.now() - started, 0)} ms (fast-import)`,
      );
      const reader = cluster();
      let summary = '';
      const subject = async () => {
        const repository = await openRepository({ dir });
        const plan = await planPullRequest({
          repository,
          base: 'main',
          head: 'pr',
          cluster: reader,
          now: new Date('2024-05-06T09:00:00Z'),
        });
        summary = plan.summary;
        if (!plan.markdown.startsWith('<!-- chaoscraft:plan -->')) throw new Error('no plan Markdown');
      };
      const baseline = async () => {
        const names = (await git(dir, ['diff', '--name-only', 'main...pr'])).split('\n').filter(Boolean);
        if (names.length !== paths.length) throw new Error(`git diff listed ${names.length} files`);
        // Batches keep the argument list well under the system limit; one process per batch.
        for (let i = 0; i < names.length; i += 250) {
          await git(dir, ['show', ...names.slice(i, i + 250).map((p) => `pr:${p}`)]);
        }
      };
      const times = await compareMs(subject, baseline, quick ? 2 : 3);
      log(`plan: ${summary}`);
      log(`plan ${round(times.subject, 1)} ms, native git ${round(times.baseline, 1)} ms`);
      const ratio = times.subject / times.baseline;
      return [
        {
          id: 'pr-plan',
          figure: 'headline',
          value: round(times.subject, 1),
          unit: 'ms',
          baseline: round(times.baseline, 1),
          ratio: round(ratio, 2),
          goal: '<= 3000 ms',
          met: times.subject <= 3000,
        },
        {
          id: 'pr-plan',
          figure: 'vs-native-git',
          value: round(ratio, 2),
          unit: 'x native git',
          baseline: round(times.baseline, 1),
          ratio: round(ratio, 2),
          goal: null,
          met: null,
        },
      ];
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  },
};

export default benchmark;
