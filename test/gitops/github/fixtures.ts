// Shared set-up for the GitOps GitHub tests: plans in the planner's shape, a log sink that keeps every
// line for secret searches, and a GitHub API test server seeded with a repository, a PR, a token user
// and a GitHub App installation.
import { Writable } from 'node:stream';
import { pino } from 'pino';
import type { PullRequestPlan } from '../../../gitops/planner/types.ts';
import { planCommentMarker } from '../../../gitops/planner/types.ts';
import {
  createTestAppCredentials,
  type GitHubApiServer,
  startGitHubApiServer,
  type TestAppCredentials,
} from '../../support/github-api-server/index.ts';

export const owner = 'acme';
export const repo = 'chaos';
export const userToken = 'ghp_userTokenForChaosCraftTests0001';
export const installationToken = 'ghs_installationTokenForChaosCraft01';
export const appId = 4242;
export const installationId = 777;

export function sha(seed: string): string {
  return seed.repeat(40).slice(0, 40);
}

export function makePlan(
  overrides: Partial<PullRequestPlan> & { annotationCount?: number } = {},
): PullRequestPlan {
  const { annotationCount = 1, ...rest } = overrides;
  const annotations = Array.from({ length: annotationCount }, (_, index) => ({
    path: 'experiments/web-kill.yaml',
    startLine: index + 1,
    endLine: index + 1,
    level: 'warning' as const,
    title: `finding ${index + 1}`,
    message: `check line ${index + 1}`,
  }));
  const headSha = rest.headSha ?? sha('a');
  return {
    headSha,
    baseSha: sha('b'),
    valid: true,
    markdown: `${planCommentMarker}\n### ChaosCraft plan for ${headSha.slice(0, 7)}\n\n1 experiment would run.`,
    annotations,
    summary: '1 experiment: 1 would run',
    ...rest,
  };
}

export interface LogSink {
  lines: string[];
  logger: pino.Logger;
  text(): string;
}

export function logSink(): LogSink {
  const lines: string[] = [];
  const destination = new Writable({
    write(chunk, _encoding, done) {
      lines.push(String(chunk));
      done();
    },
  });
  return { lines, logger: pino({ level: 'debug' }, destination), text: () => lines.join('') };
}

export interface SeededGitHub {
  server: GitHubApiServer;
  app: TestAppCredentials;
  pullNumber: number;
  /** Real clock plus this offset: move it to get past a rate-limit reset. */
  clock: { offsetMs: number };
}

export async function startSeededGitHub(): Promise<SeededGitHub> {
  const clock = { offsetMs: 0 };
  const server = await startGitHubApiServer({
    tokens: [{ token: userToken, login: 'chaos-bot' }],
    now: () => new Date(Date.now() + clock.offsetMs),
  });
  server.state.addRepo({ owner, name: repo });
  const app = createTestAppCredentials({ appId });
  server.state.addApp({ id: appId, publicKey: app.publicKey, slug: 'chaoscraft' });
  server.state.addInstallation({
    id: installationId,
    appId,
    account: owner,
    repositories: [`${owner}/${repo}`],
  });
  server.state.addInstallationToken({ token: installationToken, installationId });
  const pull = server.state.addPullRequest({
    repo: `${owner}/${repo}`,
    title: 'Add a pod-kill experiment',
    head: { ref: 'feature', sha: sha('a') },
    base: { ref: 'main', sha: sha('b') },
  });
  return { server, app, pullNumber: pull.number, clock };
}
