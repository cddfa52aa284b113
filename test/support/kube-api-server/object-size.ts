// Size limits of a real control plane. kube-apiserver refuses request bodies over 3 MiB with 413; etcd
// refuses to store a value over 1.5 MiB (--max-request-bytes), which kube-apiserver passes on as a
// 500 "etcdserver: request is too large". Custom resources are stored as JSON, so the JSON size of the
// stored object is what counts here (built-in kinds are stored as smaller protobuf in a real cluster).
import { KubeApiError } from './errors.ts';
import { objectJson } from './json-cache.ts';
import type { JsonObject } from './resource-types.ts';

export const MAX_REQUEST_BODY_BYTES = 3 * 1024 * 1024;
export const MAX_STORED_OBJECT_BYTES = 1.5 * 1024 * 1024;

export function requestEntityTooLargeError(): KubeApiError {
  return new KubeApiError({
    code: 'RequestEntityTooLarge',
    httpStatus: 413,
    reason: 'RequestEntityTooLarge',
    message: `Request entity too large: limit is ${MAX_REQUEST_BODY_BYTES}`,
  });
}

/** Refuses, as etcd does, to store an object whose serialised form is over 1.5 MiB. */
export function checkStoredSize(object: JsonObject): void {
  if (Buffer.byteLength(objectJson(object)) <= MAX_STORED_OBJECT_BYTES) return;
  // kube-apiserver does not map this etcd error to a Status of its own: it becomes a 500 without reason.
  throw new KubeApiError({
    code: 'InternalError',
    httpStatus: 500,
    reason: '',
    message: 'etcdserver: request is too large',
  });
}
