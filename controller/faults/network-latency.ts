/**
 * networkLatency: delays egress packets with tc netem. Kernels built without sch_netem cannot do this;
 * that is detected from tc's answer and reported as `NetemUnavailable`, never as a generic failure.
 */

import { durationPattern } from '../../schemas/fragments.ts';
import { parseDuration } from '../core/duration.ts';
import { checkInteger, checkNetworkScope, checkPattern, isRecord } from './checks.ts';
import { NetemUnavailableError, type ValidationIssue } from './errors.ts';
import type { Fault } from './fault.ts';
import type { NetworkLatencyParams } from './params.ts';
import { checkEgressOnly, createTcFault, type TcShape } from './tc-fault.ts';

/** netem accepts more, but a minute of delay already breaks every protocol; larger is a typo. */
const MAX_DELAY_MICROS = 60_000_000;
/** Rate of the htb class that carries scoped traffic: high enough to add no shaping of its own. */
const SCOPED_CLASS_RATE = '100gbit';

const durationRegExp = new RegExp(durationPattern, 'u');

/** Whole microseconds (rounded), the unit `tc` takes without ambiguity. */
export function durationToMicros(text: string): number | undefined {
  try {
    return Math.round(parseDuration(text) * 1000);
  } catch {
    return undefined;
  }
}

function checkDelay(value: unknown, path: string, required: boolean): ValidationIssue[] {
  const issues = checkPattern({ value, path, pattern: durationRegExp, required });
  if (issues.length > 0 || value === undefined) return issues;
  const micros = durationToMicros(value as string);
  if (micros === undefined || micros > MAX_DELAY_MICROS) return [{ path, message: 'must be at most 60s' }];
  if (required && micros < 1) return [{ path, message: 'must be at least 1us' }];
  return [];
}

export function validateNetworkLatency(params: unknown): ValidationIssue[] {
  if (!isRecord(params)) return [{ path: '', message: 'must be an object' }];
  const issues = [
    ...checkDelay(params.latency, '/latency', true),
    ...checkDelay(params.jitter, '/jitter', false),
    ...checkInteger({ value: params.correlation, path: '/correlation', min: 0, max: 100, required: false }),
    ...checkNetworkScope({ params, extraKeys: ['latency', 'jitter', 'correlation'] }),
    ...checkEgressOnly(params),
  ];
  if (params.correlation !== undefined && params.jitter === undefined) {
    issues.push({ path: '/correlation', message: 'needs jitter (netem correlates the jitter)' });
  }
  return issues;
}

export function latencyShape(params: NetworkLatencyParams): TcShape {
  const leaf = ['netem', 'delay', `${durationToMicros(params.latency)}us`];
  if (params.jitter !== undefined) {
    leaf.push(`${durationToMicros(params.jitter)}us`);
    if (params.correlation !== undefined) leaf.push(`${params.correlation}%`);
  }
  return { leaf, classRate: SCOPED_CLASS_RATE };
}

/** tc's words for "this kernel has no such qdisc" (netlink extack or the older message). */
export function isUnknownQdiscMessage(stderr: string): boolean {
  return /Specified qdisc kind is unknown|Unknown qdisc "?netem"?|qdisc kind is unknown/i.test(stderr);
}

export function createNetworkLatencyFault(): Fault<NetworkLatencyParams> {
  return createTcFault<NetworkLatencyParams>({
    kind: 'networkLatency',
    validate: validateNetworkLatency,
    shape: latencyShape,
    explainFailure: ({ stderr, interfaceName }) =>
      isUnknownQdiscMessage(stderr)
        ? new NetemUnavailableError({ interfaceName, detail: stderr.trim() })
        : undefined,
  });
}
