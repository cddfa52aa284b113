// Strategic merge patch for built-in kinds: like a JSON merge patch, except that lists kube declares
// with a merge key are merged item by item (containers by name, conditions by type, ...), finalizers
// are merged as a set, and the `$patch`, `$deleteFromPrimitiveList/…`, `$retainKeys` and
// `$setElementOrder/…` directives kubectl sends are understood. The merge keys come from the field's
// name rather than its full path, which is exact for the kinds served here.
import { PatchError } from './patch.ts';

type Json = unknown;
type JsonMap = Record<string, Json>;

/** Fields whose lists merge by a key, as the Go types of kube's built-in kinds declare them. */
const MERGE_KEYS: Record<string, string> = {
  containers: 'name',
  initContainers: 'name',
  ephemeralContainers: 'name',
  env: 'name',
  ports: 'containerPort',
  volumeMounts: 'mountPath',
  volumeDevices: 'devicePath',
  volumes: 'name',
  imagePullSecrets: 'name',
  hostAliases: 'ip',
  conditions: 'type',
  ownerReferences: 'uid',
  containerStatuses: 'name',
};

/** Lists of scalars merged as sets. */
const SET_LISTS = new Set(['finalizers']);

function isMap(value: Json): value is JsonMap {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function withoutDirectives(value: Json): Json {
  if (Array.isArray(value))
    return value.filter((item) => !(isMap(item) && '$patch' in item)).map(withoutDirectives);
  if (!isMap(value)) return value;
  const result: JsonMap = {};
  for (const [key, child] of Object.entries(value))
    if (!key.startsWith('$')) result[key] = withoutDirectives(child);
  return result;
}

function mergeKeyedList(current: Json, patch: Json[], key: string): Json[] {
  if (patch.some((item) => isMap(item) && item.$patch === 'replace'))
    return withoutDirectives(patch) as Json[];
  const result = Array.isArray(current) ? [...current] : [];
  for (const item of patch) {
    if (!isMap(item))
      throw new PatchError({
        message: `strategic merge patch: items of a list keyed by ${key} must be objects`,
        status: 400,
      });
    const index = result.findIndex((existing) => isMap(existing) && existing[key] === item[key]);
    if (item.$patch === 'delete') {
      if (index >= 0) result.splice(index, 1);
    } else if (index >= 0) {
      result[index] = applyStrategicMergePatch(result[index], item);
    } else {
      result.push(withoutDirectives(item));
    }
  }
  return result;
}

function mergeSet(current: Json, patch: Json[]): Json[] {
  const result = Array.isArray(current) ? [...current] : [];
  for (const item of patch) if (!result.includes(item)) result.push(item);
  return result;
}

/** Applies a strategic merge patch to a copy of `target`. */
export function applyStrategicMergePatch(target: Json, patch: Json): Json {
  if (!isMap(patch)) return structuredClone(patch);
  if (patch.$patch === 'replace') return withoutDirectives(patch);
  const result: JsonMap = isMap(target) ? { ...target } : {};
  for (const [key, value] of Object.entries(patch)) {
    if (key.startsWith('$deleteFromPrimitiveList/')) {
      const field = key.slice('$deleteFromPrimitiveList/'.length);
      const remove = Array.isArray(value) ? value : [];
      if (Array.isArray(result[field]))
        result[field] = (result[field] as Json[]).filter((item) => !remove.includes(item));
      continue;
    }
    if (key.startsWith('$')) continue;
    if (value === null) {
      delete result[key];
    } else if (isMap(value) && value.$patch === 'delete') {
      delete result[key];
    } else if (Array.isArray(value) && MERGE_KEYS[key]) {
      result[key] = mergeKeyedList(result[key], value, MERGE_KEYS[key]);
    } else if (Array.isArray(value) && SET_LISTS.has(key)) {
      result[key] = mergeSet(result[key], value);
    } else if (isMap(value)) {
      result[key] = applyStrategicMergePatch(result[key], value);
    } else {
      result[key] = structuredClone(value);
    }
  }
  if (Array.isArray(patch.$retainKeys)) {
    const keep = new Set(patch.$retainKeys as string[]);
    for (const key of Object.keys(result)) if (!keep.has(key)) delete result[key];
  }
  return result;
}
