/**
 * The logging surface the runtime needs: a subset of pino's API, so a pino logger can be passed as is
 * and tests can pass a recorder.
 */
export interface RuntimeLogger {
  debug(data: object, message?: string): void;
  info(data: object, message?: string): void;
  warn(data: object, message?: string): void;
  error(data: object, message?: string): void;
}

const ignore = (): void => {};

export const silentLogger: RuntimeLogger = { debug: ignore, info: ignore, warn: ignore, error: ignore };

/** Turns anything thrown into something safe to log: name, code and message only, never the raw object. */
export function describeError(error: unknown): { name: string; code?: string; message: string } {
  if (error instanceof Error) {
    const code = (error as { code?: unknown }).code;
    return { name: error.name, code: typeof code === 'string' ? code : undefined, message: error.message };
  }
  return { name: typeof error, message: String(error) };
}
