// JSON merge patch (RFC 7386) and JSON patch (RFC 6902), applied to copies: inputs are never mutated.
import { KubeApiError } from './errors.ts';

type Json = unknown;

function isPlainObject(value: Json): value is Record<string, Json> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

export class PatchError extends KubeApiError {
  constructor(options: { message: string; status?: number }) {
    const httpStatus = options.status ?? 422;
    super({
      code: httpStatus === 409 ? 'Conflict' : httpStatus === 400 ? 'BadRequest' : 'Invalid',
      httpStatus,
      reason: httpStatus === 409 ? 'Conflict' : httpStatus === 400 ? 'BadRequest' : 'Invalid',
      message: options.message,
    });
    this.name = 'PatchError';
  }
}

/** RFC 7386: objects merge recursively, null deletes, everything else (arrays included) replaces. */
export function applyMergePatch(target: Json, patch: Json): Json {
  if (!isPlainObject(patch)) return structuredClone(patch);
  const result: Record<string, Json> = isPlainObject(target) ? { ...target } : {};
  for (const [key, value] of Object.entries(patch)) {
    if (value === null) {
      delete result[key];
    } else {
      result[key] = applyMergePatch(result[key], value);
    }
  }
  return result;
}

export interface JsonPatchOperation {
  op: 'add' | 'remove' | 'replace' | 'move' | 'copy' | 'test';
  path: string;
  from?: string;
  value?: Json;
}

function parsePointer(pointer: string): string[] {
  if (pointer === '') return [];
  if (!pointer.startsWith('/'))
    throw new PatchError({ message: `invalid JSON pointer "${pointer}"`, status: 400 });
  return pointer
    .slice(1)
    .split('/')
    .map((token) => token.replaceAll('~1', '/').replaceAll('~0', '~'));
}

function parentAndKey(document: Json, pointer: string): { parent: Json; key: string } {
  const tokens = parsePointer(pointer);
  if (tokens.length === 0)
    throw new PatchError({ message: 'the root cannot be the target of this operation' });
  let parent: Json = document;
  for (const token of tokens.slice(0, -1)) {
    parent = childOf(parent, token, pointer);
  }
  return { parent, key: tokens[tokens.length - 1]! };
}

function childOf(container: Json, token: string, pointer: string): Json {
  if (Array.isArray(container)) {
    const index = Number(token);
    if (!/^\d+$/.test(token) || index >= container.length) {
      throw new PatchError({ message: `unable to find path "${pointer}": index ${token} out of range` });
    }
    return container[index];
  }
  if (isPlainObject(container) && Object.hasOwn(container, token)) return container[token];
  throw new PatchError({ message: `doc is missing path: "${pointer}": missing value` });
}

function getAt(document: Json, pointer: string): Json {
  let current = document;
  for (const token of parsePointer(pointer)) current = childOf(current, token, pointer);
  return current;
}

function removeAt(document: Json, pointer: string): Json {
  const { parent, key } = parentAndKey(document, pointer);
  if (Array.isArray(parent)) {
    const index = Number(key);
    if (!/^\d+$/.test(key) || index >= parent.length) {
      throw new PatchError({ message: `unable to remove "${pointer}": index out of range` });
    }
    return parent.splice(index, 1)[0];
  }
  if (isPlainObject(parent) && Object.hasOwn(parent, key)) {
    const removed = parent[key];
    delete parent[key];
    return removed;
  }
  throw new PatchError({ message: `unable to remove nonexistent key: ${key}: missing value` });
}

function addAt(document: Json, pointer: string, value: Json): Json {
  if (pointer === '') return value;
  const { parent, key } = parentAndKey(document, pointer);
  if (Array.isArray(parent)) {
    const index = key === '-' ? parent.length : Number(key);
    if (key !== '-' && (!/^\d+$/.test(key) || index > parent.length)) {
      throw new PatchError({ message: `unable to add "${pointer}": index out of range` });
    }
    parent.splice(index, 0, value);
  } else if (isPlainObject(parent)) {
    parent[key] = value;
  } else {
    throw new PatchError({ message: `unable to add "${pointer}": parent is not a container` });
  }
  return document;
}

function deepEqual(a: Json, b: Json): boolean {
  if (a === b) return true;
  if (Array.isArray(a) && Array.isArray(b)) {
    return a.length === b.length && a.every((item, index) => deepEqual(item, b[index]));
  }
  if (isPlainObject(a) && isPlainObject(b)) {
    const keys = Object.keys(a);
    return (
      keys.length === Object.keys(b).length &&
      keys.every((key) => Object.hasOwn(b, key) && deepEqual(a[key], b[key]))
    );
  }
  return false;
}

export function jsonEqual(a: Json, b: Json): boolean {
  return deepEqual(a, b);
}

export function applyJsonPatch(target: Json, operations: unknown): Json {
  if (!Array.isArray(operations)) {
    throw new PatchError({ message: 'a JSON patch must be an array of operations', status: 400 });
  }
  let document = structuredClone(target);
  for (const raw of operations) {
    const operation = raw as JsonPatchOperation;
    if (!isPlainObject(raw) || typeof operation.path !== 'string') {
      throw new PatchError({ message: 'every JSON patch operation needs "op" and "path"', status: 400 });
    }
    switch (operation.op) {
      case 'add':
        document = addAt(document, operation.path, structuredClone(operation.value));
        break;
      case 'remove':
        removeAt(document, operation.path);
        break;
      case 'replace':
        if (operation.path === '') {
          document = structuredClone(operation.value);
        } else {
          removeAt(document, operation.path);
          document = addAt(document, operation.path, structuredClone(operation.value));
        }
        break;
      case 'move': {
        const moved = removeAt(document, String(operation.from));
        document = addAt(document, operation.path, moved);
        break;
      }
      case 'copy':
        document = addAt(document, operation.path, structuredClone(getAt(document, String(operation.from))));
        break;
      case 'test':
        if (!deepEqual(getAt(document, operation.path), operation.value)) {
          throw new PatchError({ message: `testing value ${operation.path} failed: test failed` });
        }
        break;
      default:
        throw new PatchError({ message: `Unexpected kind: ${String(operation.op)}`, status: 400 });
    }
  }
  return document;
}
