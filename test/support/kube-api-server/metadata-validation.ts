// ObjectMeta checks kube-apiserver applies to every kind: names, labels, finalizers.
import type { StatusCause } from './errors.ts';
import type { JsonObject } from './resource-types.ts';

const DNS1123_LABEL = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/;
const DNS1123_SUBDOMAIN = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/;
const QUALIFIED_NAME =
  /^([a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*\/)?[A-Za-z0-9]([-A-Za-z0-9_.]{0,61}[A-Za-z0-9])?$/;
const LABEL_VALUE = /^(([A-Za-z0-9][-A-Za-z0-9_.]{0,61})?[A-Za-z0-9])?$/;

/** Namespaces (and nodes' peers) use DNS-1123 labels; most other kinds use subdomains. */
/** RBAC objects are named by path segments, so `system:discovery` is a valid name. */
const PATH_SEGMENT_NAMED = new Set(['Role', 'ClusterRole', 'RoleBinding', 'ClusterRoleBinding']);

function pathSegmentCauses(name: string): StatusCause[] {
  const problem =
    name === '.' || name === '..'
      ? `may not be '${name}'`
      : name.includes('/')
        ? "may not contain '/'"
        : name.includes('%')
          ? "may not contain '%'"
          : undefined;
  if (!problem) return [];
  return [
    { reason: 'FieldValueInvalid', field: 'metadata.name', message: `Invalid value: "${name}": ${problem}` },
  ];
}

export function nameCauses(options: { name: string; kind: string }): StatusCause[] {
  const { name, kind } = options;
  if (PATH_SEGMENT_NAMED.has(kind)) return pathSegmentCauses(name);
  const isLabel = kind === 'Namespace';
  const valid = isLabel
    ? name.length <= 63 && DNS1123_LABEL.test(name)
    : name.length <= 253 && DNS1123_SUBDOMAIN.test(name);
  if (valid) return [];
  const rule = isLabel
    ? "a lowercase RFC 1123 label must consist of lower case alphanumeric characters or '-', and must start and end with an alphanumeric character"
    : "a lowercase RFC 1123 subdomain must consist of lower case alphanumeric characters, '-' or '.', and must start and end with an alphanumeric character";
  return [
    { reason: 'FieldValueInvalid', field: 'metadata.name', message: `Invalid value: "${name}": ${rule}` },
  ];
}

export function metadataCauses(metadata: JsonObject): StatusCause[] {
  const causes: StatusCause[] = [];
  const labels = metadata.labels;
  if (labels !== undefined && labels !== null) {
    if (typeof labels !== 'object' || Array.isArray(labels)) {
      causes.push({ reason: 'FieldValueTypeInvalid', field: 'metadata.labels', message: 'must be a map' });
    } else {
      for (const [key, value] of Object.entries(labels)) {
        if (!QUALIFIED_NAME.test(key)) {
          causes.push({
            reason: 'FieldValueInvalid',
            field: 'metadata.labels',
            message: `Invalid value: "${key}": name part must be a qualified name`,
          });
        }
        if (typeof value !== 'string' || !LABEL_VALUE.test(value)) {
          causes.push({
            reason: 'FieldValueInvalid',
            field: 'metadata.labels',
            message: `Invalid value: ${JSON.stringify(value)}: a valid label must be an empty string or consist of alphanumeric characters, '-', '_' or '.'`,
          });
        }
      }
    }
  }
  const finalizers = metadata.finalizers;
  if (finalizers !== undefined && finalizers !== null) {
    if (!Array.isArray(finalizers)) {
      causes.push({
        reason: 'FieldValueTypeInvalid',
        field: 'metadata.finalizers',
        message: 'must be a list',
      });
    } else {
      finalizers.forEach((finalizer, index) => {
        if (typeof finalizer !== 'string' || !QUALIFIED_NAME.test(finalizer)) {
          causes.push({
            reason: 'FieldValueInvalid',
            field: `metadata.finalizers[${index}]`,
            message: `Invalid value: ${JSON.stringify(finalizer)}: name part must be a qualified name`,
          });
        }
      });
    }
  }
  const owners = metadata.ownerReferences;
  if (owners !== undefined && owners !== null) {
    if (!Array.isArray(owners)) {
      causes.push({
        reason: 'FieldValueTypeInvalid',
        field: 'metadata.ownerReferences',
        message: 'must be a list',
      });
    } else {
      owners.forEach((owner, index) => {
        const ref = owner as JsonObject;
        for (const key of ['apiVersion', 'kind', 'name', 'uid']) {
          if (typeof ref?.[key] !== 'string' || ref[key] === '') {
            causes.push({
              reason: 'FieldValueRequired',
              field: `metadata.ownerReferences[${index}].${key}`,
              message: 'Required value',
            });
          }
        }
      });
      if (owners.filter((owner) => (owner as JsonObject)?.controller === true).length > 1) {
        causes.push({
          reason: 'FieldValueInvalid',
          field: 'metadata.ownerReferences',
          message: 'Only one reference can have Controller set to true',
        });
      }
    }
  }
  return causes;
}
