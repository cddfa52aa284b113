// Go-style durations ("90s", "1h30m", "250ms"), the format Kubernetes users already write.

export class DurationError extends Error {
  readonly code = 'InvalidDuration';
  readonly input: string;
  constructor(input: string, reason: string) {
    super(`"${input}" is not a duration (${reason}); write e.g. 30s, 5m or 1h30m`);
    this.name = 'DurationError';
    this.input = input;
  }
}

const unitMs: Record<string, number> = {
  ns: 1e-6,
  us: 1e-3,
  µs: 1e-3,
  ms: 1,
  s: 1000,
  m: 60_000,
  h: 3_600_000,
};

const part = /([0-9]+(?:\.[0-9]+)?)(ns|us|µs|ms|s|m|h)/gy;

/** Milliseconds in a Go-style duration. Throws DurationError on anything else. */
export function parseDuration(text: string): number {
  if (text === '0') return 0;
  if (!text) throw new DurationError(text, 'empty');
  part.lastIndex = 0;
  let total = 0;
  let matched = 0;
  for (let m = part.exec(text); m; m = part.exec(text)) {
    total += Number(m[1]) * unitMs[m[2]!]!;
    matched = part.lastIndex;
  }
  if (matched !== text.length) throw new DurationError(text, `unexpected "${text.slice(matched)}"`);
  if (!Number.isFinite(total)) throw new DurationError(text, 'too large');
  return total;
}

/** A short human form: 90000 → "1m30s", 250 → "250ms". */
export function formatDuration(ms: number): string {
  if (ms < 1000) return `${Math.round(ms)}ms`;
  let seconds = Math.round(ms / 1000);
  const hours = Math.floor(seconds / 3600);
  seconds -= hours * 3600;
  const minutes = Math.floor(seconds / 60);
  seconds -= minutes * 60;
  return `${hours ? `${hours}h` : ''}${minutes ? `${minutes}m` : ''}${seconds || (!hours && !minutes) ? `${seconds}s` : ''}`;
}
