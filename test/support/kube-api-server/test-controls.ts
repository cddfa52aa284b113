// Fault injection and accounting for tests and benchmarks: failNext, latency, watch delay and a request log.
import { KubeApiError } from './errors.ts';
import { checkWatchDelay, drawDelayMs, NO_WATCH_DELAY, type WatchDelay } from './watch-delay.ts';

export type KubeVerb =
  | 'get'
  | 'list'
  | 'watch'
  | 'create'
  | 'update'
  | 'patch'
  | 'delete'
  | 'deletecollection';

export interface RequestMatch {
  verb?: KubeVerb;
  /** `pods`, or `pods/status` to target only the subresource. */
  resource?: string;
}

export interface FailNextOptions {
  /** How many matching requests fail. */
  count: number;
  /** HTTP status of the injected failure, e.g. 500, 503, 429, 409. */
  status: number;
  reason?: string;
  message?: string;
  match?: RequestMatch;
}

export interface RequestRecord {
  method: string;
  path: string;
  verb: KubeVerb | 'discovery';
  /** Plural resource name, or '' for discovery and other non-resource paths. */
  resource: string;
  subresource?: string;
  namespace?: string;
  name?: string;
  status: number;
  /** Who made the request (after impersonation): `kubernetes-admin`, `system:serviceaccount:ns:name`. */
  user?: string;
  /** Refused by authorization (403 from RBAC, not an injected failure). */
  forbidden?: boolean;
  startedAt: number;
  durationMs: number;
}

const DEFAULT_REASONS: Record<number, string> = {
  400: 'BadRequest',
  403: 'Forbidden',
  404: 'NotFound',
  409: 'Conflict',
  410: 'Expired',
  422: 'Invalid',
  429: 'TooManyRequests',
  500: 'InternalError',
  503: 'ServiceUnavailable',
  504: 'Timeout',
};

interface PendingFailure extends FailNextOptions {
  remaining: number;
}

export function matches(
  match: RequestMatch | undefined,
  verb: string,
  resource: string,
  subresource?: string,
): boolean {
  if (!match) return true;
  if (match.verb && match.verb !== verb) return false;
  if (match.resource) {
    // `pods` matches pods and its subresources; `pods/status` matches only the subresource.
    const target = match.resource.includes('/') && subresource ? `${resource}/${subresource}` : resource;
    if (target !== match.resource) return false;
  }
  return true;
}

export class TestControls {
  latencyMs = 0;
  private watchDelaySetting: WatchDelay = NO_WATCH_DELAY;
  private readonly failures: PendingFailure[] = [];
  private readonly log: RequestRecord[] = [];
  private readonly maxLogEntries: number;
  private readonly counts = new Map<string, number>();

  constructor(options: { maxLogEntries: number; watchDelay?: WatchDelay }) {
    this.maxLogEntries = options.maxLogEntries;
    if (options.watchDelay) this.setWatchDelay(options.watchDelay);
  }

  get watchDelay(): WatchDelay {
    return this.watchDelaySetting;
  }

  /** Applies to events queued from now on, on open watches too. */
  setWatchDelay(delay: WatchDelay): void {
    this.watchDelaySetting = checkWatchDelay(delay);
  }

  /** One draw of the current watch delay, for the next event of a watch stream. */
  nextWatchEventDelayMs(): number {
    return drawDelayMs(this.watchDelaySetting);
  }

  failNext(options: FailNextOptions): void {
    if (!Number.isInteger(options.count) || options.count < 1)
      throw new RangeError('failNext count must be >= 1');
    if (!Number.isInteger(options.status) || options.status < 400 || options.status > 599) {
      throw new RangeError('failNext status must be an HTTP error status (400-599)');
    }
    this.failures.push({ ...options, remaining: options.count });
  }

  setLatency(milliseconds: number): void {
    if (!Number.isFinite(milliseconds) || milliseconds < 0) throw new RangeError('latency must be >= 0 ms');
    this.latencyMs = milliseconds;
  }

  /** Consumes one injected failure matching this request, if any. */
  takeFailure(verb: string, resource: string, subresource?: string): KubeApiError | undefined {
    const index = this.failures.findIndex((failure) => matches(failure.match, verb, resource, subresource));
    if (index < 0) return undefined;
    const failure = this.failures[index]!;
    failure.remaining -= 1;
    if (failure.remaining === 0) this.failures.splice(index, 1);
    const reason = failure.reason ?? DEFAULT_REASONS[failure.status] ?? 'InternalError';
    return new KubeApiError({
      code: 'Injected',
      httpStatus: failure.status,
      reason,
      message: failure.message ?? `injected failure (${failure.status} ${reason}) for ${verb} ${resource}`,
      details: failure.status === 429 ? { retryAfterSeconds: 1 } : undefined,
    });
  }

  get pendingFailures(): number {
    return this.failures.reduce((sum, failure) => sum + failure.remaining, 0);
  }

  record(entry: RequestRecord): void {
    this.log.push(entry);
    if (this.log.length > this.maxLogEntries) this.log.splice(0, this.log.length - this.maxLogEntries);
    const key = `${entry.verb} ${entry.subresource ? `${entry.resource}/${entry.subresource}` : entry.resource}`;
    this.counts.set(key, (this.counts.get(key) ?? 0) + 1);
  }

  /** The most recent requests (bounded), oldest first. */
  get requestLog(): readonly RequestRecord[] {
    return this.log;
  }

  /** Request counts keyed by `verb resource`, e.g. `list pods`, `patch chaosexperiments/status`. */
  requestCounts(): Record<string, number> {
    return Object.fromEntries(this.counts);
  }

  /** How many requests matched, counted over the whole run (not limited by the log window). */
  countRequests(match?: RequestMatch): number {
    let total = 0;
    for (const [key, count] of this.counts) {
      const [verb, full] = key.split(' ') as [string, string];
      const [resource, subresource] = full.split('/') as [string, string | undefined];
      if (matches(match, verb, resource, subresource)) total += count;
    }
    return total;
  }

  resetRequestLog(): void {
    this.log.length = 0;
    this.counts.clear();
  }
}
