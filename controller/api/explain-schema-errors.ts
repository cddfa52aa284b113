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
import type { SchemaError } from './validator.ts';

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

const formatNames = new Map<string, string>([
  ['cidr', 'an IPv4 or IPv6 CIDR such as 10.0.0.0/8 or fd00::/64'],
  ['date-time', 'a valid date-time (RFC 3339, e.g. 2026-01-02T15:04:05Z)'],
]);

export interface ExplainOptions {
  /**
   * Quote the offending value in messages (default true). The agent says false: its messages go to logs
   * and object status, where a hostile value is not repeated.
   */
  quoteValues?: boolean;
}

export function explainSchemaErrors(
  errors: readonly SchemaError[],
  schema: JsonSchema,
  data: unknown,
  options: ExplainOptions = {},
): Finding[] {
  const quote = options.quoteValues ?? true;
  const findings: Finding[] = [];
  const junctorErrors = errors.filter((e) => e.keyword === 'oneOf' || e.keyword === 'anyOf');
  // Errors raised inside a junctor branch are explained through the junctor, not one by one.
  const plain = errors.filter((e) => !/\/(oneOf|anyOf)\/\d+\//.test(e.schemaPath));
  // A value that fails its pattern fails its format too; the pattern's sentence says enough.
  const patternFailed = new Set(plain.filter((e) => e.keyword === 'pattern').map((e) => e.instancePath));
  for (const error of plain) {
    if (error.keyword === 'oneOf' || error.keyword === 'anyOf') continue;
    if (error.keyword === 'format' && patternFailed.has(error.instancePath)) continue;
    // `required` holds vacuously for a non-object, so a forbidden state "matches" one; its type error says why.
    if (
      error.keyword === 'not' &&
      schemaAt(schema, error.schemaPath)?.required &&
      !isMapping(valueAt(data, pointerSegments(error.instancePath)))
    )
      continue;
    findings.push(explainOne(error, schema, data, quote));
  }
  for (const junctor of junctorErrors) findings.push(...explainJunctor(junctor, errors, schema, data, quote));
  return dedupe(findings);
}

function explainOne(
  error: SchemaError,
  schema: JsonSchema,
  data: unknown,
  quote: boolean,
  suffix = '',
): Finding {
  const path = pointerSegments(error.instancePath);
  const value = valueAt(data, path);
  const shown = quote ? show(value) : 'the value';
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
        message: `${shown} is not allowed${suffix}; use one of ${(params.allowedValues as unknown[]).map((v) => JSON.stringify(v)).join(', ')}`,
      };
    case 'pattern': {
      const named = patternNames.get(String(params.pattern));
      return {
        path,
        atKey: false,
        code: 'schema',
        message: named
          ? `${shown} is not ${named}`
          : `${shown} does not match the pattern ${String(params.pattern)}`,
      };
    }
    case 'type':
      return {
        path,
        atKey: false,
        code: 'schema',
        message: `must be ${article(String(params.type))}, not ${kindOf(value, quote)}`,
      };
    case 'maximum':
    case 'minimum':
      return {
        path,
        atKey: false,
        code: 'schema',
        message: `${shown} is too ${error.keyword === 'maximum' ? 'large' : 'small'}${suffix}: must be ${error.keyword === 'maximum' ? 'at most' : 'at least'} ${String(params.limit)}`,
      };
    case 'maxItems':
      return {
        path,
        atKey: false,
        code: 'schema',
        message: `has ${Array.isArray(value) ? value.length : 0} items; at most ${String(params.limit)} allowed`,
      };
    case 'minItems':
      return {
        path,
        atKey: false,
        code: 'schema',
        message: `has ${Array.isArray(value) ? value.length : 0} items; needs at least ${String(params.limit)} (omit the field instead of leaving it empty)`,
      };
    case 'not':
      return explainForbidden(error, schema, path);
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
        message: `${shown} is not ${formatNames.get(String(params.format)) ?? `a valid ${String(params.format)}`}`,
      };
    default:
      return { path, atKey: false, code: 'schema', message: `${error.message}${suffix}` };
  }
}

/**
 * A `not` names a state the schema forbids. Two shapes occur (schemas/fragments.ts builds them):
 * a field refused while another has some value, and a field refused without another.
 */
function explainForbidden(error: SchemaError, schema: JsonSchema, path: (string | number)[]): Finding {
  const state = schemaAt(schema, error.schemaPath);
  const [field, other] = state?.required ?? [];
  const values = other ? state?.properties?.[other]?.enum : undefined;
  const needed = state?.not?.required?.[0];
  if (field && other && values) {
    const shown = values.map((v) => JSON.stringify(v)).join(' or ');
    return {
      path: [...path, field],
      atKey: true,
      code: 'schema',
      message: `"${field}" is not allowed when ${other} is ${shown}`,
    };
  }
  if (field && needed && !other) {
    return {
      path: [...path, field],
      atKey: true,
      code: 'schema',
      message: `"${field}" needs "${needed}" to be set too`,
    };
  }
  // A refused shape of a value (`not: {pattern}`): the field's own description states the rule.
  const holder = schemaAt(schema, error.schemaPath.replace(/\/not$/, ''));
  const rule = holder?.description ? `; ${holder.description}` : '';
  return { path, atKey: false, code: 'schema', message: `has a refused shape${rule}` };
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
  quote: boolean,
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
        .map((e) => explainOne(e, schema, data, quote, suffix));
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

function isMapping(value: unknown): boolean {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function show(value: unknown): string {
  const text = JSON.stringify(value) ?? String(value);
  return text.length > 60 ? `${text.slice(0, 57)}...` : text;
}

function kindOf(value: unknown, quote: boolean): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'a list';
  if (typeof value === 'object') return 'a mapping';
  return quote ? `${article(typeof value)} (${show(value)})` : article(typeof value);
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
