// Turns ajv's errors into one plain sentence per problem, at the field it is about.
// ajv reports every failing branch of oneOf/anyOf; a person wants the one that applies.
import { closest, distance } from 'fastest-levenshtein';
import { cronPattern, timeZonePattern } from '../../schemas/chaos-schedule.ts';
import {
  cidrPattern,
  dnsLabelPattern,
  dnsSubdomainPattern,
  durationPattern,
  interfaceNamePattern,
} from '../../schemas/fragments.ts';
import type { JsonSchema } from '../../schemas/json-schema.ts';
import type { SchemaError } from '../api/validator.ts';

export interface Finding {
  /** Path segments into the object (keys and indexes). */
  path: (string | number)[];
  /** Point at the key of the last segment rather than its value (unknown fields). */
  atKey: boolean;
  code: 'schema' | 'unknown-field';
  message: string;
}

const patternNames = new Map<string, string>([
  [durationPattern, 'a duration such as 30s, 5m or 1h30m'],
  [dnsLabelPattern, 'a DNS label (lower-case letters, digits and "-", at most 63 characters)'],
  [dnsSubdomainPattern, 'a DNS subdomain name (lower-case letters, digits, "-" and ".")'],
  [cidrPattern, 'an IPv4 or IPv6 CIDR such as 10.0.0.0/8'],
  [
    cronPattern,
    'a cron schedule (five fields such as "0 10 * * 1-5"), a macro such as @daily, or @every 30m',
  ],
  [timeZonePattern, 'an IANA time zone such as Europe/Berlin or UTC'],
  [
    interfaceNamePattern,
    'a network interface name (letters, digits, "_", "." and "-", at most 15 characters)',
  ],
]);

