// One RBAC PolicyRule against one request, with kube-apiserver's matching rules: `*` for verbs, groups
// and resources; `*/status` for a subresource of any resource; resourceNames only for requests that
// name an object; non-resource URLs exact or by a trailing `*` prefix.
import type { RequestAttributes } from './request-attributes.ts';

export interface PolicyRule {
  verbs?: string[];
  apiGroups?: string[];
  resources?: string[];
  resourceNames?: string[];
  nonResourceURLs?: string[];
}

function has(list: string[] | undefined, value: string): boolean {
  return (list ?? []).some((item) => item === '*' || item === value);
}

function resourceMatches(rule: PolicyRule, resource: string, subresource: string): boolean {
  const combined = subresource ? `${resource}/${subresource}` : resource;
  return (rule.resources ?? []).some(
    (item) => item === '*' || item === combined || (subresource !== '' && item === `*/${subresource}`),
  );
}

function nonResourceUrlMatches(rule: PolicyRule, path: string): boolean {
  return (rule.nonResourceURLs ?? []).some(
    (item) => item === '*' || item === path || (item.endsWith('*') && path.startsWith(item.slice(0, -1))),
  );
}

export function ruleAllows(rule: PolicyRule, attributes: RequestAttributes): boolean {
  if (!has(rule.verbs, attributes.verb)) return false;
  if (attributes.kind === 'nonResource') return nonResourceUrlMatches(rule, attributes.path);
  if (!has(rule.apiGroups, attributes.group)) return false;
  if (!resourceMatches(rule, attributes.resource, attributes.subresource)) return false;
  const names = rule.resourceNames ?? [];
  return names.length === 0 || (attributes.name !== '' && names.includes(attributes.name));
}
