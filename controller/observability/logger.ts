// pino JSON logs. Anything that might carry a credential is redacted by path, so a token in a
// header or a kubeconfig never reaches the log even when a whole object is logged.
import { type Logger, pino } from 'pino';

export const redactedPaths = [
  'token',
  '*.token',
  'authorization',
  '*.authorization',
  'headers.authorization',
  '*.headers.authorization',
  'password',
  '*.password',
  'kubeconfig',
  '*.kubeconfig',
  'secret',
  '*.secret',
  'privateKey',
  '*.privateKey',
];

export function createLogger(options: { level?: string; destination?: NodeJS.WritableStream } = {}): Logger {
  return pino(
    {
      level: options.level ?? 'info',
      base: { component: 'chaoscraft' },
      redact: { paths: redactedPaths, censor: '[redacted]' },
      timestamp: pino.stdTimeFunctions.isoTime,
    },
    (options.destination ?? process.stdout) as pino.DestinationStream,
  );
}

export type { Logger };
