// Server-side apply (PATCH application/apply-patch+yaml) of custom resources: the applied configuration
// is merged into the live object by the schema's list types; a field another manager owns with another
// value is a conflict (409, naming fields and managers) unless `force` takes it over; fields this manager
// applied before and no longer applies are removed unless someone else owns them; a missing object is
// created. The manager's Apply entry in managedFields then holds exactly what it applied.
import type { Cluster } from './cluster.ts';
import {
  badRequestError,
  conflictError,
  invalidError,
  KubeApiError,
  STALE_OBJECT_MESSAGE,
} from './errors.ts';
import {
  childSchema,
  describePath,
  type FieldPath,
  fieldsOf,
  isWithin,
  itemElement,
  listTypeOf,
  removeAt,
  split,
  valueAt,
} from './field-sets.ts';
import {
  encodeOwnership,
  type FieldManager,
  type Ownership,
  ownershipOf,
  sameOwner,
} from './managed-fields.ts';
import { metadataOf } from './object-store.ts';
import { jsonEqual } from './patch.ts';
import { apiVersionOf, type JsonObject, qualifiedResourceOf } from './resource-types.ts';
import { createObject, updateObject, type WriteOptions } from './write-operations.ts';

export interface ApplyOptions extends WriteOptions {
  name: string;
  /** The applied configuration (YAML or JSON, already parsed). */
  body: unknown;
  manager: FieldManager;
  force: boolean;
  /** Throws when the caller may not create: an apply of a missing object is a create. */
  authorizeCreate?: () => void;
}

const TRACKED_METADATA = ['labels', 'annotations', 'finalizers', 'ownerReferences'];

