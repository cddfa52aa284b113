// The Octokit client every GitHub call goes through: auth (token or App installation), the throttling
// and retry plugins (primary limits wait for the reset, secondary limits honour retry-after, 5xx
// retry), our own pacing of content-creating requests, and logs that pass through a redactor.
import { createAppAuth } from '@octokit/auth-app';
import { retry } from '@octokit/plugin-retry';
import { throttling } from '@octokit/plugin-throttling';
import { Octokit } from '@octokit/rest';
import type { Logger } from 'pino';
import type { GitHubAuthConfig } from './auth.ts';
import { ContentPacer } from './content-pacer.ts';
import { SecretRedactor } from './redact.ts';

export const GitHubOctokit = Octokit.plugin(throttling, retry);
export type GitHubClient = InstanceType<typeof GitHubOctokit>;

export interface CreateGitHubClientOptions {
  auth: GitHubAuthConfig;
  /** API root; defaults to https://api.github.com (tests point it at the GitHub API test server). */
  baseUrl?: string;
  logger?: Logger;
  /** Paces writes; share one between clients of the same identity. */
  pacer?: ContentPacer;
  /** How often a rate-limited request is retried before the error surfaces (default 3). */
  maxRateLimitRetries?: number;
  /** Milliseconds per second of GitHub's retry-after (default 1000; tests use 1 to skip the wait). */
  retryAfterBaseMs?: number;
  /** Retries of 5xx answers by plugin-retry (default 3). */
  serverErrorRetries?: number;
}

type Scheduler = {
  schedule(options: unknown, task: (...args: unknown[]) => unknown, ...args: unknown[]): Promise<unknown>;
};

/**
 * plugin-throttling spaces writes with internal Bottleneck groups (fixed 1 s, 3 s for comments).
 * These stand-ins put our pacer in their place: same call shape (`group.key(id).schedule`), our
 * budget (80/min, 500/h, configurable spacing), and an injectable clock for tests.
 */
function pacedGroups(pacer: ContentPacer) {
  const paced: Scheduler = {
    async schedule(_options, task, ...args) {
      await pacer.acquire();
      return task(...args);
    },
  };
  const passThrough: Scheduler = {
    async schedule(_options, task, ...args) {
      return task(...args);
    },
  };
  // Cast: the option is typed as a Bottleneck.Group, of which the plugin only calls `key().schedule()`.
  type Group = NonNullable<NonNullable<ConstructorParameters<typeof GitHubOctokit>[0]>['throttle']>['write'];
  return {
    write: { key: () => paced } as unknown as Group,
    // Comments are writes too: already paced above, so no second, longer wait.
    notifications: { key: () => passThrough } as unknown as Group,
  };
}

/** Log functions in Octokit's shape that scrub credentials and forward to pino. */
function redactingLog(logger: Logger | undefined, redactor: SecretRedactor) {
  const forward =
    (level: 'debug' | 'info' | 'warn' | 'error') =>
    (message: string, extra?: unknown): void => {
      if (!logger) return;
      const text = redactor.redact(String(message));
      const details = extra === undefined ? undefined : redactor.redact(safeStringify(extra));
      logger[level]({ component: 'github', ...(details ? { details } : {}) }, text);
    };
  return { debug: forward('debug'), info: forward('info'), warn: forward('warn'), error: forward('error') };
}

function safeStringify(value: unknown): string {
  if (value instanceof Error) return value.message;
  try {
    return JSON.stringify(value) ?? String(value);
  } catch {
    return String(value);
  }
}

export function createGitHubClient(options: CreateGitHubClientOptions): GitHubClient {
  const redactor = new SecretRedactor();
  const pacer = options.pacer ?? new ContentPacer();
  const maxRetries = options.maxRateLimitRetries ?? 3;
  const log = redactingLog(options.logger, redactor);
  const authOptions =
    options.auth.kind === 'token'
      ? { auth: options.auth.token.reveal() }
      : {
          authStrategy: createAppAuth,
          auth: {
            appId: options.auth.appId,
            installationId: options.auth.installationId,
            privateKey: options.auth.privateKey.reveal(),
          },
        };
  if (options.auth.kind === 'token') redactor.add(options.auth.token.reveal());
  else redactor.add(options.auth.privateKey.reveal());

  const octokit = new GitHubOctokit({
    ...authOptions,
    baseUrl: options.baseUrl,
    userAgent: 'chaoscraft-gitops',
    log,
    retry: {
      retries: options.serverErrorRetries ?? 3,
      retryAfterBaseValue: options.retryAfterBaseMs ?? 1000,
    },
    throttle: {
      retryAfterBaseValue: options.retryAfterBaseMs ?? 1000,
      ...pacedGroups(pacer),
      onRateLimit: (retryAfter, request, _octokit, retryCount) => {
        log.warn(
          `primary rate limit on ${request.method} ${request.url}; retry ${retryCount + 1} after ${retryAfter}s`,
        );
        return retryCount < maxRetries;
      },
      onSecondaryRateLimit: (retryAfter, request, _octokit, retryCount) => {
        log.warn(
          `secondary rate limit on ${request.method} ${request.url}; retry ${retryCount + 1} after ${retryAfter}s`,
        );
        return retryCount < maxRetries;
      },
    },
  });

  // Request log: method, URL and status only. Installation tokens minted by auth-app are never seen
  // here as values; the redactor catches them by their `ghs_` shape.
  octokit.hook.after('request', (response, request) => {
    log.debug(`${request.method} ${request.url} → ${response.status}`);
  });
  octokit.hook.error('request', (error, request) => {
    const status = (error as { status?: number }).status;
    log.debug(`${request.method} ${request.url} → ${status ?? 'error'}`);
    const failure = error as Error;
    failure.message = redactor.redact(failure.message);
    throw failure;
  });
  return octokit;
}
