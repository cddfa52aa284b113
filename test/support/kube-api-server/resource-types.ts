// What the server knows about each resource it serves: built-in kinds here, CRD kinds from crd-loader.ts.

export type JsonObject = Record<string, unknown>;

/** A CRD `additionalPrinterColumns` entry. */
export interface PrinterColumn {
  name: string;
  type: string;
  jsonPath: string;
  description?: string;
  priority?: number;
  format?: string;
}

export interface ResourceType {
  group: string;
  version: string;
  plural: string;
  singular: string;
  kind: string;
  namespaced: boolean;
  shortNames: string[];
  categories: string[];
  /** With a status subresource, the main endpoint ignores status and `/status` changes only status. */
  statusSubresource: boolean;
  /** `/scale` reads and writes `spec.replicas` as an autoscaling/v1 Scale (Deployments, ReplicaSets). */
  scaleSubresource?: boolean;
  /** openAPIV3Schema of a CRD version; built-in kinds are not schema-validated. */
  schema?: JsonObject;
  /** CRD printer columns; undefined means the built-in table for the kind (or Name/Age). */
  printerColumns?: PrinterColumn[];
  /** Custom resources refuse a PUT without metadata.resourceVersion (AllowUnconditionalUpdate is false). */
  requireResourceVersionOnUpdate: boolean;
  /** Some kinds answer DELETE with the object, others with a Success Status. */
  returnDeletedObject: boolean;
  /** Only kinds compiled into kube-apiserver take strategic merge patch; custom resources get 415. */
  strategicMergePatch: boolean;
  /** Served for reading only (the CRDs the server was started with); writes get 405. */
  readOnly?: boolean;
  /**
   * A review: created only, never stored, answered with the request plus a computed status
   * (SelfSubjectAccessReview and friends, access-reviews.ts).
   */
  review?: boolean;
  source: 'builtin' | 'crd';
}

export const ALL_VERBS = ['create', 'delete', 'deletecollection', 'get', 'list', 'patch', 'update', 'watch'];

export function apiVersionOf(type: { group: string; version: string }): string {
  return type.group ? `${type.group}/${type.version}` : type.version;
}

/** Storage is shared by all versions of a group+resource, as in kube-apiserver. */
export function storageKeyOf(type: { group: string; plural: string }): string {
  return type.group ? `${type.plural}.${type.group}` : type.plural;
}

/** Routing key: one entry per served group/version/resource. */
export function routeKeyOf(group: string, version: string, plural: string): string {
  return `${group}/${version}/${plural}`;
}

/** The name kube-apiserver uses in messages: `pods`, `chaosexperiments.chaoscraft.io`. */
export function qualifiedResourceOf(type: { group: string; plural: string }): string {
  return storageKeyOf(type);
}

function builtin(
  fields: Omit<
    ResourceType,
    'singular' | 'source' | 'requireResourceVersionOnUpdate' | 'returnDeletedObject' | 'strategicMergePatch'
  > & {
    returnDeletedObject?: boolean;
    strategicMergePatch?: boolean;
  },
): ResourceType {
  return {
    ...fields,
    singular: fields.kind.toLowerCase(),
    source: 'builtin',
    requireResourceVersionOnUpdate: false,
    returnDeletedObject: fields.returnDeletedObject ?? false,
    strategicMergePatch: fields.strategicMergePatch ?? true,
  };
}