function isObject(value: unknown): value is JsonObject {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function withoutManagedFields(object: JsonObject): JsonObject {
  const { managedFields: _managedFields, ...metadata } = object.metadata as JsonObject;
  return { ...object, metadata };
}

function sameValue(a: unknown, b: unknown): boolean {
  return JSON.stringify(a) === JSON.stringify(b);
}

/** The applied value merged into the live one: maps by key, map lists by item key, sets by value. */
function merge(live: unknown, applied: unknown, schema: JsonObject | undefined): unknown {
  if (Array.isArray(applied)) {
    const listType = listTypeOf(schema);
    if (listType === 'atomic' || !Array.isArray(live)) return structuredClone(applied);
    const items = schema?.items as JsonObject | undefined;
    const result = structuredClone(live) as unknown[];
    applied.forEach((item, index) => {
      const element = itemElement(item, schema, index);
      const at = result.findIndex((existing, i) => itemElement(existing, schema, i) === element);
      if (at < 0) result.push(structuredClone(item));
      else if (listType === 'map') result[at] = merge(result[at], item, items);
    });
    return result;
  }
  if (isObject(applied) && schema?.['x-kubernetes-map-type'] !== 'atomic') {
    const result: JsonObject = isObject(live) ? { ...live } : {};
    for (const [key, value] of Object.entries(applied))
      result[key] = merge(result[key], value, childSchema(schema, key));
    return result;
  }
  return structuredClone(applied);
}

function mergeObject(live: JsonObject, applied: JsonObject, schema: JsonObject | undefined): JsonObject {
  const result: JsonObject = { ...live };
  for (const [key, value] of Object.entries(applied)) {
    if (key === 'apiVersion' || key === 'kind') continue;
    if (key === 'metadata') {
      const metadata: JsonObject = { ...(live.metadata as JsonObject) };
      for (const field of TRACKED_METADATA) {
        const given = (value as JsonObject)[field];
        if (given !== undefined)
          metadata[field] = merge(
            metadata[field],
            given,
            childSchema(childSchema(schema, 'metadata', true), field),
          );
      }
      result.metadata = metadata;
      continue;
    }
    result[key] = merge(result[key], value, childSchema(schema, key));
  }
  return result;
}

/** `"argocd-controller"`, or `"kubectl" using v1 at 2024-05-01T10:00:00Z` for an Update entry. */
function describeManager(entry: Ownership['entry']): string {
  let text = JSON.stringify(entry.manager);
  if (entry.subresource) text += ` with subresource ${JSON.stringify(entry.subresource)}`;
  if (entry.operation === 'Update') text += ` using ${entry.apiVersion} at ${entry.time}`;
  return text;
}

function applyConflictError(conflicts: { owner: Ownership['entry']; path: FieldPath }[]): KubeApiError {
  const causes = conflicts.map(({ owner, path }) => ({
    reason: 'FieldManagerConflict',
    message: `conflict with ${describeManager(owner)}`,
    field: describePath(path),
  }));
  let message: string;
  if (conflicts.length === 1) {
    message = `Apply failed with 1 conflict: conflict with ${describeManager(conflicts[0]!.owner)}: ${describePath(conflicts[0]!.path)}`;
  } else {
    const byManager = new Map<string, string[]>();
    for (const { owner, path } of conflicts) {
      const manager = describeManager(owner);
      byManager.set(manager, [...(byManager.get(manager) ?? []), `- ${describePath(path)}`]);
    }
    const lines = [...byManager.keys()]
      .sort()
      .flatMap((manager) => [`conflicts with ${manager}:`, ...byManager.get(manager)!]);
    message = `Apply failed with ${conflicts.length} conflicts: ${lines.join('\n')}`;
  }
  return new KubeApiError({
    code: 'Conflict',
    httpStatus: 409,
    reason: 'Conflict',
    message,
    details: { causes },
  });
}

/** The applied configuration as this endpoint takes it: status only on /status, no status on the main one. */
function appliedConfiguration(options: ApplyOptions): JsonObject {
  const { type } = options;
  if (!isObject(options.body)) throw badRequestError('the applied configuration must be an object');
  const body = structuredClone(options.body);
  if (body.apiVersion !== apiVersionOf(type) || body.kind !== type.kind) {
    throw badRequestError(
      `the applied configuration must set apiVersion ${apiVersionOf(type)} and kind ${type.kind}, got ${String(body.apiVersion)} ${String(body.kind)}`,
    );
  }
  const metadata: JsonObject = isObject(body.metadata) ? body.metadata : {};
  if (metadata.name !== undefined && metadata.name !== options.name) {
    throw badRequestError(
      `the name of the object (${String(metadata.name)}) does not match the name on the URL (${options.name})`,
    );
  }
  if (metadata.managedFields !== undefined) {
    throw invalidError({
      kind: type.kind,
      group: type.group,
      name: options.name,
      causes: [
        {
          reason: 'FieldValueForbidden',
          field: 'metadata.managedFields',
          message: 'Forbidden: must be nil for apply',
        },
      ],
    });
  }
  body.metadata = { ...metadata, name: options.name };
  if (options.manager.subresource === 'status') {
    return { apiVersion: body.apiVersion, kind: body.kind, metadata: body.metadata, status: body.status };
  }
  if (type.statusSubresource) delete body.status;
  return body;
}

export function applyObject(cluster: Cluster, options: ApplyOptions): JsonObject {
  const { type, manager } = options;
  const schema = type.schema;
  const applied = appliedConfiguration(options);
  const appliedFields = fieldsOf(applied, schema);
  const existing = cluster.find(type, options.namespace, options.name);
  const now = cluster.timestamp();
  const myEntry: Ownership['entry'] = {
    manager: manager.name,
    operation: 'Apply',
    apiVersion: apiVersionOf(type),
    time: now,
    fieldsType: 'FieldsV1',
    ...(manager.subresource ? { subresource: manager.subresource } : {}),
  };

  if (!existing) {
    // /status of a missing object is 404; the object itself is created by its first apply.
    if (manager.subresource) cluster.require(type, options.namespace, options.name);
    options.authorizeCreate?.();
    return createObject(cluster, {
      ...options,
      body: applied,
      managedFields: (created) => {
        const owned = fieldsOf(created, schema);
        return encodeOwnership([
          { entry: myEntry, fields: new Set([...appliedFields].filter((p) => owned.has(p))) },
        ]);
      },
    });
  }

  const live = cluster.present(type, existing);
  const requested = (applied.metadata as JsonObject).resourceVersion;
  if (requested !== undefined && requested !== metadataOf(live).resourceVersion) {
    throw conflictError({
      qualifiedResource: qualifiedResourceOf(type),
      group: type.group,
      kind: type.plural,
      name: options.name,
      why: STALE_OBJECT_MESSAGE,
    });
  }
  const ownership = ownershipOf(live);
  const mine = ownership.find((owner) => sameOwner(owner.entry, manager, 'Apply'));
  const others = ownership.filter((owner) => owner !== mine);
  const merged = mergeObject(live, applied, schema);

  const conflicts: { owner: Ownership['entry']; path: FieldPath }[] = [];
  for (const path of appliedFields) {
    const before = valueAt(live, path);
    if (!before.found || sameValue(before.value, valueAt(merged, path).value)) continue;
    for (const owner of others) if (owner.fields.has(path)) conflicts.push({ owner: owner.entry, path });
  }
  if (conflicts.length > 0 && !options.force) throw applyConflictError(conflicts);
  const takenOver = new Set(conflicts.map((conflict) => conflict.path));

  // What this manager applied last time and no longer applies goes, unless someone else owns it.
  const dropped = [...(mine?.fields ?? [])]
    .filter((path) => !appliedFields.has(path))
    .filter((path) => !others.some((owner) => [...owner.fields].some((owned) => isWithin(owned, path))))
    .sort((a, b) => split(a).length - split(b).length);
  // Outermost first: a list item goes with its fields (which also name it by key).
  const removed: FieldPath[] = [];
  for (const path of dropped) {
    if (removed.some((outer) => isWithin(path, outer))) continue;
    removeAt(merged, path);
    removed.push(path);
  }
  (merged.metadata as JsonObject).resourceVersion = metadataOf(live).resourceVersion;

  return updateObject(cluster, {
    ...options,
    subresource: manager.subresource,
    body: merged,
    managedFields: (next) => {
      const present = fieldsOf(next, schema);
      const gone = new Set([...fieldsOf(live, schema)].filter((path) => !present.has(path)));
      const mineNow = new Set([...appliedFields].filter((path) => present.has(path)));
      const unchanged =
        jsonEqual(withoutManagedFields(next), withoutManagedFields(live)) &&
        sameValue([...mineNow].sort(), [...(mine?.fields ?? [])].sort());
      if (unchanged) return undefined;
      const kept = others.map((owner) => ({
        entry: owner.entry,
        fields: new Set([...owner.fields].filter((path) => !takenOver.has(path) && !gone.has(path))),
      }));
      return encodeOwnership([...kept, { entry: myEntry, fields: mineNow }]);
    },
  });
}
