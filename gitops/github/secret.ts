// A credential held in memory. Printing it in any way (template strings, JSON, util.inspect, pino)
// yields a placeholder; only `reveal()` hands out the value, and only the code that talks to GitHub
// calls it. This is the first of two defences: the second is `redactSecrets` on every log line.
import { inspect } from 'node:util';

const placeholder = '[redacted]';

export class SecretValue {
  readonly #value: string;

  constructor(value: string) {
    this.#value = value;
  }

  reveal(): string {
    return this.#value;
  }

  toString(): string {
    return placeholder;
  }

  toJSON(): string {
    return placeholder;
  }

  [inspect.custom](): string {
    return placeholder;
  }
}
