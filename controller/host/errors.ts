/**
 * Errors raised by the host layer (processes, cgroups, commands). `code` is stable and callers branch on
 * it; `data` is structured and never holds secrets; `message` is for humans. The faults layer treats a
 * HostError as one of its own (faults/errors.ts), so the agent's reasons do not depend on which layer threw.
 */

export type HostErrorCode =
  | 'InvalidTarget'
  | 'UnsafeArgument'
  | 'CommandFailed'
  | 'CommandTimeout'
  | 'ToolMissing'
  | 'TargetGone';

export class HostError extends Error {
  readonly code: HostErrorCode;
  readonly data: Readonly<Record<string, unknown>>;

  constructor(options: {
    code: HostErrorCode;
    message: string;
    data?: Record<string, unknown>;
    cause?: unknown;
  }) {
    super(options.message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = new.target.name;
    this.code = options.code;
    this.data = Object.freeze({ ...(options.data ?? {}) });
  }
}

/** An external command exited non-zero. Only the program name and a bounded stderr excerpt are kept. */
export class CommandFailedError extends HostError {
  constructor(options: { program: string; exitCode: number | null; signal: string | null; stderr: string }) {
    const excerpt = options.stderr.trim().slice(0, 500);
    super({
      code: 'CommandFailed',
      message: `${options.program} failed (exit ${options.exitCode ?? options.signal}): ${excerpt}`,
      data: { program: options.program, exitCode: options.exitCode, signal: options.signal, stderr: excerpt },
    });
  }
}
