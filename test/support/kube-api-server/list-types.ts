// `x-kubernetes-list-type` on custom resources, as the apiextensions server enforces it: a `map` list
// holds at most one item per value of its `x-kubernetes-list-map-keys`, a `set` holds no item twice.
// Violations are 422 causes worded as kube-apiserver words them (Go's %#v of the duplicate value).
import type { StatusCause } from './errors.ts';
import type { JsonObject } from './resource-types.ts';

function isObject(value: unknown): value is JsonObject {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** Go's `%#v` of a value decoded from JSON into interface{} (what field.Duplicate prints). */
export function goSyntax(value: unknown): string {
  if (value === null || value === undefined) return 'interface {}(nil)';
  if (typeof value === 'string') return JSON.stringify(value);
  if (typeof value === 'number' || typeof value === 'boolean') return String(value);
  if (Array.isArray(value)) return `[]interface {}{${value.map(goSyntax).join(', ')}}`;
  const entries = Object.keys(value as JsonObject)
    .sort()
    .map((key) => `${JSON.stringify(key)}:${goSyntax((value as JsonObject)[key])}`);
  return `map[string]interface {}{${entries.join(', ')}}`;
}

/** `Duplicate value: "a"` for scalars, the Go map syntax otherwise. */
function duplicateMessage(value: unknown): string {
  return `Duplicate value: ${goSyntax(value)}`;
}

function checkMapList(items: unknown[], schema: JsonObject, field: string, causes: StatusCause[]): void {
  const keys = (schema['x-kubernetes-list-map-keys'] as string[] | undefined) ?? [];
  const seen = new Set<string>();
  items.forEach((item, index) => {
    const at = `${field}[${index}]`;
    if (item === null) return;
    if (!isObject(item)) {
      causes.push({
        reason: 'FieldValueInvalid',
        field: at,
        message: `Invalid value: ${goSyntax(item)}: must be an object for an array of list-type map`,
      });
      return;
    }
    const keyValues: JsonObject = {};
    for (const key of keys) if (item[key] !== undefined) keyValues[key] = item[key];
    const identity = goSyntax(keyValues);
    if (seen.has(identity)) {
      causes.push({ reason: 'FieldValueDuplicate', field: at, message: duplicateMessage(keyValues) });
    } else {
      seen.add(identity);
    }
  });
}

function checkSetList(items: unknown[], field: string, causes: StatusCause[]): void {
  const seen = new Set<string>();
  items.forEach((item, index) => {
    const identity = goSyntax(item);
    if (seen.has(identity)) {
      causes.push({
        reason: 'FieldValueDuplicate',
        field: `${field}[${index}]`,
        message: duplicateMessage(item),
      });
    } else {
      seen.add(identity);
    }
  });
}

function join(parent: string, key: string): string {
  return parent ? `${parent}.${key}` : key;
}

/** Causes for every map or set list in `value` (walked along its schema) that repeats an item. */
export function listTypeCauses(schema: JsonObject, value: unknown, field = ''): StatusCause[] {
  const causes: StatusCause[] = [];
  walk(schema, value, field, causes);
  return causes;
}

function walk(schema: JsonObject, value: unknown, field: string, causes: StatusCause[]): void {
  if (Array.isArray(value)) {
    const listType = schema['x-kubernetes-list-type'];
    if (listType === 'map') checkMapList(value, schema, field, causes);
    if (listType === 'set') checkSetList(value, field, causes);
    if (isObject(schema.items)) {
      const itemSchema = schema.items;
      value.forEach((item, index) => {
        walk(itemSchema, item, `${field}[${index}]`, causes);
      });
    }
    return;
  }
  if (!isObject(value)) return;
  const properties = isObject(schema.properties) ? schema.properties : {};
  const additional = isObject(schema.additionalProperties) ? schema.additionalProperties : undefined;
  for (const [key, child] of Object.entries(value)) {
    const childSchema = isObject(properties[key]) ? properties[key] : additional;
    if (childSchema) walk(childSchema, child, join(field, key), causes);
  }
}

/**
 * What the apiextensions server would refuse in a CRD's list-type declarations: a map list needs
 * object items and map keys that are declared and required (or defaulted). Returns one line per problem.
 */
export function listTypeDeclarationProblems(schema: JsonObject, field = ''): string[] {
  const problems: string[] = [];
  const listType = schema['x-kubernetes-list-type'];
  const items = isObject(schema.items) ? schema.items : undefined;
  if (listType === 'map') {
    const keys = schema['x-kubernetes-list-map-keys'];
    const properties = items && isObject(items.properties) ? items.properties : {};
    const required = Array.isArray(items?.required) ? (items.required as string[]) : [];
    if (!Array.isArray(keys) || keys.length === 0) {
      problems.push(`${field}: x-kubernetes-list-map-keys must be set for x-kubernetes-list-type map`);
    } else if (items?.type !== 'object') {
      problems.push(`${field}.items.type: must be object for x-kubernetes-list-type map`);
    } else {
      for (const key of keys as string[]) {
        const keySchema = properties[key];
        if (!isObject(keySchema)) problems.push(`${field}.items.properties[${key}]: map key is not declared`);
        else if (!required.includes(key) && keySchema.default === undefined) {
          problems.push(`${field}.items.properties[${key}]: map key must be required or have a default`);
        }
      }
    }
  }
  const atomicItems =
    items?.['x-kubernetes-map-type'] === 'atomic' || items?.['x-kubernetes-list-type'] === 'atomic';
  if (listType === 'set' && items && (items.type === 'object' || items.type === 'array') && !atomicItems) {
    problems.push(`${field}.items: x-kubernetes-list-type set needs scalar or atomic items`);
  }
  if (items) problems.push(...listTypeDeclarationProblems(items, `${field}.items`));
  const properties = isObject(schema.properties) ? schema.properties : {};
  for (const [key, child] of Object.entries(properties)) {
    if (isObject(child))
      problems.push(...listTypeDeclarationProblems(child, join(field, `properties[${key}]`)));
  }
  if (isObject(schema.additionalProperties)) {
    problems.push(
      ...listTypeDeclarationProblems(schema.additionalProperties, `${field}.additionalProperties`),
    );
  }
  return problems;
}
