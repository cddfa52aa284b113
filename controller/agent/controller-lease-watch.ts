/**
 * The agent's view of the controller's leader-election Lease, for the dead-man switch: when the lease has
 * not changed for longer than the grace, the controller is taken to be gone and the agent recovers
 * everything on its node.
 *
 * Like the leader elector, it judges by its own observation clock, not by comparing the lease's renewTime
 * with the local time (node clocks drift): it notes *when it saw* the record change and declares the
 * controller lost once `graceMs` passed on its own clock without a change. A lease the agent cannot read
 * counts as unchanged, so an agent cut off from the API server also fails safe.
 *
 * A missing lease means the controller does not use leader election: no verdict, no action.
 */
import { type Clock, sleep } from '../runtime/clock.ts';
import type { Lease, LeaseClient } from '../runtime/lease-client.ts';
import { describeError, type RuntimeLogger, silentLogger } from '../runtime/logger.ts';

export type ControllerState = 'unknown' | 'absent' | 'alive' | 'lost';

export interface ControllerLeaseWatchOptions {
  client: LeaseClient;
  namespace: string;
  name: string;
  clock: Clock;
  /** How long the lease may stay unchanged before the controller counts as lost. */
  graceMs: number;
  /** Time between reads; default graceMs / 6 within [200 ms, 10 s]. */
  pollIntervalMs?: number;
  /** Called once each time the state becomes `lost`. */
  onLost?: () => void;
  /** Called when a lost controller's lease changes again. */
  onRegained?: () => void;
  logger?: RuntimeLogger;
}

function fingerprintOf(lease: Lease): string {
  return JSON.stringify([
    lease.holderIdentity ?? '',
    lease.leaseDurationSeconds,
    lease.acquireTime?.getTime(),
    lease.renewTime?.getTime(),
    lease.leaseTransitions,
  ]);
}

export class ControllerLeaseWatch {
  readonly #options: ControllerLeaseWatchOptions & { pollIntervalMs: number; logger: RuntimeLogger };
  #state: ControllerState = 'unknown';
  #fingerprint: string | undefined;
  #changedAt: number;

  constructor(options: ControllerLeaseWatchOptions) {
    if (!(options.graceMs > 0)) throw new RangeError('graceMs must be > 0');
    this.#options = {
      ...options,
      pollIntervalMs: options.pollIntervalMs ?? Math.min(10_000, Math.max(200, options.graceMs / 6)),
      logger: options.logger ?? silentLogger,
    };
    this.#changedAt = options.clock.now();
  }

  state(): ControllerState {
    return this.#state;
  }

  /** True only when a lease exists and has stood still for longer than the grace. */
  controllerLost(): boolean {
    return this.#state === 'lost';
  }

  /** Reads the lease once and updates the state. Never rejects. */
  async poll(): Promise<ControllerState> {
    const { client, namespace, name, clock, graceMs, logger } = this.#options;
    const now = clock.now();
    let lease: Lease | undefined;
    let readFailed = false;
    try {
      lease = await client.get(namespace, name);
    } catch (error) {
      readFailed = true;
      logger.debug({ lease: `${namespace}/${name}`, error: describeError(error) }, 'cannot read the lease');
    }
    if (!readFailed && lease === undefined) {
      this.#fingerprint = undefined;
      this.#changedAt = now;
      return this.#setState('absent');
    }
    if (lease) {
      const fingerprint = fingerprintOf(lease);
      if (fingerprint !== this.#fingerprint) {
        this.#fingerprint = fingerprint;
        this.#changedAt = now;
      }
    } else if (this.#state === 'absent') {
      // Not readable, and last seen missing: nothing says leader election is in use.
      return this.#state;
    }
    return this.#setState(
      now - this.#changedAt > graceMs ? 'lost' : lease ? 'alive' : this.#aliveOrUnknown(),
    );
  }

  /** Polls until `signal` aborts. */
  async run(options: { signal: AbortSignal }): Promise<void> {
    const { clock, pollIntervalMs } = this.#options;
    while (!options.signal.aborted) {
      await this.poll();
      if (!(await sleep({ clock, ms: pollIntervalMs, signal: options.signal }))) return;
    }
  }

  #aliveOrUnknown(): ControllerState {
    return this.#state === 'lost' ? 'alive' : this.#state;
  }

  #setState(next: ControllerState): ControllerState {
    const previous = this.#state;
    if (next === previous) return next;
    this.#state = next;
    const { logger, namespace, name, graceMs } = this.#options;
    const lease = `${namespace}/${name}`;
    if (next === 'lost') {
      logger.warn({ lease, graceMs }, 'controller lease not renewed within the grace: recovering everything');
      this.#options.onLost?.();
    } else if (previous === 'lost') {
      logger.info({ lease, state: next }, 'controller lease moves again');
      this.#options.onRegained?.();
    } else {
      logger.info({ lease, state: next }, 'controller lease observed');
    }
    return next;
  }
}
