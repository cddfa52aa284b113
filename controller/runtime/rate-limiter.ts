/**
 * Rate limiters for the work queue, after client-go's `workqueue` package. `when(key)` answers "how long
 * should this key wait before its next attempt" and counts the attempt; `forget(key)` resets the key.
 */
import type { Clock } from './clock.ts';
import { InvalidOptionsError } from './errors.ts';

export interface RateLimiter {
  /** Delay in ms before `key` may be processed again; each call counts as one more failure. */
  when(key: string): number;
  /** The key succeeded: reset its failure history. */
  forget(key: string): void;
  /** How many times `key` has been rate limited since it was last forgotten. */
  numRequeues(key: string): number;
}

export const DEFAULT_BASE_DELAY_MS = 5;
export const DEFAULT_MAX_DELAY_MS = 1_000_000;
export const DEFAULT_QPS = 10;
export const DEFAULT_BURST = 100;

/** Per-key exponential back-off: baseDelay * 2^failures, capped at maxDelay. */
export class ItemExponentialRateLimiter implements RateLimiter {
  readonly #baseDelayMs: number;
  readonly #maxDelayMs: number;
  readonly #failures = new Map<string, number>();

  constructor(options: { baseDelayMs?: number; maxDelayMs?: number } = {}) {
    this.#baseDelayMs = options.baseDelayMs ?? DEFAULT_BASE_DELAY_MS;
    this.#maxDelayMs = options.maxDelayMs ?? DEFAULT_MAX_DELAY_MS;
    if (!(this.#baseDelayMs > 0) || !(this.#maxDelayMs >= this.#baseDelayMs)) {
      throw new InvalidOptionsError('need 0 < baseDelayMs <= maxDelayMs', {
        baseDelayMs: this.#baseDelayMs,
        maxDelayMs: this.#maxDelayMs,
      });
    }
  }

  when(key: string): number {
    const exponent = this.#failures.get(key) ?? 0;
    this.#failures.set(key, exponent + 1);
    // 2 ** exponent overflows to Infinity long before it matters, and Math.min handles Infinity.
    return Math.min(this.#baseDelayMs * 2 ** exponent, this.#maxDelayMs);
  }

  forget(key: string): void {
    this.#failures.delete(key);
  }

  numRequeues(key: string): number {
    return this.#failures.get(key) ?? 0;
  }
}

/**
 * An overall token bucket (like golang.org/x/time/rate's Reserve): `burst` tokens, refilled at `qps`.
 * Every call takes a token, going into debt if needed; the debt is the wait. Protects the API server when
 * many keys fail at once.
 */
export class TokenBucketRateLimiter implements RateLimiter {
  readonly #clock: Clock;
  readonly #qps: number;
  readonly #burst: number;
  #tokens: number;
  #lastRefillMs: number;

  constructor(options: { clock: Clock; qps?: number; burst?: number }) {
    this.#clock = options.clock;
    this.#qps = options.qps ?? DEFAULT_QPS;
    this.#burst = options.burst ?? DEFAULT_BURST;
    if (!(this.#qps > 0) || !(this.#burst >= 1)) {
      throw new InvalidOptionsError('need qps > 0 and burst >= 1', { qps: this.#qps, burst: this.#burst });
    }
    this.#tokens = this.#burst;
    this.#lastRefillMs = this.#clock.now();
  }

  when(_key: string): number {
    const now = this.#clock.now();
    const elapsedMs = Math.max(0, now - this.#lastRefillMs);
    this.#tokens = Math.min(this.#burst, this.#tokens + (elapsedMs * this.#qps) / 1000);
    this.#lastRefillMs = now;
    this.#tokens -= 1;
    if (this.#tokens >= 0) return 0;
    return Math.ceil((-this.#tokens * 1000) / this.#qps);
  }

  forget(_key: string): void {}

  numRequeues(_key: string): number {
    return 0;
  }
}

/** Combines limiters: the longest delay wins, all are told about every attempt and every forget. */
export class MaxOfRateLimiter implements RateLimiter {
  readonly #limiters: readonly RateLimiter[];

  constructor(options: { limiters: readonly RateLimiter[] }) {
    if (options.limiters.length === 0) throw new InvalidOptionsError('MaxOfRateLimiter needs a limiter');
    this.#limiters = options.limiters;
  }

  when(key: string): number {
    let longest = 0;
    for (const limiter of this.#limiters) longest = Math.max(longest, limiter.when(key));
    return longest;
  }

  forget(key: string): void {
    for (const limiter of this.#limiters) limiter.forget(key);
  }

  numRequeues(key: string): number {
    let most = 0;
    for (const limiter of this.#limiters) most = Math.max(most, limiter.numRequeues(key));
    return most;
  }
}

export interface DefaultRateLimiterOptions {
  clock: Clock;
  baseDelayMs?: number;
  maxDelayMs?: number;
  qps?: number;
  burst?: number;
}

/** client-go's DefaultControllerRateLimiter: max(per-key 5 ms..1000 s exponential, bucket 10 qps / 100). */
export function defaultControllerRateLimiter(options: DefaultRateLimiterOptions): RateLimiter {
  return new MaxOfRateLimiter({
    limiters: [
      new ItemExponentialRateLimiter({ baseDelayMs: options.baseDelayMs, maxDelayMs: options.maxDelayMs }),
      new TokenBucketRateLimiter({ clock: options.clock, qps: options.qps, burst: options.burst }),
    ],
  });
}