export function explainSchemaErrors(
  errors: readonly SchemaError[],
  schema: JsonSchema,
  data: unknown,
): Finding[] {
  const findings: Finding[] = [];
  const junctorErrors = errors.filter((e) => e.keyword === 'oneOf' || e.keyword === 'anyOf');
  // Errors raised inside a junctor branch are explained through the junctor, not one by one.
  const plain = errors.filter((e) => !/\/(oneOf|anyOf)\/\d+\//.test(e.schemaPath));
  for (const error of plain) {
    if (error.keyword === 'oneOf' || error.keyword === 'anyOf') continue;
    findings.push(explainOne(error, schema, data));
  }
  for (const junctor of junctorErrors) findings.push(...explainJunctor(junctor, errors, schema, data));
  return dedupe(findings);
}

function explainOne(error: SchemaError, schema: JsonSchema, data: unknown, suffix = ''): Finding {
  const path = pointerSegments(error.instancePath);
  const value = valueAt(data, path);
  const params = error.params;
  switch (error.keyword) {
    case 'additionalProperties': {
      const name = String(params.additionalProperty);
      const allowed = Object.keys(schemaAt(schema, parentSchemaPath(error.schemaPath))?.properties ?? {});
      return {
        path: [...path, name],
        atKey: true,
        code: 'unknown-field',
        message: `unknown field "${name}"${suggestion(name, allowed)}`,
      };
    }
    case 'required':
      return {
        path,
        atKey: false,
        code: 'schema',
        message: `missing required field "${String(params.missingProperty)}"${suffix}`,
      };
    case 'enum':
      return {
        path,
        atKey: false,
        code: 'schema',
        message: `${show(value)} is not allowed${suffix}; use one of ${(params.allowedValues as unknown[]).map((v) => JSON.stringify(v)).join(', ')}`,
      };
    case 'pattern': {
      const named = patternNames.get(String(params.pattern));
      return {
        path,
        atKey: false,
        code: 'schema',
        message: named
          ? `${show(value)} is not ${named}`
          : `${show(value)} does not match the pattern ${String(params.pattern)}`,
      };
    }
    case 'type':
      return {
        path,
        atKey: false,
        code: 'schema',
        message: `must be ${article(String(params.type))}, not ${kindOf(value)}`,
      };
    case 'maximum':
    case 'minimum':
      return {
        path,
        atKey: false,
        code: 'schema',
        message: `${show(value)} is too ${error.keyword === 'maximum' ? 'large' : 'small'}${suffix}: must be ${error.keyword === 'maximum' ? 'at most' : 'at least'} ${String(params.limit)}`,
      };
    case 'maxItems':
    case 'minItems':
      return {
        path,
        atKey: false,
        code: 'schema',
        message: `has ${Array.isArray(value) ? value.length : 0} items; ${error.keyword === 'maxItems' ? 'at most' : 'at least'} ${String(params.limit)} allowed`,
      };
    case 'maxLength':
    case 'minLength':
      return {
        path,
        atKey: false,
        code: 'schema',
        message: `must be ${error.keyword === 'maxLength' ? 'at most' : 'at least'} ${String(params.limit)} characters long`,
      };
    case 'minProperties': {
      const fields = Object.keys(schemaAt(schema, parentSchemaPath(error.schemaPath))?.properties ?? {});
      return { path, atKey: false, code: 'schema', message: `must set at least one of ${fields.join(', ')}` };
    }
    case 'format':
      return {
        path,
        atKey: false,
        code: 'schema',
        message: `${show(value)} is not a valid ${String(params.format)}${params.format === 'date-time' ? ' (RFC 3339, e.g. 2026-01-02T15:04:05Z)' : ''}`,
      };
    default:
      return { path, atKey: false, code: 'schema', message: `${error.message}${suffix}` };
  }
}

/**
 * Two junctor shapes occur in our schemas: "exactly one of these fields" (every branch is
 * `{required: [x]}`), and a discriminated rule (every branch fixes one field with `enum`).
 */
function explainJunctor(
  junctor: SchemaError,
  all: readonly SchemaError[],
  schema: JsonSchema,
  data: unknown,
): Finding[] {
  const node = schemaAt(schema, parentSchemaPath(junctor.schemaPath));
  const branches = (junctor.keyword === 'oneOf' ? node?.oneOf : node?.anyOf) ?? [];
  const path = pointerSegments(junctor.instancePath);
  const value = valueAt(data, path) as Record<string, unknown> | undefined;
  const choices = branches.map((b) => b.required?.[0]).filter((k): k is string => Boolean(k));
  if (
    choices.length === branches.length &&
    branches.every((b) => b.required?.length === 1 && !b.properties)
  ) {
    const present = choices.filter((k) => value && typeof value === 'object' && k in value);
    const message =
      present.length === 0
        ? `needs exactly one of ${choices.join(', ')}`
        : `sets ${present.join(' and ')}; only one of ${choices.join(', ')} is allowed here`;
    return [{ path, atKey: false, code: 'schema', message }];
  }
  const discriminator = Object.keys(branches[0]?.properties ?? {}).find((name) =>
    branches.every((b) => b.properties?.[name]?.enum),
  );
  if (discriminator) {
    const actual = value?.[discriminator] ?? node?.properties?.[discriminator]?.default;
    const index = branches.findIndex((b) => b.properties?.[discriminator]?.enum?.includes(actual as string));
    if (index !== -1) {
      const prefix = `${junctor.schemaPath}/${index}/`;
      const suffix = ` when ${discriminator} is ${JSON.stringify(actual)}`;
      return all
        .filter((e) => e.schemaPath.startsWith(prefix))
        .map((e) => explainOne(e, schema, data, suffix));
    }
  }
  return [{ path, atKey: false, code: 'schema', message: junctor.message }];
}

function suggestion(name: string, allowed: string[]): string {
  if (allowed.length === 0) return '';
  const best = closest(name, allowed);
  const near = distance(name.toLowerCase(), best.toLowerCase()) <= Math.max(2, Math.floor(best.length / 3));
  return near ? `; did you mean "${best}"?` : `; valid fields here: ${allowed.join(', ')}`;
}

function dedupe(findings: Finding[]): Finding[] {
  const seen = new Set<string>();
  return findings.filter((f) => {
    const key = `${f.path.join('/')}|${f.message}`;
    if (seen.has(key)) return false;
    seen.add(key);
    return true;
  });
}

export function pointerSegments(pointer: string): (string | number)[] {
  if (!pointer) return [];
  return pointer
    .slice(1)
    .split('/')
    .map((s) => s.replace(/~1/g, '/').replace(/~0/g, '~'))
    .map((s) => (/^\d+$/.test(s) ? Number(s) : s));
}

/** "#/properties/spec/anyOf" → "#/properties/spec" (the schema object holding the keyword). */
function parentSchemaPath(schemaPath: string): string {
  return schemaPath.slice(0, schemaPath.lastIndexOf('/'));
}

function schemaAt(schema: JsonSchema, schemaPath: string): JsonSchema | undefined {
  let node: unknown = schema;
  for (const segment of pointerSegments(schemaPath.replace(/^#/, ''))) {
    if (node === null || typeof node !== 'object') return undefined;
    node = (node as Record<string | number, unknown>)[segment];
  }
  return node as JsonSchema | undefined;
}

function valueAt(data: unknown, path: readonly (string | number)[]): unknown {
  let node = data;
  for (const segment of path) {
    if (node === null || typeof node !== 'object') return undefined;
    node = (node as Record<string | number, unknown>)[segment];
  }
  return node;
}

function show(value: unknown): string {
  const text = JSON.stringify(value) ?? String(value);
  return text.length > 60 ? `${text.slice(0, 57)}...` : text;
}

function kindOf(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'a list';
  if (typeof value === 'object') return 'a mapping';
  return `${article(typeof value)} (${show(value)})`;
}

function article(type: string): string {
  const words: Record<string, string> = {
    object: 'a mapping',
    array: 'a list',
    string: 'a string',
    integer: 'an integer',
    number: 'a number',
    boolean: 'a boolean (true or false)',
  };
  return words[type] ?? type;
}

/** Dotted field path with [index] for list items: spec.faults[0].podKill. */
export function fieldPath(path: readonly (string | number)[]): string {
  return path.reduce<string>(
    (text, segment) =>
      typeof segment === 'number' ? `${text}[${segment}]` : text ? `${text}.${segment}` : segment,
    '',
  );
}
