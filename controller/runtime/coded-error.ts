// The shape every ChaosCraft error shares: a stable `code` to branch on and structured `data`
// to log, so callers never parse messages.

export class CodedError<Code extends string> extends Error {
  readonly code: Code;
  readonly data: Readonly<Record<string, unknown>>;

  constructor(options: { code: Code; message: string; data?: Record<string, unknown>; cause?: unknown }) {
    super(options.message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = new.target.name;
    this.code = options.code;
    this.data = Object.freeze({ ...(options.data ?? {}) });
  }
}
