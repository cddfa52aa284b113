// Reviews: objects that are created, never stored, and answered with a computed status.
// SelfSubjectAccessReview (`kubectl auth can-i`), SubjectAccessReview (any user, for those allowed to
// create it), SelfSubjectRulesReview (`kubectl auth can-i --list`), SelfSubjectReview (`kubectl auth whoami`).
import type { UserInfo } from './authentication.ts';
import { badRequestError, invalidError } from './errors.ts';
import type { ObjectStore } from './object-store.ts';
import { authorize, rulesFor } from './rbac-authorizer.ts';
import type { RequestAttributes } from './request-attributes.ts';
import { apiVersionOf, type JsonObject, type ResourceType } from './resource-types.ts';

function isObject(value: unknown): value is JsonObject {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function text(value: unknown): string {
  return typeof value === 'string' ? value : '';
}

function attributesOf(type: ResourceType, spec: JsonObject): RequestAttributes {
  const resource = spec.resourceAttributes;
  const nonResource = spec.nonResourceAttributes;
  if (isObject(resource) === isObject(nonResource)) {
    throw invalidError({
      kind: type.kind,
      group: type.group,
      name: '',
      causes: [
        {
          reason: 'FieldValueInvalid',
          field: 'spec.resourceAttributes',
          message: `Invalid value: "null": exactly one of nonResourceAttributes or resourceAttributes must be specified`,
        },
      ],
    });
  }
  if (isObject(nonResource)) {
    return { kind: 'nonResource', verb: text(nonResource.verb), path: text(nonResource.path) };
  }
  const attributes = resource as JsonObject;
  return {
    kind: 'resource',
    verb: text(attributes.verb),
    group: text(attributes.group),
    version: text(attributes.version),
    resource: text(attributes.resource),
    subresource: text(attributes.subresource),
    namespace: text(attributes.namespace),
    name: text(attributes.name),
  };
}

function subjectOf(spec: JsonObject): UserInfo {
  const groups = Array.isArray(spec.groups)
    ? spec.groups.filter((g): g is string => typeof g === 'string')
    : [];
  return { username: text(spec.user), groups };
}

export function answerReview(options: {
  store: ObjectStore;
  type: ResourceType;
  user: UserInfo;
  body: unknown;
}): JsonObject {
  const { store, type, user } = options;
  if (!isObject(options.body)) throw badRequestError('the request body must be a JSON object');
  const spec = isObject(options.body.spec) ? options.body.spec : {};
  const answer = (status: JsonObject): JsonObject => ({
    kind: type.kind,
    apiVersion: apiVersionOf(type),
    metadata: { creationTimestamp: null },
    spec,
    status,
  });
  switch (type.kind) {
    case 'SelfSubjectReview':
      return { ...answer({ userInfo: { username: user.username, groups: user.groups } }), spec: undefined };
    case 'SelfSubjectAccessReview':
    case 'SubjectAccessReview': {
      const subject = type.kind === 'SubjectAccessReview' ? subjectOf(spec) : user;
      const decision = authorize(store, subject, attributesOf(type, spec));
      return answer({ allowed: decision.allowed, ...(decision.reason ? { reason: decision.reason } : {}) });
    }
    case 'SelfSubjectRulesReview': {
      const { rules, errors } = rulesFor(store, user, text(spec.namespace));
      const resourceRules = rules
        .filter((rule) => (rule.nonResourceURLs ?? []).length === 0)
        .map((rule) => ({
          verbs: rule.verbs ?? [],
          apiGroups: rule.apiGroups ?? [],
          resources: rule.resources ?? [],
          ...(rule.resourceNames?.length ? { resourceNames: rule.resourceNames } : {}),
        }));
      const nonResourceRules = rules
        .filter((rule) => (rule.nonResourceURLs ?? []).length > 0)
        .map((rule) => ({ verbs: rule.verbs ?? [], nonResourceURLs: rule.nonResourceURLs ?? [] }));
      return answer({
        resourceRules,
        nonResourceRules,
        incomplete: errors.length > 0,
        ...(errors.length > 0 ? { evaluationError: errors.join(', ') } : {}),
      });
    }
    default:
      throw badRequestError(`${type.kind} is not a review the API test server answers`);
  }
}
