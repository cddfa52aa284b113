// RFC 7386 JSON merge patches computed from two versions of a document: changed values are set,
// removed keys become null, arrays are replaced whole (as merge patch semantics require).

type Json = null | boolean | number | string | Json[] | { [key: string]: Json };

export function createMergePatch(before: unknown, after: unknown): Record<string, unknown> | undefined {
  const patch = diff(before as Json, after as Json);
  return patch === undefined ? undefined : (patch as Record<string, unknown>);
}

function isObject(value: unknown): value is Record<string, Json> {
  return value !== null && typeof value === 'object' && !Array.isArray(value);
}

function diff(before: Json | undefined, after: Json | undefined): Json | undefined {
  if (!isObject(before) || !isObject(after)) {
    return JSON.stringify(before) === JSON.stringify(after) ? undefined : (after ?? null);
  }
  const patch: Record<string, Json> = {};
  for (const key of Object.keys(before)) {
    if (!(key in after) || after[key] === undefined) patch[key] = null;
  }
  for (const [key, value] of Object.entries(after)) {
    if (value === undefined) continue;
    const child = diff(before[key], value);
    if (child !== undefined) patch[key] = child;
  }
  return Object.keys(patch).length ? patch : undefined;
}
