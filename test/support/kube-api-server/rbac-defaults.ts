// The RBAC objects every cluster starts with that decide what an identity without bindings may do:
// cluster-admin for system:masters, discovery and self-reviews for any authenticated user, health and
// version for everyone. Stored like any object, so `kubectl get clusterroles` shows them.
import { RBAC_GROUP } from './rbac-authorizer.ts';
import type { JsonObject } from './resource-types.ts';

const bootstrap = {
  labels: { 'kubernetes.io/bootstrapping': 'rbac-defaults' },
  annotations: { 'rbac.authorization.kubernetes.io/autoupdate': 'true' },
};

function clusterRole(name: string, rules: JsonObject[]): JsonObject {
  return {
    apiVersion: `${RBAC_GROUP}/v1`,
    kind: 'ClusterRole',
    metadata: { name, ...bootstrap },
    rules,
  };
}

function bindingToGroups(name: string, groups: string[]): JsonObject {
  return {
    apiVersion: `${RBAC_GROUP}/v1`,
    kind: 'ClusterRoleBinding',
    metadata: { name, ...bootstrap },
    roleRef: { apiGroup: RBAC_GROUP, kind: 'ClusterRole', name },
    subjects: groups.map((group) => ({ apiGroup: RBAC_GROUP, kind: 'Group', name: group })),
  };
}

const PUBLIC_PATHS = ['/healthz', '/livez', '/readyz', '/version', '/version/'];

export function defaultRbacObjects(): JsonObject[] {
  return [
    clusterRole('cluster-admin', [
      { apiGroups: ['*'], resources: ['*'], verbs: ['*'] },
      { nonResourceURLs: ['*'], verbs: ['*'] },
    ]),
    bindingToGroups('cluster-admin', ['system:masters']),
    clusterRole('system:discovery', [
      {
        nonResourceURLs: ['/api', '/api/*', '/apis', '/apis/*', '/openapi', '/openapi/*', ...PUBLIC_PATHS],
        verbs: ['get'],
      },
    ]),
    bindingToGroups('system:discovery', ['system:authenticated']),
    clusterRole('system:basic-user', [
      {
        apiGroups: ['authorization.k8s.io'],
        resources: ['selfsubjectaccessreviews', 'selfsubjectrulesreviews'],
        verbs: ['create'],
      },
      { apiGroups: ['authentication.k8s.io'], resources: ['selfsubjectreviews'], verbs: ['create'] },
    ]),
    bindingToGroups('system:basic-user', ['system:authenticated']),
    clusterRole('system:public-info-viewer', [{ nonResourceURLs: PUBLIC_PATHS, verbs: ['get'] }]),
    bindingToGroups('system:public-info-viewer', ['system:authenticated', 'system:unauthenticated']),
  ];
}
