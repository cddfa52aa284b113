// Role-based access control as kube-apiserver evaluates it, read from the stored Roles, ClusterRoles,
// RoleBindings and ClusterRoleBindings on every request (so bindings created through the API apply at
// once). The system:masters group is allowed everything; otherwise ClusterRoleBindings grant
// everywhere and RoleBindings grant inside their namespace. A denial is a 403 worded as a cluster's.
import type { UserInfo } from './authentication.ts';
import { KubeApiError } from './errors.ts';
import type { ObjectStore } from './object-store.ts';
import { type PolicyRule, ruleAllows } from './rbac-rules.ts';
import { type RequestAttributes, resourceWithSubresource } from './request-attributes.ts';

export const RBAC_GROUP = 'rbac.authorization.k8s.io';

const STORAGE = {
  roles: `roles.${RBAC_GROUP}`,
  clusterRoles: `clusterroles.${RBAC_GROUP}`,
  roleBindings: `rolebindings.${RBAC_GROUP}`,
  clusterRoleBindings: `clusterrolebindings.${RBAC_GROUP}`,
};

export interface Subject {
  kind?: string;
  apiGroup?: string;
  name?: string;
  namespace?: string;
}

interface Binding {
  metadata: { name: string; namespace?: string };
  roleRef?: { kind?: string; name?: string };
  subjects?: Subject[];
}

interface Role {
  rules?: PolicyRule[];
}

export interface Decision {
  allowed: boolean;
  /** `RBAC: allowed by ...` when allowed; why a binding could not be used when denied (often ''). */
  reason: string;
}

export function subjectMatches(subject: Subject, user: UserInfo, bindingNamespace: string): boolean {
  switch (subject.kind) {
    case 'User':
      return subject.name === user.username;
    case 'Group':
      return subject.name !== undefined && user.groups.includes(subject.name);
    case 'ServiceAccount': {
      const namespace = subject.namespace || bindingNamespace;
      return user.username === `system:serviceaccount:${namespace}:${subject.name}`;
    }
    default:
      return false;
  }
}

function describeSubject(subject: Subject, bindingNamespace: string): string {
  if (subject.kind === 'ServiceAccount') {
    return `ServiceAccount ${JSON.stringify(`${subject.name}/${subject.namespace || bindingNamespace}`)}`;
  }
  return `${subject.kind} ${JSON.stringify(subject.name)}`;
}

/** A binding that applies to the user, with the rules of the role it refers to (or why they are missing). */
interface Grant {
  rules: PolicyRule[];
  /** Set when the role is missing: `clusterrole.rbac.authorization.k8s.io "x" not found`. */
  error?: string;
  describe: () => string;
}

function* grantsFor(store: ObjectStore, user: UserInfo, namespace: string): Generator<Grant> {
  const roleOf = (kind: string | undefined, name: string, roleNamespace: string): Grant['rules'] | string => {
    const clusterScoped = kind !== 'Role';
    const role = clusterScoped
      ? (store.storage(STORAGE.clusterRoles).get('', name) as Role | undefined)
      : (store.storage(STORAGE.roles).get(roleNamespace, name) as Role | undefined);
    if (!role)
      return `${clusterScoped ? 'clusterrole' : 'role'}.${RBAC_GROUP} ${JSON.stringify(name)} not found`;
    return role.rules ?? [];
  };
  const sources: { storageKey: string; namespace: string; label: string }[] = [
    { storageKey: STORAGE.clusterRoleBindings, namespace: '', label: 'ClusterRoleBinding' },
  ];
  if (namespace !== '') sources.push({ storageKey: STORAGE.roleBindings, namespace, label: 'RoleBinding' });
  for (const source of sources) {
    for (const raw of store.storage(source.storageKey).listSorted(source.namespace)) {
      const binding = raw as unknown as Binding;
      const subject = (binding.subjects ?? []).find((s) => subjectMatches(s, user, source.namespace));
      if (!subject) continue;
      const roleName = binding.roleRef?.name ?? '';
      const found = roleOf(binding.roleRef?.kind, roleName, source.namespace);
      const bindingName =
        source.label === 'RoleBinding'
          ? `${binding.metadata.name}/${source.namespace}`
          : binding.metadata.name;
      yield {
        rules: typeof found === 'string' ? [] : found,
        ...(typeof found === 'string' ? { error: found } : {}),
        describe: () =>
          `${source.label} ${JSON.stringify(bindingName)} of ${binding.roleRef?.kind} ${JSON.stringify(roleName)} to ${describeSubject(subject, source.namespace)}`,
      };
    }
  }
}

export function authorize(store: ObjectStore, user: UserInfo, attributes: RequestAttributes): Decision {
  if (user.groups.includes('system:masters')) return { allowed: true, reason: '' };
  const namespace = attributes.kind === 'resource' ? attributes.namespace : '';
  const errors: string[] = [];
  for (const grant of grantsFor(store, user, namespace)) {
    if (grant.error) errors.push(grant.error);
    if (grant.rules.some((rule) => ruleAllows(rule, attributes))) {
      return { allowed: true, reason: `RBAC: allowed by ${grant.describe()}` };
    }
  }
  if (errors.length === 0) return { allowed: false, reason: '' };
  return { allowed: false, reason: `RBAC: ${errors.length === 1 ? errors[0] : `[${errors.join(', ')}]`}` };
}

/** Every rule that applies to the user in a namespace (cluster-wide ones included), for SelfSubjectRulesReview. */
export function rulesFor(
  store: ObjectStore,
  user: UserInfo,
  namespace: string,
): { rules: PolicyRule[]; errors: string[] } {
  const rules: PolicyRule[] = [];
  const errors: string[] = [];
  for (const grant of grantsFor(store, user, namespace)) {
    rules.push(...grant.rules);
    if (grant.error) errors.push(grant.error);
  }
  return { rules, errors };
}

/** `User "x" cannot patch resource "chaosexperiments/status" in API group "chaoscraft.io" in the namespace "shop"` */
function forbiddenMessage(user: UserInfo, attributes: RequestAttributes): string {
  const who = `User ${JSON.stringify(user.username)}`;
  if (attributes.kind === 'nonResource') {
    return `${who} cannot ${attributes.verb} path ${JSON.stringify(attributes.path)}`;
  }
  const what = `${who} cannot ${attributes.verb} resource ${JSON.stringify(resourceWithSubresource(attributes))} in API group ${JSON.stringify(attributes.group)}`;
  return attributes.namespace
    ? `${what} in the namespace ${JSON.stringify(attributes.namespace)}`
    : `${what} at the cluster scope`;
}

export function forbiddenError(user: UserInfo, attributes: RequestAttributes, reason: string): KubeApiError {
  const detail = reason
    ? `${forbiddenMessage(user, attributes)}: ${reason}`
    : forbiddenMessage(user, attributes);
  if (attributes.kind === 'nonResource') {
    return new KubeApiError({
      code: 'Forbidden',
      httpStatus: 403,
      reason: 'Forbidden',
      message: `forbidden: ${detail}`,
      details: {},
    });
  }
  const qualified = attributes.group ? `${attributes.resource}.${attributes.group}` : attributes.resource;
  const subject = attributes.name ? `${qualified} ${JSON.stringify(attributes.name)}` : qualified;
  return new KubeApiError({
    code: 'Forbidden',
    httpStatus: 403,
    reason: 'Forbidden',
    message: `${subject} is forbidden: ${detail}`,
    details: {
      ...(attributes.name ? { name: attributes.name } : {}),
      ...(attributes.group ? { group: attributes.group } : {}),
      kind: attributes.resource,
    },
  });
}
