// What kube-apiserver refuses in RBAC objects (422), so a wrong rule file fails here as on a cluster:
// rules without verbs, resource rules without groups or resources, non-resource URLs in a Role or mixed
// with resources, bindings to unknown role kinds or subject kinds, and a changed roleRef.
import type { StatusCause } from './errors.ts';
import { RBAC_GROUP } from './rbac-authorizer.ts';
import type { JsonObject, ResourceType } from './resource-types.ts';

function list(value: unknown): unknown[] {
  return Array.isArray(value) ? value : [];
}

function goStrings(value: unknown[]): string {
  return `[]string{${value.map((item) => JSON.stringify(String(item))).join(', ')}}`;
}

function required(field: string, detail: string): StatusCause {
  return { reason: 'FieldValueRequired', field, message: `Required value${detail ? `: ${detail}` : ''}` };
}

function unsupported(field: string, value: unknown, supported: string[]): StatusCause {
  return {
    reason: 'FieldValueNotSupported',
    field,
    message: `Unsupported value: ${JSON.stringify(String(value ?? ''))}: supported values: ${supported.map((s) => JSON.stringify(s)).join(', ')}`,
  };
}

function ruleCauses(rule: unknown, field: string, namespaced: boolean): StatusCause[] {
  const r = (typeof rule === 'object' && rule !== null ? rule : {}) as JsonObject;
  const causes: StatusCause[] = [];
  if (list(r.verbs).length === 0)
    causes.push(required(`${field}.verbs`, 'verbs must contain at least one value'));
  const urls = list(r.nonResourceURLs);
  if (urls.length > 0) {
    const invalid = (detail: string): StatusCause => ({
      reason: 'FieldValueInvalid',
      field: `${field}.nonResourceURLs`,
      message: `Invalid value: ${goStrings(urls)}: ${detail}`,
    });
    if (namespaced) causes.push(invalid('namespaced rules cannot apply to non-resource URLs'));
    if (list(r.apiGroups).length > 0 || list(r.resources).length > 0 || list(r.resourceNames).length > 0) {
      causes.push(invalid('rules cannot apply to both regular resources and non-resource URLs'));
    }
    return causes;
  }
  if (list(r.apiGroups).length === 0) {
    causes.push(required(`${field}.apiGroups`, 'resource rules must supply at least one api group'));
  }
  if (list(r.resources).length === 0) {
    causes.push(required(`${field}.resources`, 'resource rules must supply at least one resource'));
  }
  return causes;
}

function bindingCauses(object: JsonObject, clusterBinding: boolean): StatusCause[] {
  const causes: StatusCause[] = [];
  const roleRef = (object.roleRef ?? {}) as JsonObject;
  if (roleRef.apiGroup !== RBAC_GROUP)
    causes.push(unsupported('roleRef.apiGroup', roleRef.apiGroup, [RBAC_GROUP]));
  const kinds = clusterBinding ? ['ClusterRole'] : ['Role', 'ClusterRole'];
  if (!kinds.includes(String(roleRef.kind))) causes.push(unsupported('roleRef.kind', roleRef.kind, kinds));
  if (!roleRef.name) causes.push(required('roleRef.name', ''));
  list(object.subjects).forEach((raw, index) => {
    const subject = (typeof raw === 'object' && raw !== null ? raw : {}) as JsonObject;
    const field = `subjects[${index}]`;
    if (!subject.name) causes.push(required(`${field}.name`, ''));
    switch (subject.kind) {
      case 'ServiceAccount':
        if (subject.apiGroup) causes.push(unsupported(`${field}.apiGroup`, subject.apiGroup, ['']));
        if (clusterBinding && !subject.namespace) causes.push(required(`${field}.namespace`, ''));
        break;
      case 'User':
      case 'Group':
        if (subject.apiGroup !== RBAC_GROUP) {
          causes.push(unsupported(`${field}.apiGroup`, subject.apiGroup, [RBAC_GROUP]));
        }
        break;
      default:
        causes.push(unsupported(`${field}.kind`, subject.kind, ['ServiceAccount', 'User', 'Group']));
    }
  });
  return causes;
}

/** Problems of an RBAC object about to be stored; none for other kinds. */
export function rbacCauses(type: ResourceType, object: JsonObject): StatusCause[] {
  if (type.group !== RBAC_GROUP) return [];
  switch (type.kind) {
    case 'Role':
    case 'ClusterRole':
      return list(object.rules).flatMap((rule, index) =>
        ruleCauses(rule, `rules[${index}]`, type.kind === 'Role'),
      );
    case 'RoleBinding':
    case 'ClusterRoleBinding':
      return bindingCauses(object, type.kind === 'ClusterRoleBinding');
    default:
      return [];
  }
}

/** A binding's roleRef cannot change; a different role needs a new binding. */
export function rbacUpdateCauses(type: ResourceType, existing: JsonObject, next: JsonObject): StatusCause[] {
  if (type.group !== RBAC_GROUP || !type.kind.endsWith('Binding')) return [];
  const before = (existing.roleRef ?? {}) as JsonObject;
  const after = (next.roleRef ?? {}) as JsonObject;
  if (before.apiGroup === after.apiGroup && before.kind === after.kind && before.name === after.name)
    return [];
  return [
    {
      reason: 'FieldValueInvalid',
      field: 'roleRef',
      message: `Invalid value: rbac.RoleRef{APIGroup:${JSON.stringify(String(after.apiGroup ?? ''))}, Kind:${JSON.stringify(String(after.kind ?? ''))}, Name:${JSON.stringify(String(after.name ?? ''))}}: cannot change roleRef`,
    },
  ];
}
