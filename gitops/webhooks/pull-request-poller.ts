// Polling mode, for clusters GitHub cannot reach (no ingress for webhooks): list the open PRs every
// interval and plan those whose head (or base) moved since the last look. The first look plans every
// open PR; publishing is idempotent, so plans already on GitHub cause no writes.
import type { Octokit } from '@octokit/rest';
import type { Logger } from 'pino';
import type { GitOpsService } from './gitops-service.ts';
import { openPullRequests } from './gitops-service.ts';

export interface PullRequestPollerOptions {
  octokit: Octokit;
  service: GitOpsService;
  repositories: Array<{ owner: string; repo: string }>;
  intervalMs: number;
  logger?: Logger;
}

export class PullRequestPoller {
  readonly #options: PullRequestPollerOptions;
  /** `owner/repo#number` → `head..base` last planned. */
  readonly #seen = new Map<string, string>();
  #timer: NodeJS.Timeout | undefined;
  #running: Promise<number> | undefined;
  #stopped = false;

  constructor(options: PullRequestPollerOptions) {
    this.#options = options;
  }

  /** One look at every repository; returns how many PRs were handed to planning. */
  async pollOnce(): Promise<number> {
    const open = new Set<string>();
    const jobs: Array<Promise<boolean>> = [];
    for (const { owner, repo } of this.#options.repositories) {
      const pulls = await openPullRequests({ octokit: this.#options.octokit, owner, repo });
      for (const pull of pulls) {
        const key = `${owner}/${repo}#${pull.pullNumber}`;
        const version = `${pull.headSha}..${pull.baseSha}`;
        open.add(key);
        if (this.#seen.get(key) === version) continue;
        // PRs are planned concurrently; one that fails is tried again on the next look.
        jobs.push(
          this.#options.service.handle({ kind: 'plan', action: 'poll', pullRequest: pull }).then(
            () => {
              this.#seen.set(key, version);
              return true;
            },
            (error: unknown) => {
              this.#options.logger?.error(
                { pullRequest: key, error: (error as Error).message },
                'planning failed',
              );
              return false;
            },
          ),
        );
      }
    }
    const planned = (await Promise.all(jobs)).filter(Boolean).length;
    // Closed PRs leave the memory, so it stays as large as the open PR count.
    for (const key of this.#seen.keys()) if (!open.has(key)) this.#seen.delete(key);
    return planned;
  }

  start(): void {
    const tick = () => {
      if (this.#stopped) return;
      this.#running = this.pollOnce().catch((error: unknown) => {
        this.#options.logger?.error({ error: (error as Error).message }, 'polling pull requests failed');
        return 0;
      });
      void this.#running.then(() => {
        if (!this.#stopped) this.#timer = setTimeout(tick, this.#options.intervalMs);
      });
    };
    tick();
  }

  async stop(): Promise<void> {
    this.#stopped = true;
    if (this.#timer) clearTimeout(this.#timer);
    await this.#running;
  }
}
