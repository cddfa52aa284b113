// A minimal OpenAPI v3 surface. kubectl apply checks /openapi/v3 to learn that PATCH accepts the
// `fieldValidation` query parameter; when it does, kubectl leaves validation to the server. The
// schemas of custom resources are published (named and tagged with their group/version/kind as
// kube-apiserver does), so `kubectl explain chaosexperiment.spec` works; built-in kinds have none.
import { createHash } from 'node:crypto';
import type { ResourceRegistry } from './resource-registry.ts';
import { apiVersionOf, type JsonObject, type ResourceType } from './resource-types.ts';

function groupVersionPath(type: { group: string; version: string }): string {
  return type.group ? `apis/${type.group}/${type.version}` : `api/${type.version}`;
}

/** `/openapi/v3`: one entry per group/version, pointing at its document. */
export function openApiRoot(registry: ResourceRegistry): JsonObject {
  const paths: JsonObject = {};
  for (const type of registry.all()) {
    const path = groupVersionPath(type);
    const hash = createHash('sha256').update(path).digest('hex').slice(0, 16).toUpperCase();
    paths[path] = { serverRelativeURL: `/openapi/v3/${path}?hash=${hash}` };
  }
  return { paths };
}

function queryParameter(name: string): JsonObject {
  return { name, in: 'query', schema: { type: 'string', uniqueItems: true } };
}

function operations(type: ResourceType): JsonObject {
  const gvk = { group: type.group, version: type.version, kind: type.kind };
  const ok = {
    '200': { description: 'OK', content: { 'application/json': { schema: { type: 'object' } } } },
  };
  return {
    get: {
      operationId: `read${type.kind}`,
      'x-kubernetes-action': 'get',
      'x-kubernetes-group-version-kind': gvk,
      responses: ok,
    },
    put: {
      operationId: `replace${type.kind}`,
      'x-kubernetes-action': 'put',
      'x-kubernetes-group-version-kind': gvk,
      parameters: [
        queryParameter('dryRun'),
        queryParameter('fieldManager'),
        queryParameter('fieldValidation'),
      ],
      responses: ok,
    },
    patch: {
      operationId: `patch${type.kind}`,
      'x-kubernetes-action': 'patch',
      'x-kubernetes-group-version-kind': gvk,
      parameters: [
        queryParameter('dryRun'),
        queryParameter('fieldManager'),
        queryParameter('fieldValidation'),
        queryParameter('force'),
      ],
      responses: ok,
    },
    delete: {
      operationId: `delete${type.kind}`,
      'x-kubernetes-action': 'delete',
      'x-kubernetes-group-version-kind': gvk,
      responses: ok,
    },
  };
}

/** `io.chaoscraft.v1alpha1.ChaosExperiment`: the group reversed, as kube-apiserver names CRD schemas. */
function schemaName(type: ResourceType): string {
  return [...type.group.split('.').reverse(), type.version, type.kind].join('.');
}

/** `/openapi/v3/apis/<group>/<version>`: the item paths of every resource, with their operations. */
export function openApiGroupVersion(registry: ResourceRegistry, pathAfterV3: string): JsonObject | undefined {
  const types = registry.all().filter((type) => groupVersionPath(type) === pathAfterV3);
  if (types.length === 0) return undefined;
  const paths: JsonObject = {};
  for (const type of types) {
    const prefix = `/${groupVersionPath(type)}`;
    const itemPath = type.namespaced
      ? `${prefix}/namespaces/{namespace}/${type.plural}/{name}`
      : `${prefix}/${type.plural}/{name}`;
    paths[itemPath] = operations(type);
  }
  const schemas: JsonObject = {};
  for (const type of types) {
    if (!type.schema) continue;
    schemas[schemaName(type)] = {
      ...type.schema,
      'x-kubernetes-group-version-kind': [{ group: type.group, version: type.version, kind: type.kind }],
    };
  }
  return {
    openapi: '3.0.0',
    info: { title: 'Kubernetes', version: apiVersionOf(types[0]!) },
    paths,
    components: { schemas },
  };
}
