// Maps kube-apiserver URL paths onto resource types, namespaces, names and subresources.
import { coreVersions, groupDocument, groupList, resourceList, SERVER_VERSION } from './discovery.ts';
import { openApiGroupVersion, openApiRoot } from './openapi.ts';
import type { ResourceRegistry } from './resource-registry.ts';
import type { JsonObject, ResourceType } from './resource-types.ts';

export type RouteTarget =
  | { kind: 'document'; body: JsonObject }
  | { kind: 'text'; body: string }
  | { kind: 'resource'; type: ResourceType; namespace?: string; name?: string; subresource?: string }
  | { kind: 'notFound' };

const HEALTH_PATHS = new Set(['healthz', 'readyz', 'livez']);
const NAMESPACE_SUBRESOURCES = new Set(['status', 'finalize']);

function rootPaths(registry: ResourceRegistry): JsonObject {
  const paths = ['/api', '/api/v1', '/apis', '/healthz', '/livez', '/readyz', '/version'];
  for (const [group, versions] of registry.groups()) {
    if (group === '') continue;
    paths.push(`/apis/${group}`, ...versions.map((version) => `/apis/${group}/${version}`));
  }
  return { paths: paths.sort() };
}

export function routeRequest(options: {
  registry: ResourceRegistry;
  pathname: string;
  serverAddress: string;
}): RouteTarget {
  const { registry } = options;
  const segments = options.pathname
    .split('/')
    .filter((segment) => segment !== '')
    .map((segment) => decodeURIComponent(segment));
  const [first, second, third] = segments;
  if (segments.length === 0) return { kind: 'document', body: rootPaths(registry) };
  if (segments.length === 1 && first === 'version') return { kind: 'document', body: SERVER_VERSION };
  if (first && HEALTH_PATHS.has(first)) return { kind: 'text', body: 'ok' };
  if (first === 'openapi') {
    // /openapi/v2 stays 404: kubectl copes. /openapi/v3 tells kubectl apply to validate server-side.
    if (second !== 'v3') return { kind: 'notFound' };
    if (segments.length === 2) return { kind: 'document', body: openApiRoot(registry) };
    return documentOrNotFound(openApiGroupVersion(registry, segments.slice(2).join('/')));
  }
  if (first === 'api') {
    if (segments.length === 1) return { kind: 'document', body: coreVersions(options.serverAddress) };
    if (segments.length === 2) return documentOrNotFound(resourceList(registry, '', second!));
    return resourceRoute(registry, '', second!, segments.slice(2));
  }
  if (first === 'apis') {
    if (segments.length === 1) return { kind: 'document', body: groupList(registry) };
    if (segments.length === 2) return documentOrNotFound(groupDocument(registry, second!));
    if (segments.length === 3) return documentOrNotFound(resourceList(registry, second!, third!));
    return resourceRoute(registry, second!, third!, segments.slice(3));
  }
  return { kind: 'notFound' };
}

function documentOrNotFound(body: JsonObject | undefined): RouteTarget {
  return body ? { kind: 'document', body } : { kind: 'notFound' };
}

function resourceRoute(
  registry: ResourceRegistry,
  group: string,
  version: string,
  rest: string[],
): RouteTarget {
  const lookup = (plural: string) => registry.byPath({ group, version, plural });
  const [first, second, third, fourth, fifth] = rest;
  // /namespaces/{ns}/{plural}[/{name}[/{subresource}]]
  if (first === 'namespaces' && rest.length >= 3) {
    const namespacedType = lookup(third!);
    if (namespacedType?.namespaced) {
      if (rest.length > 5) return { kind: 'notFound' };
      return { kind: 'resource', type: namespacedType, namespace: second, name: fourth, subresource: fifth };
    }
    if (group === '' && rest.length === 3 && NAMESPACE_SUBRESOURCES.has(third!)) {
      const namespaces = lookup('namespaces');
      if (namespaces) return { kind: 'resource', type: namespaces, name: second, subresource: third };
    }
    return { kind: 'notFound' };
  }
  // /{plural}[/{name}[/{subresource}]]: cluster-scoped objects, or a list across all namespaces.
  const type = lookup(first!);
  if (!type || rest.length > 3) return { kind: 'notFound' };
  if (type.namespaced && rest.length > 1) return { kind: 'notFound' };
  return { kind: 'resource', type, name: second, subresource: third };
}
