// The few fault-param rules a JSON Schema cannot state: how long a duration is. They run after
// the schema, in `chaoscraft validate` (and so in PR plans) and in the agent alike; the API server
// cannot run them, so an object applied straight to the cluster meets them on the node.
import { type FaultKindName, faultKinds, maxDelayText } from '../../schemas/faults.ts';
import type { JsonSchema } from '../../schemas/json-schema.ts';
import { parseDuration } from '../core/duration.ts';

export interface ParamIssue {
  /** JSON pointer into the params, e.g. `/latency`; empty for the params themselves. */
  path: string;
  message: string;
}

const maxDelayMicros = parseDuration(maxDelayText) * 1000;

/** Whole microseconds (rounded), the unit `tc` takes without ambiguity; undefined when unreadable. */
export function delayMicros(text: string): number | undefined {
  try {
    return Math.round(parseDuration(text) * 1000);
  } catch {
    return undefined;
  }
}

/** netem accepts more, but a minute of delay already breaks every protocol; larger is a typo. */
function delayIssues(value: unknown, field: string, required: boolean): ParamIssue[] {
  if (typeof value !== 'string') return [];
  const micros = delayMicros(value);
  if (micros === undefined || micros > maxDelayMicros)
    return [{ path: `/${field}`, message: `${field} must be at most ${maxDelayText}` }];
  if (required && micros < 1) return [{ path: `/${field}`, message: `${field} must be at least 1us` }];
  return [];
}

/** Issues of params that already passed the kind's schema. */
export function semanticIssues(kind: FaultKindName, params: Record<string, unknown>): ParamIssue[] {
  if (kind !== 'networkLatency') return [];
  return [...delayIssues(params.latency, 'latency', true), ...delayIssues(params.jitter, 'jitter', false)];
}

const kindOfSchema = new Map<JsonSchema, FaultKindName>(
  (Object.entries(faultKinds) as [FaultKindName, JsonSchema][]).map(([kind, schema]) => [schema, kind]),
);

/** Per schema: whether a fault kind's schema lies below it (metadata, selectors and probes hold none). */
const leadsToFault = new WeakMap<JsonSchema, boolean>();

function reachesFault(schema: JsonSchema): boolean {
  const known = leadsToFault.get(schema);
  if (known !== undefined) return known;
  const found =
    kindOfSchema.has(schema) ||
    (schema.items !== undefined && reachesFault(schema.items)) ||
    Object.values(schema.properties ?? {}).some((child) => reachesFault(child));
  leadsToFault.set(schema, found);
  return found;
}

/** Per schema: its properties that lead to a fault kind's schema, in the schema's order. */
const faultProperties = new WeakMap<JsonSchema, [string, JsonSchema][]>();

function propertiesToFaults(schema: JsonSchema): [string, JsonSchema][] {
  let found = faultProperties.get(schema);
  if (!found) {
    found = Object.entries(schema.properties ?? {}).filter(([, child]) => reachesFault(child));
    faultProperties.set(schema, found);
  }
  return found;
}

type Issue = { path: (string | number)[]; message: string };

/**
 * Semantic issues of every fault's params inside a whole object (an experiment, a schedule, an
 * injection), found by walking the kind's schema alongside it: wherever the walk meets a fault
 * kind's schema, the value there is that kind's params. Paths are segments from the object root.
 */
export function semanticIssuesIn(schema: JsonSchema, value: unknown, at: (string | number)[] = []): Issue[] {
  const issues: Issue[] = [];
  collectIssues(schema, value, [...at], issues);
  return issues;
}

/**
 * The walk behind semanticIssuesIn. `at` is one array, extended and restored on the way down, and
 * copied only into an issue: most of an object holds no fault, and a walk that built every path
 * and list cost as much as the schema check.
 */
function collectIssues(schema: JsonSchema, value: unknown, at: (string | number)[], issues: Issue[]): void {
  if (!reachesFault(schema)) return;
  const kind = kindOfSchema.get(schema);
  if (kind && isRecord(value)) {
    for (const issue of semanticIssues(kind, value))
      issues.push({ path: [...at, ...issue.path.split('/').slice(1)], message: issue.message });
    return;
  }
  if (Array.isArray(value) && schema.items) {
    for (let index = 0; index < value.length; index++) {
      at.push(index);
      collectIssues(schema.items, value[index], at, issues);
      at.pop();
    }
    return;
  }
  if (!isRecord(value) || !schema.properties) return;
  for (const [name, child] of propertiesToFaults(schema)) {
    if (!(name in value)) continue;
    at.push(name);
    collectIssues(child, value[name], at, issues);
    at.pop();
  }
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