export function builtinResourceTypes(): ResourceType[] {
  return [
    builtin({
      group: '',
      version: 'v1',
      plural: 'pods',
      kind: 'Pod',
      namespaced: true,
      shortNames: ['po'],
      categories: ['all'],
      statusSubresource: true,
      returnDeletedObject: true,
    }),
    builtin({
      group: '',
      version: 'v1',
      plural: 'namespaces',
      kind: 'Namespace',
      namespaced: false,
      shortNames: ['ns'],
      categories: [],
      statusSubresource: true,
      returnDeletedObject: true,
    }),
    builtin({
      group: '',
      version: 'v1',
      plural: 'nodes',
      kind: 'Node',
      namespaced: false,
      shortNames: ['no'],
      categories: [],
      statusSubresource: true,
    }),
    builtin({
      group: '',
      version: 'v1',
      plural: 'events',
      kind: 'Event',
      namespaced: true,
      shortNames: ['ev'],
      categories: [],
      statusSubresource: false,
    }),
    builtin({
      group: '',
      version: 'v1',
      plural: 'configmaps',
      kind: 'ConfigMap',
      namespaced: true,
      shortNames: ['cm'],
      categories: [],
      statusSubresource: false,
    }),
    builtin({
      group: 'apps',
      version: 'v1',
      plural: 'deployments',
      kind: 'Deployment',
      namespaced: true,
      scaleSubresource: true,
      shortNames: ['deploy'],
      categories: ['all'],
      statusSubresource: true,
    }),
    builtin({
      group: 'apps',
      version: 'v1',
      plural: 'replicasets',
      kind: 'ReplicaSet',
      namespaced: true,
      scaleSubresource: true,
      shortNames: ['rs'],
      categories: ['all'],
      statusSubresource: true,
    }),
    builtin({
      group: 'apiextensions.k8s.io',
      version: 'v1',
      plural: 'customresourcedefinitions',
      kind: 'CustomResourceDefinition',
      namespaced: false,
      shortNames: ['crd', 'crds'],
      categories: ['api-extensions'],
      statusSubresource: true,
      readOnly: true,
    }),
    builtin({
      group: 'coordination.k8s.io',
      version: 'v1',
      plural: 'leases',
      kind: 'Lease',
      namespaced: true,
      shortNames: [],
      categories: [],
      statusSubresource: false,
    }),
    builtin({
      group: '',
      version: 'v1',
      plural: 'serviceaccounts',
      kind: 'ServiceAccount',
      namespaced: true,
      shortNames: ['sa'],
      categories: [],
      statusSubresource: false,
    }),
    ...rbacResourceTypes(),
    ...reviewResourceTypes(),
    // Argo CD's Application CRD has no status subresource: Argo writes status through the main endpoint.
    // It is a custom resource in a real cluster, so no strategic merge patch either.
    builtin({
      group: 'argoproj.io',
      version: 'v1alpha1',
      plural: 'applications',
      kind: 'Application',
      namespaced: true,
      shortNames: ['app', 'apps'],
      categories: ['argoproj'],
      statusSubresource: false,
      strategicMergePatch: false,
    }),
  ];
}

function rbacResourceTypes(): ResourceType[] {
  const rbac = (plural: string, kind: string, namespaced: boolean) =>
    builtin({
      group: 'rbac.authorization.k8s.io',
      version: 'v1',
      plural,
      kind,
      namespaced,
      shortNames: [],
      categories: [],
      statusSubresource: false,
    });
  return [
    rbac('roles', 'Role', true),
    rbac('rolebindings', 'RoleBinding', true),
    rbac('clusterroles', 'ClusterRole', false),
    rbac('clusterrolebindings', 'ClusterRoleBinding', false),
  ];
}

function reviewResourceTypes(): ResourceType[] {
  const review = (group: string, plural: string, kind: string, namespaced = false) => ({
    ...builtin({
      group,
      version: 'v1',
      plural,
      kind,
      namespaced,
      shortNames: [],
      categories: [],
      statusSubresource: false,
    }),
    review: true,
  });
  return [
    review('authorization.k8s.io', 'selfsubjectaccessreviews', 'SelfSubjectAccessReview'),
    review('authorization.k8s.io', 'selfsubjectrulesreviews', 'SelfSubjectRulesReview'),
    review('authorization.k8s.io', 'subjectaccessreviews', 'SubjectAccessReview'),
    review('authentication.k8s.io', 'selfsubjectreviews', 'SelfSubjectReview'),
  ];
}
