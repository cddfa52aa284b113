/**
 * Errors raised by fault primitives. `code` is stable (callers and the agent's status writer switch on it);
 * `data` is structured and never holds secrets; `message` is for humans and may change.
 */

import { HostError } from '../host/errors.ts';
import { CodedError } from '../runtime/coded-error.ts';

export { CommandFailedError } from '../host/errors.ts';

export type FaultErrorCode =
  | 'InvalidParams'
  | 'InvalidTarget'
  | 'InvalidTag'
  | 'UnsafeArgument'
  | 'CommandFailed'
  | 'CommandTimeout'
  | 'ToolMissing'
  | 'NetemUnavailable'
  | 'QdiscConflict'
  | 'CgroupPlacementFailed'
  | 'TargetGone';

export interface ValidationIssue {
  /** Where in the params the problem is, JSON-pointer style (`/cidrs/2`). Empty string for the root. */
  path: string;
  message: string;
}

export class FaultError extends CodedError<FaultErrorCode> {
  /**
   * The host layer's errors (a command that failed, an unsafe path) are fault errors too: their codes are
   * a subset of ours, so whoever catches a FaultError handles them without knowing the layer below.
   */
  static override [Symbol.hasInstance](value: unknown): boolean {
    if (this === FaultError && value instanceof HostError) return true;
    return Function.prototype[Symbol.hasInstance].call(this, value);
  }
}

/** Params failed the agent's own checks; `issues` says which fields and why. */
export class InvalidParamsError extends FaultError {
  readonly issues: readonly ValidationIssue[];

  constructor(options: { kind: string; issues: ValidationIssue[] }) {
    const summary = options.issues.map((issue) => `${issue.path || '/'}: ${issue.message}`).join('; ');
    super({
      code: 'InvalidParams',
      message: `invalid ${options.kind} params: ${summary}`,
      data: { kind: options.kind, issues: options.issues },
    });
    this.issues = Object.freeze([...options.issues]);
  }
}

/** The kernel has no netem queueing discipline, so latency cannot be injected on this node. */
export class NetemUnavailableError extends FaultError {
  constructor(options: { interfaceName: string; detail: string }) {
    super({
      code: 'NetemUnavailable',
      message:
        'network latency needs the netem queueing discipline, but this kernel lacks sch_netem ' +
        '(kernel module sch_netem, config option CONFIG_NET_SCH_NETEM is not set or the module is not installed)',
      data: { interface: options.interfaceName, module: 'sch_netem', detail: options.detail.slice(0, 300) },
    });
  }
}

export function isFaultError(error: unknown, code?: FaultErrorCode): error is FaultError {
  return error instanceof FaultError && (code === undefined || error.code === code);
}
