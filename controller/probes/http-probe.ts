/**
 * HTTP probe: one request, passes when the status is expected and, if asked, the body contains a text.
 * Header values are sent but never repeated in messages (they often carry tokens).
 */

import type { HttpProbe } from '../api/types.generated.ts';
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

/** Enough for any health page; a larger body is searched only in its first MiB. */
const MAX_BODY_BYTES = 1024 * 1024;

export interface HttpProbeProviderOptions {
  /** Defaults to the global fetch. */
  fetch?: FetchLike;
}

export function createHttpProbeProvider(options: HttpProbeProviderOptions = {}): ProbeProvider {
  const fetchImpl: FetchLike = options.fetch ?? ((input, init) => globalThis.fetch(input, init));
  return {
    run: (runOptions) => runHttpProbe({ ...runOptions, fetch: fetchImpl }),
  };
}

async function runHttpProbe(options: ProbeRunOptions & { fetch: FetchLike }): Promise<ProbeOutcome> {
  const spec = options.probe.http;
  if (!spec) return { outcome: 'Error', message: 'not an http probe' };
  let timeoutMs: number;
  try {
    timeoutMs = probeTimeoutMs(options.probe);
  } catch (error) {
    return { outcome: 'Error', message: `invalid timeout: ${(error as Error).message}` };
  }
  const method = spec.method ?? 'GET';
  const label = `${method} ${describeUrl(spec.url)}`;
  const signal = AbortSignal.any([options.signal, AbortSignal.timeout(timeoutMs)]);
  try {
    const response = await options.fetch(spec.url, {
      method,
      headers: spec.headers,
      body: method === 'POST' ? spec.body : undefined,
      signal,
      // Like a kubelet httpGet probe: redirects are followed and the final status is judged.
      redirect: 'follow',
    });
    return await judgeResponse({ spec, response, label });
  } catch (error) {
    return { outcome: 'Error', message: `${label}: ${describeFetchError(error, timeoutMs)}` };
  }
}

async function judgeResponse(options: {
  spec: HttpProbe;
  response: Response;
  label: string;
}): Promise<ProbeOutcome> {
  const { spec, response, label } = options;
  const expected = spec.expectStatus && spec.expectStatus.length > 0 ? spec.expectStatus : [200];
  const value = String(response.status);
  if (!expected.includes(response.status)) {
    await response.body?.cancel().catch(() => {});
    return {
      outcome: 'Failed',
      message: `${label} answered ${response.status}, expected ${expected.join(' or ')}`,
      value,
    };
  }
  if (spec.bodyContains === undefined) {
    await response.body?.cancel().catch(() => {});
    return { outcome: 'Passed', message: `${label} answered ${response.status}`, value };
  }
  const body = await readBodyPrefix(response, MAX_BODY_BYTES);
  if (!body.includes(spec.bodyContains)) {
    return {
      outcome: 'Failed',
      message: `${label} answered ${response.status} but the body does not contain ${JSON.stringify(clip(spec.bodyContains, 80))}`,
      value,
    };
  }
  return { outcome: 'Passed', message: `${label} answered ${response.status} with the expected text`, value };
}

/** The body's first `maxBytes` as text; the rest is not downloaded. Aborts with the request's signal. */
async function readBodyPrefix(response: Response, maxBytes: number): Promise<string> {
  if (!response.body) return '';
  const reader = response.body.getReader();
  const decoder = new TextDecoder();
  let text = '';
  let bytes = 0;
  try {
    while (bytes < maxBytes) {
      const chunk = await reader.read();
      if (chunk.done) break;
      const slice = chunk.value.subarray(0, maxBytes - bytes);
      bytes += slice.byteLength;
      text += decoder.decode(slice, { stream: true });
    }
    return text + decoder.decode();
  } finally {
    await reader.cancel().catch(() => {});
  }
}
