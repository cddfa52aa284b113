// Serialised JSON of stored objects, cached per object. Stored objects are never mutated (writers replace
// them), so the text stays valid for as long as the object is alive; big lists then cost one join.
import type { JsonObject } from './resource-types.ts';

const serialised = new WeakMap<JsonObject, string>();

export function objectJson(object: JsonObject): string {
  let text = serialised.get(object);
  if (text === undefined) {
    text = JSON.stringify(object);
    serialised.set(object, text);
  }
  return text;
}

/** `{"kind":...,"apiVersion":...,"metadata":...,"items":[...]}` built from cached item texts. */
export function listJson(options: { head: JsonObject; items: JsonObject[] }): string {
  const head = JSON.stringify(options.head).slice(0, -1);
  const separator = head.endsWith('{') ? '' : ',';
  return `${head}${separator}"items":[${options.items.map(objectJson).join(',')}]}`;
}
