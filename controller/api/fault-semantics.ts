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

/**
 * Semantic issues of every fault's params inside a whole object (an experiment, a schedule, an
 * injection), found by walking the kind's schema alongside it: wherever the walk meets a fault
 * kind's schema, the value there is that kind's params. Paths are segments from the object root.
 */
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

export function semanticIssuesIn(
  schema: JsonSchema,
  value: unknown,
  at: (string | number)[] = [],
): { path: (string | number)[]; message: string }[] {
  // Most of an object holds no fault: walking it cost as much as the schema check.
  if (!reachesFault(schema)) return [];
  const kind = kindOfSchema.get(schema);
  if (kind && isRecord(value)) {
    return semanticIssues(kind, value).map((issue) => ({
      path: [...at, ...issue.path.split('/').slice(1)],
      message: issue.message,
    }));
  }
  if (Array.isArray(value) && schema.items) {
    const items = schema.items;
    return value.flatMap((item, index) => semanticIssuesIn(items, item, [...at, index]));
  }
  if (!isRecord(value) || !schema.properties) return [];
  return Object.entries(schema.properties).flatMap(([name, child]) =>
    name in value ? semanticIssuesIn(child, value[name], [...at, name]) : [],
  );
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
