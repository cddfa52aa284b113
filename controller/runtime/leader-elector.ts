/**
 * Leader election on a coordination.k8s.io/v1 Lease, after client-go's `leaderelection` package.
 *
 * Safety rests on local observation, not on comparing clocks across machines: a candidate notes *when it
 * saw* the lease record change, and only takes a lease held by someone else once `leaseDuration` has passed
 * on its own clock without the record changing. A leader steps down if it could not renew within
 * `renewDeadline` of its last successful renewal attempt, which is shorter than `leaseDuration`, so it stops
 * acting before anyone else may start.
 */
import { type Clock, sleep } from './clock.ts';
import { InvalidOptionsError } from './errors.ts';
import type { Lease, LeaseClient } from './lease-client.ts';
import { describeError, type RuntimeLogger, silentLogger } from './logger.ts';

/** client-go's JitterFactor: waits while acquiring are retryPeriod * (1 + 1.2 * random). */
const JITTER_FACTOR = 1.2;

export interface LeaderCallbacks {
  /** We lead. `signal` aborts when leadership ends; stop acting then. Not awaited by the elector. */
  onStartedLeading(signal: AbortSignal): void | Promise<void>;
  /** Leadership ended (lost, or released on shutdown). Only called if we led. */
  onStoppedLeading(): void;
  /** The observed holder changed (including to ourselves). */
  onNewLeader?(identity: string): void;
}

export interface LeaderElectorOptions {
  client: LeaseClient;
  namespace: string;
  name: string;
  /** Unique per candidate, usually the pod name. */
  identity: string;
  clock: Clock;
  callbacks: LeaderCallbacks;
  /** How long others wait after the last observed change before taking over. Default 15 s. */
  leaseDurationMs?: number;
  /** How long a leader keeps trying to renew before stepping down. Default 10 s. */
  renewDeadlineMs?: number;
  /** Time between attempts. Default 2 s. */
  retryPeriodMs?: number;
  /** Release the lease when `run`'s signal aborts, so another candidate takes over at once. Default true. */
  releaseOnCancel?: boolean;
  /** Random source in [0, 1) for jitter; tests pass a constant. */
  random?: () => number;
  logger?: RuntimeLogger;
}

type Attempt = 'acquired' | 'heldByOther' | 'failed';

