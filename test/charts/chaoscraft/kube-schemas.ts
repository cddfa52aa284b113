// Kubernetes' own schemas for rendered manifests, two ways:
// - kubernetes-models (and @kubernetes-models/prometheus-operator): the published OpenAPI definitions
//   compiled to ajv validators: types, required fields, enums, formats, int-or-string, quantities;
// - unknown fields: those validators let any extra key through, as the API server's pruning would,
//   so every key is also looked up in @kubernetes/client-node's models (generated from the same
//   OpenAPI definitions, with each field's JSON name and type). A misspelt `readinesProbe` fails here.
import * as clientNode from '@kubernetes/client-node';
import type { Json } from './render.ts';

interface Validated {
  validate(): void;
}
type ModelClass = new (data: Json) => Validated;

const models: Record<string, string> = {
  'v1/ServiceAccount': 'kubernetes-models/v1/ServiceAccount',
  'v1/Service': 'kubernetes-models/v1/Service',
  'apps/v1/Deployment': 'kubernetes-models/apps/v1/Deployment',
  'apps/v1/DaemonSet': 'kubernetes-models/apps/v1/DaemonSet',
  'policy/v1/PodDisruptionBudget': 'kubernetes-models/policy/v1/PodDisruptionBudget',
  'networking.k8s.io/v1/NetworkPolicy': 'kubernetes-models/networking.k8s.io/v1/NetworkPolicy',
  'rbac.authorization.k8s.io/v1/ClusterRole': 'kubernetes-models/rbac.authorization.k8s.io/v1/ClusterRole',
  'rbac.authorization.k8s.io/v1/ClusterRoleBinding':
    'kubernetes-models/rbac.authorization.k8s.io/v1/ClusterRoleBinding',
  'rbac.authorization.k8s.io/v1/Role': 'kubernetes-models/rbac.authorization.k8s.io/v1/Role',
  'rbac.authorization.k8s.io/v1/RoleBinding': 'kubernetes-models/rbac.authorization.k8s.io/v1/RoleBinding',
  'apiextensions.k8s.io/v1/CustomResourceDefinition':
    'kubernetes-models/apiextensions.k8s.io/v1/CustomResourceDefinition',
  'monitoring.coreos.com/v1/ServiceMonitor':
    '@kubernetes-models/prometheus-operator/monitoring.coreos.com/v1/ServiceMonitor',
  'monitoring.coreos.com/v1/PrometheusRule':
    '@kubernetes-models/prometheus-operator/monitoring.coreos.com/v1/PrometheusRule',
};

type AttributeMap = Array<{ baseName: string; type: string }>;
type ClientModel = { getAttributeTypeMap(): AttributeMap };

function clientModel(name: string): ClientModel | undefined {
  const candidate = (clientNode as unknown as Record<string, unknown>)[name];
  return typeof candidate === 'function' && 'getAttributeTypeMap' in candidate
    ? (candidate as unknown as ClientModel)
    : undefined;
}

/** client-node's class for a kind: V1Deployment, V1ClusterRole; none for other groups' kinds. */
function clientClassName(apiVersion: string, kind: string): string | undefined {
  const version = apiVersion.split('/').pop()!;
  const name = `${version[0]!.toUpperCase()}${version.slice(1)}${kind}`;
  return clientModel(name) ? name : undefined;
}

/** Keys of `value` that the model `type` does not have, as JSON paths. */
export function unknownFields(value: unknown, type: string, path = ''): string[] {
  if (value === null || value === undefined) return [];
  const array = /^Array<(.+)>$/.exec(type);
  if (array) {
    if (!Array.isArray(value)) return [`${path}: not a list`];
    return value.flatMap((item, i) => unknownFields(item, array[1]!, `${path}[${i}]`));
  }
  const map = /^\{ \[key: string\]: (.+); \}$/.exec(type);
  if (map) {
    return Object.entries(value as Json).flatMap(([key, item]) =>
      unknownFields(item, map[1]!, `${path}.${key}`),
    );
  }
  const model = clientModel(type);
  if (!model) return [];
  if (typeof value !== 'object' || Array.isArray(value)) return [`${path}: not an object`];
  const attributes = new Map(model.getAttributeTypeMap().map((a) => [a.baseName, a.type]));
  return Object.entries(value as Json).flatMap(([key, item]) => {
    const attributeType = attributes.get(key);
    if (attributeType === undefined) return [`${path}.${key}: unknown field of ${type}`];
    return unknownFields(item, attributeType, `${path}.${key}`);
  });
}

export interface SchemaCheck {
  /** Which checks ran: the compiled OpenAPI schema, the unknown-field walk. */
  checks: string[];
  problems: string[];
}

/** Validates one object against Kubernetes' schema for its apiVersion and kind. */
export async function checkAgainstKubernetes(object: Json): Promise<SchemaCheck> {
  const apiVersion = String(object.apiVersion);
  const kind = String(object.kind);
  const modelPath = models[`${apiVersion}/${kind}`];
  if (!modelPath) return { checks: [], problems: [`no schema known for ${apiVersion} ${kind}`] };
  const checks = ['openapi'];
  const problems: string[] = [];
  const module = (await import(modelPath)) as Record<string, ModelClass>;
  try {
    new module[kind]!(object).validate();
  } catch (error) {
    problems.push((error as Error).message);
  }
  const className = clientClassName(apiVersion, kind);
  if (className && !apiVersion.includes('monitoring.coreos.com')) {
    checks.push('unknown-fields');
    problems.push(...unknownFields(object, className));
  }
  return { checks, problems };
}
