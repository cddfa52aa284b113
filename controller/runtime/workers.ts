/**
 * Runs N workers over a work queue, following controller-runtime's reconcile contract:
 * - a `Result` with `requeueAfter` → forget the back-off, add the key again after that delay;
 * - `requeue: true` → rate-limited re-add;
 * - nothing → forget the key (success);
 * - `TerminalError` → forget, never retried; `WaitingError` → like `requeueAfter`;
 * - any other throw (including `TransientError` and non-Error values) → rate-limited retry.
 */
import {
  InvalidOptionsError,
  InvalidResultError,
  ReconcilePanicError,
  TerminalError,
  WaitingError,
} from './errors.ts';
import { describeError, type RuntimeLogger, silentLogger } from './logger.ts';
import type { WorkQueue } from './work-queue.ts';

export interface Result {
  /** Reconcile again after this many ms (timed work such as probe intervals or a fault's duration). */
  requeueAfter?: number;
  /** Reconcile again with rate-limited back-off. */
  requeue?: boolean;
}

export interface ReconcileContext {
  key: string;
  /** How many times this key has been retried since its last success. */
  requeues: number;
  logger: RuntimeLogger;
  /** Aborted when the workers are told to stop: long work (probes, API calls) should give up. */
  signal?: AbortSignal;
}

/** Returning nothing means success; an async function without a return statement is fine. */
export type Reconciler = (
  key: string,
  context: ReconcileContext,
) => Promise<Result | undefined> | Promise<void>;

/** What happened to one key, for metrics and tests. */
export type ReconcileOutcome =
  | { kind: 'success'; key: string; durationMs: number }
  | { kind: 'requeueAfter'; key: string; durationMs: number; delayMs: number }
  | { kind: 'requeue'; key: string; durationMs: number }
  | { kind: 'waiting'; key: string; durationMs: number; delayMs: number }
  | { kind: 'terminal'; key: string; durationMs: number; error: Error }
  | { kind: 'retry'; key: string; durationMs: number; error: Error };

export interface RunWorkersOptions {
  queue: WorkQueue;
  workers: number;
  reconcile: Reconciler;
  /** Abort to stop: workers take no new key, in-flight reconciles finish, then the promise resolves. */
  signal: AbortSignal;
  logger?: RuntimeLogger;
  /** Called after every reconcile (metrics hook). Exceptions from it are logged and ignored. */
  onOutcome?: (outcome: ReconcileOutcome) => void;
  /** Shut the queue down once all workers stopped (default true), which also drops delayed keys. */
  shutDownQueue?: boolean;
  /** Milliseconds clock for durations; defaults to `performance.now`. */
  now?: () => number;
}

/** Starts the workers and resolves when they have all stopped. Never rejects because of a reconcile. */
export async function runWorkers(options: RunWorkersOptions): Promise<void> {
  const { queue, workers } = options;
  if (!Number.isInteger(workers) || workers < 1) {
    throw new InvalidOptionsError('workers must be an integer >= 1', { workers });
  }
  const logger = options.logger ?? silentLogger;
  const loops: Promise<void>[] = [];
  for (let index = 0; index < workers; index++) loops.push(workerLoop({ ...options, logger, worker: index }));
  await Promise.all(loops);
  if (options.shutDownQueue ?? true) queue.shutDown();
  logger.info({ queue: queue.name }, 'workers stopped');
}

async function workerLoop(options: RunWorkersOptions & { logger: RuntimeLogger; worker: number }) {
  const { queue, signal } = options;
  while (!signal.aborted) {
    const key = await queue.get({ signal });
    if (key === undefined) return;
    try {
      await processKey({ ...options, key });
    } finally {
      queue.done(key);
    }
  }
}

async function processKey(
  options: RunWorkersOptions & { logger: RuntimeLogger; worker: number; key: string },
) {
  const { queue, key } = options;
  const now = options.now ?? (() => performance.now());
  const logger = options.logger;
  const startedAt = now();
  const requeues = queue.numRequeues(key);
  let outcome: ReconcileOutcome;
  try {
    const result = await options.reconcile(key, { key, requeues, logger, signal: options.signal });
    outcome = applyResult({ queue, key, result: result ?? {}, durationMs: now() - startedAt });
  } catch (thrown) {
    outcome = applyError({ queue, key, thrown, durationMs: now() - startedAt });
  }
  if (outcome.kind === 'terminal' || outcome.kind === 'retry') {
    logger.error(
      { key, worker: options.worker, outcome: outcome.kind, requeues, error: describeError(outcome.error) },
      'reconcile failed',
    );
  } else {
    logger.debug(
      { key, worker: options.worker, outcome: outcome.kind, ms: outcome.durationMs },
      'reconciled',
    );
  }
  try {
    options.onOutcome?.(outcome);
  } catch (hookError) {
    logger.warn({ key, error: describeError(hookError) }, 'onOutcome hook threw');
  }
}

function applyResult(options: { queue: WorkQueue; key: string; result: Result; durationMs: number }) {
  const { queue, key, result, durationMs } = options;
  const { requeueAfter } = result;
  if (requeueAfter !== undefined && (!Number.isFinite(requeueAfter) || requeueAfter < 0)) {
    return applyError({ queue, key, thrown: new InvalidResultError({ key, result }), durationMs });
  }
  if (requeueAfter !== undefined && requeueAfter > 0) {
    queue.forget(key);
    queue.addAfter(key, requeueAfter);
    return { kind: 'requeueAfter', key, durationMs, delayMs: requeueAfter } as const;
  }
  if (result.requeue) {
    queue.addRateLimited(key);
    return { kind: 'requeue', key, durationMs } as const;
  }
  queue.forget(key);
  return { kind: 'success', key, durationMs } as const;
}

function applyError(options: { queue: WorkQueue; key: string; thrown: unknown; durationMs: number }) {
  const { queue, key, thrown, durationMs } = options;
  if (thrown instanceof WaitingError) {
    queue.forget(key);
    queue.addAfter(key, thrown.requeueAfterMs);
    return { kind: 'waiting', key, durationMs, delayMs: thrown.requeueAfterMs } as const;
  }
  if (thrown instanceof TerminalError) {
    queue.forget(key);
    return { kind: 'terminal', key, durationMs, error: thrown } as const;
  }
  const error = thrown instanceof Error ? thrown : new ReconcilePanicError({ key, thrown });
  queue.addRateLimited(key);
  return { kind: 'retry', key, durationMs, error } as const;
}
