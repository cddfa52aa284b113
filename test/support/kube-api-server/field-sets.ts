// Sets of field paths, as server-side apply tracks ownership: `f:<name>` for a field, `k:{"name":"x"}`
// for an item of a map list (x-kubernetes-list-type: map), `v:"a"` for an item of a set list. Atomic
// lists (the CRD default) and atomic maps are owned whole. Kept as strings of path elements joined by
// NUL, converted to and from managedFields' `fieldsV1` trees, and printed as in conflict messages
// (`.spec.duration`, `.spec.faults[name="x"].mode`, `.metadata.finalizers[="a"]`).
import type { JsonObject } from './resource-types.ts';

const SEPARATOR = '\u0000';

export type FieldPath = string;

function isObject(value: unknown): value is JsonObject {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** Which metadata fields are tracked, and how ObjectMeta's lists merge. */
const METADATA_SCHEMA: JsonObject = {
  type: 'object',
  properties: {
    labels: { type: 'object', additionalProperties: { type: 'string' } },
    annotations: { type: 'object', additionalProperties: { type: 'string' } },
    finalizers: { type: 'array', 'x-kubernetes-list-type': 'set', items: { type: 'string' } },
    ownerReferences: {
      type: 'array',
      'x-kubernetes-list-type': 'map',
      'x-kubernetes-list-map-keys': ['uid'],
      items: { type: 'object' },
    },
  },
};

const TRACKED_METADATA = ['labels', 'annotations', 'finalizers', 'ownerReferences'];

/** The schema of a child: a declared property, the map's value schema, or none (granular, untyped). */
export function childSchema(
  schema: JsonObject | undefined,
  key: string,
  atRoot = false,
): JsonObject | undefined {
  if (atRoot && key === 'metadata') return METADATA_SCHEMA;
  if (!schema) return undefined;
  const properties = schema.properties as Record<string, JsonObject> | undefined;
  if (properties?.[key]) return properties[key];
  return isObject(schema.additionalProperties) ? schema.additionalProperties : undefined;
}

export function listTypeOf(schema: JsonObject | undefined): 'atomic' | 'map' | 'set' {
  const listType = schema?.['x-kubernetes-list-type'];
  return listType === 'map' || listType === 'set' ? listType : 'atomic';
}

export function mapKeysOf(schema: JsonObject | undefined): string[] {
  return (schema?.['x-kubernetes-list-map-keys'] as string[] | undefined) ?? [];
}

function isAtomicMap(schema: JsonObject | undefined): boolean {
  return schema?.['x-kubernetes-map-type'] === 'atomic';
}

function sortedJson(object: JsonObject): string {
  const sorted: JsonObject = {};
  for (const key of Object.keys(object).sort()) sorted[key] = object[key];
  return JSON.stringify(sorted);
}

/** The path element of a list item: its keys (map list), its value (set), or its index (neither). */
export function itemElement(item: unknown, schema: JsonObject | undefined, index: number): string {
  const listType = listTypeOf(schema);
  if (listType === 'set') return `v:${JSON.stringify(item)}`;
  if (listType === 'map' && isObject(item)) {
    const keys: JsonObject = {};
    for (const key of mapKeysOf(schema)) if (item[key] !== undefined) keys[key] = item[key];
    return `k:${sortedJson(keys)}`;
  }
  return `i:${index}`;
}

export function join(elements: string[]): FieldPath {
  return elements.join(SEPARATOR);
}

export function split(path: FieldPath): string[] {
  return path === '' ? [] : path.split(SEPARATOR);
}

/** Whether `path` is `ancestor` or lies below it. */
export function isWithin(path: FieldPath, ancestor: FieldPath): boolean {
  return path === ancestor || path.startsWith(ancestor + SEPARATOR);
}

/**
 * Every owned path of a value: leaves (scalars, nulls, empty maps), atomic lists and maps, and the items
 * of map and set lists themselves (an item is owned besides its fields). Of metadata, only labels,
 * annotations, finalizers and ownerReferences are fields; apiVersion and kind are none.
 */
export function fieldsOf(object: JsonObject, schema: JsonObject | undefined): Set<FieldPath> {
  const set = new Set<FieldPath>();
  const walk = (value: unknown, valueSchema: JsonObject | undefined, path: string[], atRoot: boolean) => {
    if (Array.isArray(value)) {
      const listType = listTypeOf(valueSchema);
      if (listType === 'atomic') {
        set.add(join(path));
        return;
      }
      const items = valueSchema?.items as JsonObject | undefined;
      value.forEach((item, index) => {
        const itemPath = [...path, itemElement(item, valueSchema, index)];
        set.add(join(itemPath));
        if (listType === 'map') walk(item, items, itemPath, false);
      });
      return;
    }
    if (!isObject(value) || isAtomicMap(valueSchema) || Object.keys(value).length === 0) {
      set.add(join(path));
      return;
    }
    for (const [key, child] of Object.entries(value)) {
      if (atRoot && (key === 'apiVersion' || key === 'kind')) continue;
      if (atRoot && key === 'metadata') {
        if (!isObject(child)) continue;
        const tracked: JsonObject = {};
        for (const field of TRACKED_METADATA) if (child[field] !== undefined) tracked[field] = child[field];
        walk(tracked, METADATA_SCHEMA, [...path, 'f:metadata'], false);
        continue;
      }
      walk(child, childSchema(valueSchema, key, atRoot), [...path, `f:${key}`], false);
    }
  };
  walk(object, schema, [], true);
  // The root itself and `metadata` with nothing tracked are not fields.
  set.delete('');
  set.delete('f:metadata');
  return set;
}

/**
 * Paths of the granular collections in a value: map and set lists, and maps of free keys (labels,
 * `additionalProperties`). An Update that brings one into existence owns the collection itself too.
 */
export function collectionsOf(object: JsonObject, schema: JsonObject | undefined): Set<FieldPath> {
  const set = new Set<FieldPath>();
  const walk = (value: unknown, valueSchema: JsonObject | undefined, path: string[], atRoot: boolean) => {
    if (Array.isArray(value)) {
      if (listTypeOf(valueSchema) === 'atomic') return;
      set.add(join(path));
      const items = valueSchema?.items as JsonObject | undefined;
      value.forEach((item, index) => {
        if (listTypeOf(valueSchema) === 'map')
          walk(item, items, [...path, itemElement(item, valueSchema, index)], false);
      });
      return;
    }
    if (!isObject(value) || isAtomicMap(valueSchema)) return;
    if (!atRoot && valueSchema && !valueSchema.properties && isObject(valueSchema.additionalProperties)) {
      set.add(join(path));
    }
    for (const [key, child] of Object.entries(value)) {
      if (atRoot && (key === 'apiVersion' || key === 'kind')) continue;
      if (atRoot && key === 'metadata') {
        if (!isObject(child)) continue;
        const tracked: JsonObject = {};
        for (const field of TRACKED_METADATA) if (child[field] !== undefined) tracked[field] = child[field];
        walk(tracked, METADATA_SCHEMA, [...path, 'f:metadata'], false);
        continue;
      }
      walk(child, childSchema(valueSchema, key, atRoot), [...path, `f:${key}`], false);
    }
  };
  walk(object, schema, [], true);
  return set;
}

/** A managedFields `fieldsV1` tree: one key per path element, `.` where a path with children is itself owned. */
export function toFieldsV1(set: Iterable<FieldPath>): JsonObject {
  const root: JsonObject = {};
  const paths = [...set];
  const owned = new Set(paths);
  for (const path of paths) {
    let node = root;
    for (const element of split(path)) {
      node[element] ??= {};
      node = node[element] as JsonObject;
    }
  }
  // `.` marks an owned path that also has owned children.
  const mark = (node: JsonObject, path: string[]) => {
    for (const [element, child] of Object.entries(node)) {
      const childPath = [...path, element];
      const children = child as JsonObject;
      if (Object.keys(children).length > 0) {
        mark(children, childPath);
        if (owned.has(join(childPath))) children['.'] = {};
      }
    }
  };
  mark(root, []);
  return root;
}

export function fromFieldsV1(tree: unknown): Set<FieldPath> {
  const set = new Set<FieldPath>();
  const walk = (node: unknown, path: string[]) => {
    if (!isObject(node)) return;
    const entries = Object.entries(node).filter(([element]) => element !== '.');
    if (entries.length === 0 || '.' in node) set.add(join(path));
    for (const [element, child] of entries) walk(child, [...path, element]);
  };
  for (const [element, child] of Object.entries(isObject(tree) ? tree : {})) walk(child, [element]);
  return set;
}

/** `.spec.faults[name="x"].mode`, as structured-merge-diff prints a path. */
export function describePath(path: FieldPath): string {
  return split(path)
    .map((element) => {
      const body = element.slice(2);
      if (element.startsWith('f:')) return `.${body}`;
      if (element.startsWith('v:')) return `[=${body}]`;
      if (element.startsWith('i:')) return `[${body}]`;
      const keys = JSON.parse(body) as JsonObject;
      return `[${Object.entries(keys)
        .map(([key, value]) => `${key}=${JSON.stringify(value)}`)
        .join(',')}]`;
    })
    .join('');
}

/** The element of a container that `element` names, with where it sits. */
function locate(
  container: unknown,
  element: string,
): { found: boolean; value: unknown; key: string | number } {
  const body = element.slice(2);
  if (element.startsWith('f:')) {
    const present = isObject(container) && Object.hasOwn(container, body);
    return { found: present, value: present ? (container as JsonObject)[body] : undefined, key: body };
  }
  if (!Array.isArray(container)) return { found: false, value: undefined, key: -1 };
  let index = -1;
  if (element.startsWith('i:')) index = Number(body) < container.length ? Number(body) : -1;
  else if (element.startsWith('v:')) index = container.findIndex((item) => JSON.stringify(item) === body);
  else {
    const keys = JSON.parse(body) as JsonObject;
    index = container.findIndex(
      (item) =>
        isObject(item) &&
        Object.entries(keys).every(([k, v]) => JSON.stringify(item[k]) === JSON.stringify(v)),
    );
  }
  return { found: index >= 0, value: index >= 0 ? container[index] : undefined, key: index };
}

export function valueAt(object: unknown, path: FieldPath): { found: boolean; value: unknown } {
  let current: unknown = object;
  for (const element of split(path)) {
    const next = locate(current, element);
    if (!next.found) return { found: false, value: undefined };
    current = next.value;
  }
  return { found: true, value: current };
}

/** Removes the field or list item at `path` from `object` (mutated), if it is there. */
export function removeAt(object: JsonObject, path: FieldPath): void {
  const elements = split(path);
  let parent: unknown = object;
  for (const element of elements.slice(0, -1)) {
    const next = locate(parent, element);
    if (!next.found) return;
    parent = next.value;
  }
  const last = locate(parent, elements[elements.length - 1]!);
  if (!last.found) return;
  if (Array.isArray(parent)) parent.splice(last.key as number, 1);
  else delete (parent as JsonObject)[last.key as string];
}
