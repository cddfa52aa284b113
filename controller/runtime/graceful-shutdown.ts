/**
 * Orderly shutdown on SIGTERM/SIGINT: stop taking new work, let in-flight reconciles finish (bounded by a
 * timeout), then release the leader lease so a standby takes over at once, then resolve so the process can
 * exit 0. The lease is released last on purpose: while faults may still be being recovered we must stay the
 * only leader.
 */
import { type Clock, sleep } from './clock.ts';
import { describeError, type RuntimeLogger, silentLogger } from './logger.ts';

/** The part of `process` used here, injectable so tests can send fake signals. */
export interface SignalSource {
  on(signal: NodeJS.Signals, listener: (signal: NodeJS.Signals) => void): unknown;
  off(signal: NodeJS.Signals, listener: (signal: NodeJS.Signals) => void): unknown;
}

export interface GracefulShutdownOptions {
  /** Default ['SIGTERM', 'SIGINT']. */
  signals?: NodeJS.Signals[];
  /** Aborted first: workers and informers stop taking new work. */
  workController: AbortController;
  /** Resolves when in-flight work has finished, e.g. `() => workersPromise`. */
  inFlight: () => Promise<unknown>;
  /** Default 30 s. */
  drainTimeoutMs?: number;
  /** Releases the lease, e.g. abort the elector's signal and await its `run`. */
  release?: () => Promise<unknown>;
  /** Default 5 s. */
  releaseTimeoutMs?: number;
  clock: Clock;
  /** Default `process`. */
  signalSource?: SignalSource;
  /** A second signal while shutting down: the operator insists. Typically `() => process.exit(1)`. */
  onForce?: (reason: string) => void;
  logger?: RuntimeLogger;
}

export interface ShutdownReport {
  /** The signal name, or the reason passed to `trigger`. */
  reason: string;
  /** In-flight work finished before the drain timeout. */
  drained: boolean;
  /** The lease was released (true when there is nothing to release). */
  released: boolean;
  durationMs: number;
}

export interface ShutdownHandle {
  /** Resolves once shutdown completed; never rejects. */
  done: Promise<ShutdownReport>;
  /** Starts shutdown without a signal (e.g. leadership lost, fatal error). */
  trigger(reason: string): void;
  /** Removes the signal listeners without shutting down. */
  dispose(): void;
}

/** Waits for `work` up to `timeoutMs`; 'done', 'timeout' or 'failed' (logged). */
async function within(options: {
  work: () => Promise<unknown>;
  timeoutMs: number;
  clock: Clock;
  logger: RuntimeLogger;
  what: string;
}): Promise<'done' | 'timeout' | 'failed'> {
  const timer = new AbortController();
  const work = Promise.resolve()
    .then(options.work)
    .then(
      () => 'done' as const,
      (error: unknown) => {
        options.logger.error({ step: options.what, error: describeError(error) }, 'shutdown step failed');
        return 'failed' as const;
      },
    );
  const timeout = sleep({ clock: options.clock, ms: options.timeoutMs, signal: timer.signal }).then(
    () => 'timeout' as const,
  );
  const outcome = await Promise.race([work, timeout]);
  timer.abort();
  return outcome;
}

export function gracefulShutdown(options: GracefulShutdownOptions): ShutdownHandle {
  const signals = options.signals ?? ['SIGTERM', 'SIGINT'];
  const source: SignalSource = options.signalSource ?? process;
  const logger = options.logger ?? silentLogger;
  const { clock } = options;
  let started = false;
  let resolveDone: (report: ShutdownReport) => void = () => {};
  const done = new Promise<ShutdownReport>((resolve) => {
    resolveDone = resolve;
  });

  const dispose = () => {
    for (const signal of signals) source.off(signal, onSignal);
  };

  const shutDown = async (reason: string): Promise<ShutdownReport> => {
    const startedAt = clock.now();
    logger.info({ reason }, 'shutting down: no new work');
    options.workController.abort();
    const drain = await within({
      work: options.inFlight,
      timeoutMs: options.drainTimeoutMs ?? 30_000,
      clock,
      logger,
      what: 'drain',
    });
    if (drain === 'timeout')
      logger.warn({ reason }, 'in-flight work did not finish before the drain timeout');
    let released = true;
    if (options.release) {
      const release = await within({
        work: options.release,
        timeoutMs: options.releaseTimeoutMs ?? 5_000,
        clock,
        logger,
        what: 'release',
      });
      released = release === 'done';
    }
    const report = { reason, drained: drain === 'done', released, durationMs: clock.now() - startedAt };
    logger.info(report, 'shutdown complete');
    return report;
  };

  const trigger = (reason: string) => {
    if (started) {
      logger.warn({ reason }, 'shutdown already in progress');
      options.onForce?.(reason);
      return;
    }
    started = true;
    void shutDown(reason).then((report) => {
      dispose();
      resolveDone(report);
    });
  };

  function onSignal(signal: NodeJS.Signals) {
    trigger(signal);
  }

  for (const signal of signals) source.on(signal, onSignal);
  return { done, trigger, dispose };
}
