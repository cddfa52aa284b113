/**
 * Prometheus probe: an instant PromQL query that must yield exactly one number, compared with a threshold.
 * More than one series, none, or a non-number is an `Error`: the probe could not decide, and guessing
 * (first series? all of them?) would hide a query that does not mean what its author thinks.
 */

import type { Comparison } from '../api/types.generated.ts';
import {
  clip,
  describeFetchError,
  describeUrl,
  type FetchLike,
  type ProbeOutcome,
  type ProbeProvider,
  type ProbeRunOptions,
  probeTimeoutMs,
} from './provider.ts';

export interface PrometheusProbeProviderOptions {
  /** Defaults to the global fetch. */
  fetch?: FetchLike;
  /** Used when a probe names no `address` (the controller's --prometheus-url). */
  defaultAddress?: string;
}

export function createPrometheusProbeProvider(options: PrometheusProbeProviderOptions = {}): ProbeProvider {
  const fetchImpl: FetchLike = options.fetch ?? ((input, init) => globalThis.fetch(input, init));
  return {
    run: (runOptions) =>
      runPrometheusProbe({ ...runOptions, fetch: fetchImpl, defaultAddress: options.defaultAddress }),
  };
}

/** The query URL: `address` may carry a path prefix (Prometheus behind `--web.route-prefix`). */
export function prometheusQueryUrl(options: { address: string; query: string; timeoutMs: number }): string {
  const params = new URLSearchParams({ query: options.query, timeout: `${Math.ceil(options.timeoutMs)}ms` });
  return `${options.address.replace(/\/+$/, '')}/api/v1/query?${params.toString()}`;
}

async function runPrometheusProbe(
  options: ProbeRunOptions & { fetch: FetchLike; defaultAddress: string | undefined },
): Promise<ProbeOutcome> {
  const spec = options.probe.prometheus;
  if (!spec) return { outcome: 'Error', message: 'not a prometheus probe' };
  const address = spec.address ?? options.defaultAddress;
  if (!address) {
    return {
      outcome: 'Error',
      message: 'no Prometheus address: set prometheus.address or the controller’s --prometheus-url',
    };
  }
  let timeoutMs: number;
  try {
    timeoutMs = probeTimeoutMs(options.probe);
  } catch (error) {
    return { outcome: 'Error', message: `invalid timeout: ${(error as Error).message}` };
  }
  const where = describeUrl(address);
  const signal = AbortSignal.any([options.signal, AbortSignal.timeout(timeoutMs)]);
  let status: number;
  let body: unknown;
  try {
    const response = await options.fetch(prometheusQueryUrl({ address, query: spec.query, timeoutMs }), {
      method: 'GET',
      headers: { accept: 'application/json' },
      signal,
    });
    status = response.status;
    const text = await response.text();
    try {
      body = JSON.parse(text);
    } catch {
      return { outcome: 'Error', message: `Prometheus at ${where} answered ${status} without JSON` };
    }
  } catch (error) {
    return { outcome: 'Error', message: `Prometheus at ${where}: ${describeFetchError(error, timeoutMs)}` };
  }
  const sample = singleSample(body);
  if ('problem' in sample) {
    return { outcome: 'Error', message: `query ${JSON.stringify(clip(spec.query, 120))}: ${sample.problem}` };
  }
  return compareSample({ value: sample.value, raw: sample.raw, comparison: spec.comparison });
}

type SampleReading = { value: number; raw: string } | { problem: string };

/** Reads the one number out of a `/api/v1/query` answer, or says why there is not exactly one. */
export function singleSample(body: unknown): SampleReading {
  const answer = body as {
    status?: unknown;
    errorType?: unknown;
    error?: unknown;
    data?: { resultType?: unknown; result?: unknown };
  } | null;
  if (!answer || typeof answer !== 'object') return { problem: 'Prometheus answered with no object' };
  if (answer.status !== 'success') {
    const kind = typeof answer.errorType === 'string' ? answer.errorType : 'error';
    const detail = typeof answer.error === 'string' ? answer.error : 'no detail';
    return { problem: `Prometheus rejected it (${kind}): ${clip(detail)}` };
  }
  const { resultType, result } = answer.data ?? {};
  if (resultType === 'scalar') return parseSamplePair(result);
  if (resultType === 'vector') {
    if (!Array.isArray(result)) return { problem: 'malformed vector result' };
    if (result.length === 0) return { problem: 'no series matched (empty result); expected exactly one' };
    if (result.length > 1) {
      return { problem: `${result.length} series matched; aggregate (sum, max, …) to exactly one` };
    }
    return parseSamplePair((result[0] as { value?: unknown }).value);
  }
  return {
    problem: `result type ${String(resultType)} is not supported; use an instant query yielding one number`,
  };
}

function parseSamplePair(pair: unknown): SampleReading {
  if (!Array.isArray(pair) || pair.length !== 2 || typeof pair[1] !== 'string') {
    return { problem: 'malformed sample' };
  }
  const raw = pair[1];
  const value =
    raw === '+Inf' ? Number.POSITIVE_INFINITY : raw === '-Inf' ? Number.NEGATIVE_INFINITY : Number(raw);
  // NaN (e.g. an error ratio with no traffic) compares false with everything: the probe cannot decide.
  if (Number.isNaN(value)) return { problem: `the value is ${raw}, which cannot be compared` };
  return { value, raw };
}

const COMPARATORS: Readonly<Record<Comparison['op'], (value: number, threshold: number) => boolean>> = {
  '<': (value, threshold) => value < threshold,
  '<=': (value, threshold) => value <= threshold,
  '>': (value, threshold) => value > threshold,
  '>=': (value, threshold) => value >= threshold,
  '==': (value, threshold) => value === threshold,
  '!=': (value, threshold) => value !== threshold,
};

function compareSample(options: { value: number; raw: string; comparison: Comparison }): ProbeOutcome {
  const { value, raw, comparison } = options;
  const compare = COMPARATORS[comparison.op];
  if (!compare) return { outcome: 'Error', message: `unknown comparison ${JSON.stringify(comparison.op)}` };
  const holds = compare(value, comparison.value);
  const message = `value ${raw} ${holds ? 'satisfies' : 'violates'} ${comparison.op} ${comparison.value}`;
  return { outcome: holds ? 'Passed' : 'Failed', message, value: raw };
}
