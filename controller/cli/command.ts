// What every subcommand gets and how it signals a usage mistake.

export interface CommandIo {
  stdout(text: string): void;
  stderr(text: string): void;
}

/** A mistake in how the command was called: printed with the usage hint, exit code 2. */
export class UsageError extends Error {
  readonly code = 'Usage';
  constructor(message: string) {
    super(message);
    this.name = 'UsageError';
  }
}

export type Command = (argv: string[], io: CommandIo) => Promise<number>;
