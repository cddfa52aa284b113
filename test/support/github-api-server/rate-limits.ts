// GitHub's rate limits, on demand. The primary limit is a budget of requests per window (x-ratelimit-*
// headers on every answer, 403 with remaining 0 once spent); the secondary limit is GitHub's abuse guard
// (403 with retry-after and a "secondary rate limit" message). Tests switch them on through controls.

import { randomBytes } from 'node:crypto';
import { GitHubApiError } from './errors.ts';

const DEFAULT_LIMIT = 5000;
const WINDOW_MS = 3600_000;

export interface RateLimitSnapshot {
  limit: number;
  remaining: number;
  used: number;
  /** Epoch seconds. */
  reset: number;
}

export class RateLimits {
  readonly #now: () => Date;
  readonly #limit: number;
  #used = 0;
  #remaining: number;
  #resetAt: Date;
  #secondary: { count: number; retryAfterSeconds: number } | undefined;
  #failures: { count: number; status: number } | undefined;

  constructor(options: { now: () => Date; limit?: number }) {
    this.#now = options.now;
    this.#limit = options.limit ?? DEFAULT_LIMIT;
    this.#remaining = this.#limit;
    this.#resetAt = new Date(this.#now().getTime() + WINDOW_MS);
  }

  /** Sets the primary budget: `remaining` more requests until `resetAt`, when the window refills. */
  primaryLimit(options: { remaining: number; resetAt: Date }): void {
    if (!Number.isInteger(options.remaining) || options.remaining < 0) {
      throw new RangeError('remaining must be a non-negative integer');
    }
    this.#remaining = Math.min(options.remaining, this.#limit);
    this.#used = this.#limit - this.#remaining;
    this.#resetAt = options.resetAt;
  }

  /** The next `count` requests get a secondary-rate-limit 403 asking to retry after `retryAfterSeconds`. */
  secondaryLimit(options: { count: number; retryAfterSeconds: number }): void {
    if (!Number.isInteger(options.count) || options.count < 0) throw new RangeError('count must be >= 0');
    if (!Number.isInteger(options.retryAfterSeconds) || options.retryAfterSeconds < 1) {
      // Octokit treats `retry-after: 0` as absent and falls back to 60 s, so 0 would only slow tests.
      throw new RangeError('retryAfterSeconds must be an integer >= 1');
    }
    this.#secondary = options.count > 0 ? { ...options } : undefined;
  }

  /** The next `count` requests fail with `status` (5xx), for retry tests. */
  failNext(options: { count: number; status: number }): void {
    if (options.status < 500 || options.status > 599) throw new RangeError('status must be 5xx');
    this.#failures = options.count > 0 ? { ...options } : undefined;
  }

  #refill(): void {
    if (this.#now().getTime() >= this.#resetAt.getTime()) {
      this.#remaining = this.#limit;
      this.#used = 0;
      this.#resetAt = new Date(this.#now().getTime() + WINDOW_MS);
    }
  }

  snapshot(): RateLimitSnapshot {
    this.#refill();
    return {
      limit: this.#limit,
      remaining: this.#remaining,
      used: this.#used,
      reset: Math.ceil(this.#resetAt.getTime() / 1000),
    };
  }

  headers(): Record<string, string> {
    const snapshot = this.snapshot();
    return {
      'x-ratelimit-limit': String(snapshot.limit),
      'x-ratelimit-remaining': String(snapshot.remaining),
      'x-ratelimit-used': String(snapshot.used),
      'x-ratelimit-reset': String(snapshot.reset),
      'x-ratelimit-resource': 'core',
    };
  }

  /**
   * Admits or refuses one request. `counts` is false for requests GitHub does not charge
   * (GET /rate_limit, minting installation tokens).
   */
  admit(options: { counts: boolean; who: string }): void {
    this.#refill();
    if (this.#failures) {
      const { status } = this.#failures;
      this.#failures.count -= 1;
      if (this.#failures.count <= 0) this.#failures = undefined;
      throw new GitHubApiError({ status, message: 'Server Error', code: 'InjectedFailure' });
    }
    if (this.#secondary) {
      const { retryAfterSeconds } = this.#secondary;
      this.#secondary.count -= 1;
      if (this.#secondary.count <= 0) this.#secondary = undefined;
      const requestId = randomBytes(8).toString('hex').toUpperCase();
      throw new GitHubApiError({
        status: 403,
        code: 'SecondaryRateLimit',
        message:
          'You have exceeded a secondary rate limit. Please wait a few minutes before you try again. ' +
          `If you reach out to GitHub Support for help, please include the request ID ${requestId}.`,
        headers: { 'retry-after': String(retryAfterSeconds) },
      });
    }
    if (!options.counts) return;
    if (this.#remaining <= 0) {
      throw new GitHubApiError({
        status: 403,
        code: 'PrimaryRateLimit',
        message: `API rate limit exceeded for ${options.who}.`,
      });
    }
    this.#remaining -= 1;
    this.#used += 1;
  }
}
