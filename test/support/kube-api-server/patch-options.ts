// Who a write is by, for managedFields, and the PatchOptions checks kube-apiserver makes: an apply needs
// `fieldManager`; `force` is for applies only; a manager name has at most 128 bytes.

import type { PatchType } from './content-types.ts';
import { invalidError, type StatusCause } from './errors.ts';
import type { FieldManager } from './managed-fields.ts';

/** The `fieldManager` parameter, else the product name of the User-Agent (`kubectl/v1.32.4 ...` → `kubectl`). */
export function fieldManagerOf(options: {
  query: URLSearchParams;
  userAgent: string | undefined;
  subresource: 'status' | undefined;
}): FieldManager {
  const name = options.query.get('fieldManager') || (options.userAgent ?? '').split('/')[0] || 'unknown';
  return { name, ...(options.subresource ? { subresource: options.subresource } : {}) };
}

export function checkPatchOptions(query: URLSearchParams, patchType: PatchType): void {
  const causes: StatusCause[] = [];
  const manager = query.get('fieldManager');
  if (patchType === 'apply' && !manager) {
    causes.push({
      reason: 'FieldValueRequired',
      field: 'fieldManager',
      message: 'Required value: is required for apply patch',
    });
  }
  if (patchType !== 'apply' && query.has('force')) {
    causes.push({
      reason: 'FieldValueForbidden',
      field: 'force',
      message: 'Forbidden: may not be specified for non-apply patch',
    });
  }
  if (manager && Buffer.byteLength(manager) > 128) {
    causes.push({
      reason: 'FieldValueTooLong',
      field: 'fieldManager',
      message: 'Too long: may not be more than 128 bytes',
    });
  }
  if (causes.length > 0) {
    throw invalidError({ kind: 'PatchOptions', group: 'meta.k8s.io', name: '', causes });
  }
}
