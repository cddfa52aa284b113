/**
 * Runs one probe with the provider for its kind and a hard deadline: the outcome is `Error` at `timeout`
 * even when a provider ignores its abort signal (a hung client library must not stall a reconcile).
 * Never rejects: every failure becomes an `Error` outcome.
 */

import type { Probe } from '../api/types.generated.ts';
import { type Clock, systemClock } from '../runtime/clock.ts';
import { clip, formatMs, type ProbeOutcome, type ProbeProviders, probeTimeoutMs } from './provider.ts';

export type ProbeKind = keyof ProbeProviders;

const PROBE_KINDS: readonly ProbeKind[] = ['http', 'prometheus', 'kubernetes'];

/** The probe's kind, or why it has none (schema should prevent that, but specs can come from anywhere). */
export function probeKind(probe: Probe): { kind: ProbeKind } | { problem: string } {
  const kinds = PROBE_KINDS.filter((kind) => probe[kind] !== undefined && probe[kind] !== null);
  if (kinds.length === 1) return { kind: kinds[0]! };
  if (kinds.length === 0) return { problem: 'probe has none of http, prometheus, kubernetes' };
  return { problem: `probe has ${kinds.join(' and ')}; exactly one is allowed` };
}

export interface RunProbeOptions {
  probe: Probe;
  providers: ProbeProviders;
  /** Stops the check early (controller shutdown); the outcome is then `Error: aborted`. */
  signal?: AbortSignal;
  /** The experiment's namespace, for kubernetes probes that name none. */
  defaultNamespace?: string;
  /** Drives the deadline; tests pass a FakeClock. */
  clock?: Clock;
}

export async function runProbe(options: RunProbeOptions): Promise<ProbeOutcome> {
  const { probe, providers } = options;
  const clock = options.clock ?? systemClock;
  const kind = probeKind(probe);
  if ('problem' in kind) return { outcome: 'Error', message: kind.problem };
  const provider = providers[kind.kind];
  if (!provider) return { outcome: 'Error', message: `no ${kind.kind} probe provider is configured` };
  let timeoutMs: number;
  try {
    timeoutMs = probeTimeoutMs(probe);
  } catch (error) {
    return { outcome: 'Error', message: `invalid timeout: ${(error as Error).message}` };
  }
  if (options.signal?.aborted) return { outcome: 'Error', message: 'aborted before the check started' };

  const controller = new AbortController();
  // Only the caller's abort means "aborted"; our own abort at the deadline is reported as a timeout.
  let resolveAborted: (outcome: ProbeOutcome) => void = () => {};
  const aborted = new Promise<ProbeOutcome>((resolve) => {
    resolveAborted = resolve;
  });
  const onOuterAbort = () => {
    resolveAborted({ outcome: 'Error', message: 'aborted' });
    controller.abort(options.signal?.reason);
  };
  options.signal?.addEventListener('abort', onOuterAbort, { once: true });
  let timer: ReturnType<Clock['setTimeout']> | undefined;
  const deadline = new Promise<ProbeOutcome>((resolve) => {
    timer = clock.setTimeout(() => {
      resolve({ outcome: 'Error', message: `timed out after ${formatMs(timeoutMs)}` });
      controller.abort(new DOMException('probe timed out', 'TimeoutError'));
    }, timeoutMs);
  });
  const checked = Promise.resolve()
    .then(() =>
      provider.run({ probe, signal: controller.signal, defaultNamespace: options.defaultNamespace }),
    )
    .then(
      (outcome) => validOutcome(outcome),
      (error: unknown) => ({
        outcome: 'Error' as const,
        message: `${kind.kind} probe failed: ${clip(error instanceof Error ? error.message : String(error))}`,
      }),
    );
  try {
    return await Promise.race([checked, deadline, aborted]);
  } finally {
    if (timer !== undefined) clock.clearTimeout(timer);
    options.signal?.removeEventListener('abort', onOuterAbort);
    // Let a provider still running know its answer is no longer wanted.
    if (!controller.signal.aborted) controller.abort();
  }
}

/** Guards against a provider returning something that is not an outcome. */
function validOutcome(outcome: ProbeOutcome): ProbeOutcome {
  if (
    outcome &&
    (outcome.outcome === 'Passed' || outcome.outcome === 'Failed' || outcome.outcome === 'Error')
  ) {
    return { ...outcome, message: typeof outcome.message === 'string' ? outcome.message : '' };
  }
  return { outcome: 'Error', message: 'the provider returned no outcome' };
}
