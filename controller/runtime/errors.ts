/**
 * Error classes of the controller runtime. Each has a stable `code` string that callers and tests can
 * switch on, plus structured `data`; messages are for humans and may change.
 */

import { CodedError } from './coded-error.ts';

export type RuntimeErrorCode =
  | 'Terminal'
  | 'Transient'
  | 'Waiting'
  | 'ReconcilePanic'
  | 'InvalidResult'
  | 'Conflict'
  | 'NotFound'
  | 'Gone'
  | 'WatchFailed'
  | 'InvalidOptions';

export class RuntimeError extends CodedError<RuntimeErrorCode> {}

/** The reconcile cannot succeed by retrying (invalid spec, policy denial): forget the key, do not retry. */
export class TerminalError extends RuntimeError {
  constructor(message: string, options: { data?: Record<string, unknown>; cause?: unknown } = {}) {
    super({ code: 'Terminal', message, ...options });
  }
}

/** A failure that may pass on its own (API timeout, conflict): retry with per-key exponential back-off. */
export class TransientError extends RuntimeError {
  constructor(message: string, options: { data?: Record<string, unknown>; cause?: unknown } = {}) {
    super({ code: 'Transient', message, ...options });
  }
}

/**
 * Not a failure: the reconcile is waiting for something (a probe interval, a fault's duration) and wants to
 * look again after `requeueAfterMs`. Back-off is reset, as for a `Result` with `requeueAfter`.
 */
export class WaitingError extends RuntimeError {
  readonly requeueAfterMs: number;

  constructor(
    message: string,
    options: { requeueAfterMs: number; data?: Record<string, unknown>; cause?: unknown },
  ) {
    if (!Number.isFinite(options.requeueAfterMs) || options.requeueAfterMs < 0) {
      throw new InvalidOptionsError('WaitingError.requeueAfterMs must be a finite number >= 0', {
        requeueAfterMs: options.requeueAfterMs,
      });
    }
    super({
      code: 'Waiting',
      message,
      data: { ...options.data, requeueAfterMs: options.requeueAfterMs },
      cause: options.cause,
    });
    this.requeueAfterMs = options.requeueAfterMs;
  }
}

/** Something that is not an Error was thrown, or the reconciler crashed in a way it did not mean to. */
export class ReconcilePanicError extends RuntimeError {
  constructor(options: { key: string; thrown: unknown }) {
    super({
      code: 'ReconcilePanic',
      message: `reconcile of ${options.key} threw a non-Error value`,
      data: { key: options.key, thrownType: typeof options.thrown },
      cause: options.thrown,
    });
  }
}

/** The reconciler returned something that is not a valid `Result` (negative or non-finite requeueAfter). */
export class InvalidResultError extends RuntimeError {
  constructor(options: { key: string; result: unknown }) {
    super({
      code: 'InvalidResult',
      message: `reconcile of ${options.key} returned an invalid result`,
      data: { key: options.key, result: options.result },
    });
  }
}

/** Optimistic-concurrency failure (HTTP 409): someone else wrote the object first. */
export class ConflictError extends RuntimeError {
  constructor(message: string, options: { data?: Record<string, unknown>; cause?: unknown } = {}) {
    super({ code: 'Conflict', message, ...options });
  }
}

/** HTTP 404. */
export class NotFoundError extends RuntimeError {
  constructor(message: string, options: { data?: Record<string, unknown>; cause?: unknown } = {}) {
    super({ code: 'NotFound', message, ...options });
  }
}

/** HTTP 410 on a watch: the resourceVersion is too old, the informer must list again. */
export class GoneError extends RuntimeError {
  constructor(message: string, options: { data?: Record<string, unknown>; cause?: unknown } = {}) {
    super({ code: 'Gone', message, ...options });
  }
}

/** A watch ended with an error event or a failed request other than 410. */
export class WatchFailedError extends RuntimeError {
  constructor(message: string, options: { data?: Record<string, unknown>; cause?: unknown } = {}) {
    super({ code: 'WatchFailed', message, ...options });
  }
}

/** A constructor or function was given options that cannot work (e.g. renewDeadline >= leaseDuration). */
export class InvalidOptionsError extends RuntimeError {
  constructor(message: string, data: Record<string, unknown> = {}) {
    super({ code: 'InvalidOptions', message, data });
  }
}

export function isRuntimeError(error: unknown, code?: RuntimeErrorCode): error is RuntimeError {
  return error instanceof RuntimeError && (code === undefined || error.code === code);
}
