/**
 * Dotted field paths with list indexes (`status.readyReplicas`, `status.conditions[0].type`), the syntax
 * the schema allows for kubernetes probes. Only own properties are followed, so a path can never reach
 * `constructor`, `__proto__` or other inherited members.
 */

const PATH_PATTERN = /^[A-Za-z0-9_]+(\.[A-Za-z0-9_]+|\[[0-9]+\])*$/;
const SEGMENT_PATTERN = /([A-Za-z0-9_]+)|\[([0-9]+)\]/g;

export class FieldPathError extends Error {
  readonly code = 'InvalidFieldPath';
  readonly data: { path: string };
  constructor(options: { path: string }) {
    super(`invalid field path ${JSON.stringify(options.path.slice(0, 80))}: use a.b.c or a.b[0].c`);
    this.name = 'FieldPathError';
    this.data = { path: options.path.slice(0, 80) };
  }
}

export type FieldPathSegment = { key: string } | { index: number };

export function parseFieldPath(path: string): FieldPathSegment[] {
  if (typeof path !== 'string' || path.length > 1024 || !PATH_PATTERN.test(path)) {
    throw new FieldPathError({ path: String(path) });
  }
  return [...path.matchAll(SEGMENT_PATTERN)].map((match) =>
    match[1] !== undefined ? { key: match[1] } : { index: Number(match[2]) },
  );
}

export type FieldLookup = { found: true; value: unknown } | { found: false; missingAt: string };

/** Follows `path` into `object`; `missingAt` names the first segment that was absent. */
export function readFieldPath(options: { object: unknown; path: string }): FieldLookup {
  let current: unknown = options.object;
  let walked = '';
  for (const segment of parseFieldPath(options.path)) {
    walked += 'key' in segment ? (walked ? `.${segment.key}` : segment.key) : `[${segment.index}]`;
    if ('key' in segment) {
      if (!isPlainRecord(current) || !Object.hasOwn(current, segment.key)) {
        return { found: false, missingAt: walked };
      }
      current = current[segment.key];
    } else {
      if (!Array.isArray(current) || segment.index >= current.length)
        return { found: false, missingAt: walked };
      current = current[segment.index];
    }
  }
  return { found: true, value: current };
}

/**
 * A field value as the string a spec compares it with: strings as they are, numbers and booleans in their
 * JSON form (`3`, `true`), null as `null`, objects and lists as compact JSON.
 */
export function fieldValueToString(value: unknown): string {
  if (typeof value === 'string') return value;
  if (value === undefined) return '';
  return JSON.stringify(value) ?? String(value);
}

function isPlainRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
