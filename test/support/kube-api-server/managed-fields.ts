// metadata.managedFields of custom resources: one entry per manager, operation (Apply or Update) and
// subresource, each with the set of fields it owns (fieldsV1). A write through the API with a field
// manager (the `fieldManager` parameter, else the User-Agent's product name) takes the fields it
// changed from everyone else; a write that changes nothing touches no entry.
import { collectionsOf, type FieldPath, fieldsOf, fromFieldsV1, toFieldsV1, valueAt } from './field-sets.ts';
import type { JsonObject, ResourceType } from './resource-types.ts';

export interface ManagedFieldsEntry {
  manager: string;
  operation: 'Apply' | 'Update';
  apiVersion: string;
  time: string;
  fieldsType: 'FieldsV1';
  fieldsV1: JsonObject;
  subresource?: string;
}

/** Who writes: the field manager and the endpoint (main, or the status subresource). */
export interface FieldManager {
  name: string;
  subresource?: 'status';
}

/** An entry with its fields as a set, for computing. */
export interface Ownership {
  entry: Omit<ManagedFieldsEntry, 'fieldsV1'>;
  fields: Set<FieldPath>;
}

/** Custom resources (and Argo CD Applications, one in a real cluster) track field ownership here. */
export function tracksManagedFields(type: ResourceType): boolean {
  return type.source === 'crd' || !type.strategicMergePatch;
}

export function ownershipOf(object: JsonObject | undefined): Ownership[] {
  const entries = ((object?.metadata as JsonObject | undefined)?.managedFields ?? []) as ManagedFieldsEntry[];
  if (!Array.isArray(entries)) return [];
  return entries.map(({ fieldsV1, ...entry }) => ({ entry, fields: fromFieldsV1(fieldsV1) }));
}

export function sameOwner(entry: Ownership['entry'], manager: FieldManager, operation: string): boolean {
  return (
    entry.manager === manager.name &&
    entry.operation === operation &&
    (entry.subresource ?? '') === (manager.subresource ?? '')
  );
}

/** Entries as stored: empty ones dropped, ordered as kube-apiserver orders them. */
export function encodeOwnership(ownership: Ownership[]): ManagedFieldsEntry[] {
  const seconds = (time: string) => Math.floor(Date.parse(time) / 1000);
  return ownership
    .filter((owner) => owner.fields.size > 0)
    .sort(
      (a, b) =>
        a.entry.operation.localeCompare(b.entry.operation) ||
        seconds(a.entry.time) - seconds(b.entry.time) ||
        a.entry.manager.localeCompare(b.entry.manager) ||
        a.entry.apiVersion.localeCompare(b.entry.apiVersion) ||
        (a.entry.subresource ?? '').localeCompare(b.entry.subresource ?? ''),
    )
    .map(({ entry, fields }) => {
      const { subresource, ...rest } = entry;
      return { ...rest, fieldsV1: toFieldsV1(fields), ...(subresource ? { subresource } : {}) };
    });
}

function sameValue(a: unknown, b: unknown): boolean {
  return JSON.stringify(a) === JSON.stringify(b);
}

/** The paths whose value `after` sets differently from `before` (added included), and those it dropped. */
export function changedFields(
  schema: JsonObject | undefined,
  before: JsonObject | undefined,
  after: JsonObject,
): { changed: FieldPath[]; removed: FieldPath[] } {
  const beforeFields = before ? fieldsOf(before, schema) : new Set<FieldPath>();
  const afterFields = fieldsOf(after, schema);
  const changed = [...afterFields].filter(
    (path) => !beforeFields.has(path) || !sameValue(valueAt(before, path).value, valueAt(after, path).value),
  );
  const removed = [...beforeFields].filter((path) => !afterFields.has(path));
  // A collection that comes into existence is owned by whoever made it, besides its items.
  const collectionsBefore = before ? collectionsOf(before, schema) : new Set<FieldPath>();
  for (const path of collectionsOf(after, schema)) if (!collectionsBefore.has(path)) changed.push(path);
  return { changed, removed };
}

/**
 * managedFields after an Update-operation write (create, PUT, non-apply PATCH) of `after` over `before`:
 * the writer owns what it changed; nobody else keeps what it changed or removed. Undefined when the
 * write changes no field.
 */
export function managedFieldsAfterUpdate(options: {
  type: ResourceType;
  before: JsonObject | undefined;
  after: JsonObject;
  manager: FieldManager;
  time: string;
  apiVersion: string;
}): ManagedFieldsEntry[] | undefined {
  const { changed, removed } = changedFields(options.type.schema, options.before, options.after);
  if (changed.length === 0 && removed.length === 0) return undefined;
  const taken = new Set([...changed, ...removed]);
  // The entries the write carries: the stored ones, or those a PUT sent (an empty list resets them).
  const ownership = ownershipOf(options.after).map((owner) => ({
    entry: owner.entry,
    fields: new Set([...owner.fields].filter((path) => !taken.has(path))),
  }));
  let mine = ownership.find((owner) => sameOwner(owner.entry, options.manager, 'Update'));
  if (!mine) {
    mine = {
      entry: {
        manager: options.manager.name,
        operation: 'Update',
        apiVersion: options.apiVersion,
        time: options.time,
        fieldsType: 'FieldsV1',
        ...(options.manager.subresource ? { subresource: options.manager.subresource } : {}),
      },
      fields: new Set(),
    };
    ownership.push(mine);
  }
  mine.entry = { ...mine.entry, time: options.time, apiVersion: options.apiVersion };
  for (const path of changed) mine.fields.add(path);
  return encodeOwnership(ownership);
}