export class LeaderElector {
  readonly #options: Required<Omit<LeaderElectorOptions, 'logger' | 'random'>> & {
    logger: RuntimeLogger;
    random: () => number;
  };
  #observed: Lease | undefined;
  #observedFingerprint = '';
  #observedAt = 0;
  #reportedLeader = '';
  #leading = false;
  #running = false;

  constructor(options: LeaderElectorOptions) {
    this.#options = {
      leaseDurationMs: 15_000,
      renewDeadlineMs: 10_000,
      retryPeriodMs: 2_000,
      releaseOnCancel: true,
      logger: silentLogger,
      random: Math.random,
      ...stripUndefined(options),
    };
    const { leaseDurationMs, renewDeadlineMs, retryPeriodMs, identity } = this.#options;
    if (identity === '') throw new InvalidOptionsError('identity must not be empty');
    if (!(retryPeriodMs > 0)) throw new InvalidOptionsError('retryPeriodMs must be > 0', { retryPeriodMs });
    if (!(renewDeadlineMs > JITTER_FACTOR * retryPeriodMs)) {
      throw new InvalidOptionsError('renewDeadlineMs must exceed 1.2 * retryPeriodMs', {
        renewDeadlineMs,
        retryPeriodMs,
      });
    }
    if (!(leaseDurationMs > renewDeadlineMs)) {
      throw new InvalidOptionsError('leaseDurationMs must exceed renewDeadlineMs', {
        leaseDurationMs,
        renewDeadlineMs,
      });
    }
  }

  isLeader(): boolean {
    return this.#leading;
  }

  /** The holder we last observed ('' if none). */
  getLeader(): string {
    return this.#observed?.holderIdentity ?? '';
  }

  /**
   * Campaigns until elected, leads until leadership is lost or `signal` aborts, then releases the lease
   * (if `releaseOnCancel`) and resolves. Run it again to campaign again.
   */
  async run(options: { signal: AbortSignal }): Promise<void> {
    if (this.#running) throw new InvalidOptionsError('LeaderElector.run is already running');
    this.#running = true;
    try {
      await this.#runOnce(options.signal);
    } finally {
      this.#running = false;
    }
  }

  async #runOnce(signal: AbortSignal): Promise<void> {
    const { logger, identity, callbacks } = this.#options;
    if (!(await this.#acquire(signal))) return;
    this.#leading = true;
    logger.info({ identity, lease: this.#leaseName() }, 'acquired leadership');
    const leadership = new AbortController();
    try {
      Promise.resolve(callbacks.onStartedLeading(leadership.signal)).catch((error: unknown) =>
        logger.error({ error: describeError(error) }, 'onStartedLeading failed'),
      );
    } catch (error) {
      logger.error({ error: describeError(error) }, 'onStartedLeading failed');
    }
    const ending = await this.#renewUntilLostOrCancelled(signal);
    leadership.abort();
    if (ending === 'cancelled' && this.#options.releaseOnCancel) await this.#release();
    this.#leading = false;
    logger.info({ identity, lease: this.#leaseName(), reason: ending }, 'stopped leading');
    try {
      callbacks.onStoppedLeading();
    } catch (error) {
      logger.error({ error: describeError(error) }, 'onStoppedLeading failed');
    }
  }

  async #acquire(signal: AbortSignal): Promise<boolean> {
    const { clock, retryPeriodMs, random } = this.#options;
    // Bounded by the signal; each round waits at least retryPeriod.
    while (!signal.aborted) {
      if ((await this.#tryAcquireOrRenew({ timeoutMs: retryPeriodMs })) === 'acquired') return true;
      const waitMs = retryPeriodMs * (1 + JITTER_FACTOR * random());
      if (!(await sleep({ clock, ms: waitMs, signal }))) return false;
    }
    return false;
  }

  async #renewUntilLostOrCancelled(signal: AbortSignal): Promise<'lost' | 'cancelled'> {
    const { clock, retryPeriodMs, renewDeadlineMs, logger } = this.#options;
    let lastRenewStartedAt = clock.now();
    for (;;) {
      if (!(await sleep({ clock, ms: retryPeriodMs, signal }))) return 'cancelled';
      const startedAt = clock.now();
      const remainingMs = lastRenewStartedAt + renewDeadlineMs - startedAt;
      if (remainingMs <= 0) {
        logger.warn({ lease: this.#leaseName() }, 'failed to renew lease within renewDeadline');
        return 'lost';
      }
      const attempt = await this.#tryAcquireOrRenew({ timeoutMs: remainingMs });
      if (attempt === 'acquired') {
        lastRenewStartedAt = startedAt;
      } else if (attempt === 'heldByOther') {
        logger.warn({ lease: this.#leaseName(), holder: this.getLeader() }, 'lease taken by another holder');
        return 'lost';
      } else if (clock.now() - lastRenewStartedAt >= renewDeadlineMs) {
        logger.warn({ lease: this.#leaseName() }, 'failed to renew lease within renewDeadline');
        return 'lost';
      }
    }
  }

  async #tryAcquireOrRenew(options: { timeoutMs: number }): Promise<Attempt> {
    const { clock } = this.#options;
    let timer: ReturnType<Clock['setTimeout']> | undefined;
    const timedOut = new Promise<Attempt>((resolve) => {
      timer = clock.setTimeout(() => resolve('failed'), options.timeoutMs);
    });
    try {
      return await Promise.race([this.#attempt(), timedOut]);
    } finally {
      if (timer !== undefined) clock.clearTimeout(timer);
    }
  }

  async #attempt(): Promise<Attempt> {
    const { client, namespace, name, identity, clock, logger, leaseDurationMs } = this.#options;
    const now = clock.now();
    const leaseDurationSeconds = Math.ceil(leaseDurationMs / 1000);
    try {
      const current = await client.get(namespace, name);
      if (!current) {
        const created = await client.create({
          namespace,
          name,
          holderIdentity: identity,
          leaseDurationSeconds,
          acquireTime: new Date(now),
          renewTime: new Date(now),
          leaseTransitions: 0,
        });
        this.#observe(created, now);
        return 'acquired';
      }
      this.#observe(current, now);
      const holder = current.holderIdentity ?? '';
      const durationMs = (current.leaseDurationSeconds ?? leaseDurationSeconds) * 1000;
      if (holder !== '' && holder !== identity && this.#observedAt + durationMs > now) return 'heldByOther';
      const wasOurs = holder === identity;
      const updated = await client.replace({
        ...current,
        holderIdentity: identity,
        leaseDurationSeconds,
        acquireTime: wasOurs && current.acquireTime ? current.acquireTime : new Date(now),
        renewTime: new Date(now),
        leaseTransitions: (current.leaseTransitions ?? 0) + (wasOurs ? 0 : 1),
      });
      this.#observe(updated, now);
      return 'acquired';
    } catch (error) {
      logger.debug({ lease: this.#leaseName(), error: describeError(error) }, 'lease attempt failed');
      return 'failed';
    }
  }

  /** Records the lease and, if its record changed, when we saw it change (our clock, not theirs). */
  #observe(lease: Lease, now: number): void {
    const fingerprint = JSON.stringify([
      lease.holderIdentity ?? '',
      lease.leaseDurationSeconds,
      lease.acquireTime?.getTime(),
      lease.renewTime?.getTime(),
      lease.leaseTransitions,
    ]);
    this.#observed = lease;
    if (fingerprint !== this.#observedFingerprint) {
      this.#observedFingerprint = fingerprint;
      this.#observedAt = now;
    }
    const holder = lease.holderIdentity ?? '';
    if (holder !== '' && holder !== this.#reportedLeader) {
      this.#reportedLeader = holder;
      try {
        this.#options.callbacks.onNewLeader?.(holder);
      } catch (error) {
        this.#options.logger.error({ error: describeError(error) }, 'onNewLeader failed');
      }
    }
  }

  /** Empties holderIdentity so that candidates need not wait for the lease to expire. */
  async #release(): Promise<void> {
    const { client, clock, logger, renewDeadlineMs, identity } = this.#options;
    const observed = this.#observed;
    if (!observed || observed.holderIdentity !== identity) return;
    const now = new Date(clock.now());
    let timer: ReturnType<Clock['setTimeout']> | undefined;
    const timedOut = new Promise<'timeout'>((resolve) => {
      timer = clock.setTimeout(() => resolve('timeout'), renewDeadlineMs);
    });
    try {
      const outcome = await Promise.race([
        client.replace({
          ...observed,
          holderIdentity: '',
          leaseDurationSeconds: 1,
          acquireTime: now,
          renewTime: now,
        }),
        timedOut,
      ]);
      if (outcome === 'timeout') logger.warn({ lease: this.#leaseName() }, 'releasing the lease timed out');
      else this.#observe(outcome, clock.now());
    } catch (error) {
      logger.warn({ lease: this.#leaseName(), error: describeError(error) }, 'failed to release the lease');
    } finally {
      if (timer !== undefined) clock.clearTimeout(timer);
    }
  }

  #leaseName(): string {
    return `${this.#options.namespace}/${this.#options.name}`;
  }
}

function stripUndefined<T extends object>(value: T): T {
  return Object.fromEntries(Object.entries(value).filter(([, entry]) => entry !== undefined)) as T;
}
