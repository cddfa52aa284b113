/**
 * The contract every probe kind implements. A provider performs one check and reports what it saw; it never
 * decides whether the hypothesis is broken (that is `core/experiment/probe-progress.ts`, which sees the failure streak in status).
 */

import type { Probe } from '../api/types.generated.ts';
import { parseDuration } from '../core/duration.ts';

/**
 * `Passed`: the check ran and the hypothesis holds. `Failed`: the check ran and the hypothesis is false.
 * `Error`: the check could not be made (timeout, connection refused, bad query, bad spec).
 */
export type ProbeOutcomeKind = 'Passed' | 'Failed' | 'Error';

export interface ProbeOutcome {
  outcome: ProbeOutcomeKind;
  /** One line for humans (status, PR comment). Never holds header values or other secrets. */
  message: string;
  /** What was observed, as a string (status code, sample value, field value), when something was. */
  value?: string;
}

export interface ProbeRunOptions {
  probe: Probe;
  /** Aborted when the check must stop (timeout, controller shutdown). */
  signal: AbortSignal;
  /** The experiment's namespace: where a kubernetes probe looks when it names no namespace. */
  defaultNamespace?: string;
}

export interface ProbeProvider {
  run(options: ProbeRunOptions): Promise<ProbeOutcome>;
}

/** One provider per probe kind; a kind without a provider yields an `Error` outcome, not a crash. */
export interface ProbeProviders {
  http?: ProbeProvider;
  prometheus?: ProbeProvider;
  kubernetes?: ProbeProvider;
}

/** The subset of `fetch` the providers use, so tests and proxies can stand in for it. */
export type FetchLike = (input: string, init: RequestInit) => Promise<Response>;

export const DEFAULT_PROBE_TIMEOUT_MS = 5_000;

/** The probe's `timeout` in milliseconds (default 5s); throws `DurationError` when it is malformed. */
export function probeTimeoutMs(probe: Probe): number {
  return probe.timeout === undefined ? DEFAULT_PROBE_TIMEOUT_MS : parseDuration(probe.timeout);
}

/** `1500` → `1.5s`, `250` → `250ms`: durations in messages read like the spec that set them. */
export function formatMs(ms: number): string {
  return ms >= 1000 ? `${Number((ms / 1000).toFixed(3))}s` : `${Number(ms.toFixed(3))}ms`;
}

/**
 * A URL fit for messages: scheme, host and path only. Userinfo and the query string are dropped because
 * people put credentials there.
 */
export function describeUrl(url: string): string {
  try {
    const parsed = new URL(url);
    const query = parsed.search ? '?…' : '';
    return `${parsed.protocol}//${parsed.host}${parsed.pathname}${query}`;
  } catch {
    return '(invalid URL)';
  }
}

/**
 * Why a fetch failed, in words that cannot leak request data. undici's own messages may quote header
 * values (`Headers.append: "Bearer …" is an invalid header value`), so only error names and system error
 * codes (ECONNREFUSED, ENOTFOUND, …) are passed through.
 */
export function describeFetchError(error: unknown, timeoutMs: number): string {
  const failure = error as { name?: unknown; cause?: { code?: unknown; name?: unknown } } | undefined;
  const name = typeof failure?.name === 'string' ? failure.name : 'Error';
  if (name === 'TimeoutError') return `timed out after ${formatMs(timeoutMs)}`;
  if (name === 'AbortError') return 'aborted';
  const code = failure?.cause?.code;
  if (typeof code === 'string' && /^[A-Z][A-Z0-9_]{1,40}$/.test(code)) return `request failed: ${code}`;
  const causeName = failure?.cause?.name;
  if (typeof causeName === 'string' && /^[A-Za-z]{1,40}$/.test(causeName)) {
    return `request failed: ${causeName}`;
  }
  return `request failed (${name}; invalid URL, header or connection problem)`;
}

/** Cuts text coming from a remote server to one short line for messages. */
export function clip(text: string, max = 200): string {
  const line = text.replace(/\s+/g, ' ').trim();
  return line.length > max ? `${line.slice(0, max - 1)}…` : line;
}
