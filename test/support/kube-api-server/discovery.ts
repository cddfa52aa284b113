// Legacy (unaggregated) discovery documents: /api, /api/v1, /apis, /apis/<group>[/<version>], /version.
// kubectl asks for aggregated discovery first and falls back to these when the answer is plain JSON.
import type { ResourceRegistry } from './resource-registry.ts';
import { ALL_VERBS, type JsonObject, type ResourceType } from './resource-types.ts';

export const SERVER_VERSION = {
  major: '1',
  minor: '32',
  gitVersion: 'v1.32.0-chaoscraft-test',
  gitCommit: '0000000000000000000000000000000000000000',
  gitTreeState: 'clean',
  buildDate: '2025-01-01T00:00:00Z',
  goVersion: 'go1.23.0',
  compiler: 'gc',
  platform: 'linux/amd64',
};

function resourceEntries(type: ResourceType): JsonObject[] {
  const entry: JsonObject = {
    name: type.plural,
    singularName: type.singular,
    namespaced: type.namespaced,
    kind: type.kind,
    verbs: type.review ? ['create'] : ALL_VERBS,
  };
  if (type.shortNames.length > 0) entry.shortNames = type.shortNames;
  if (type.categories.length > 0) entry.categories = type.categories;
  const entries = [entry];
  if (type.statusSubresource) {
    entries.push({
      name: `${type.plural}/status`,
      singularName: '',
      namespaced: type.namespaced,
      kind: type.kind,
      verbs: ['get', 'patch', 'update'],
    });
  }
  if (type.scaleSubresource) {
    entries.push({
      name: `${type.plural}/scale`,
      singularName: '',
      namespaced: type.namespaced,
      group: 'autoscaling',
      version: 'v1',
      kind: 'Scale',
      verbs: ['get', 'patch', 'update'],
    });
  }
  return entries;
}

export function coreVersions(serverAddress: string): JsonObject {
  return {
    kind: 'APIVersions',
    versions: ['v1'],
    serverAddressByClientCIDRs: [{ clientCIDR: '0.0.0.0/0', serverAddress }],
  };
}

function groupEntry(group: string, versions: string[]): JsonObject {
  const versionEntries = versions.map((version) => ({ groupVersion: `${group}/${version}`, version }));
  return { name: group, versions: versionEntries, preferredVersion: versionEntries[0] };
}

export function groupList(registry: ResourceRegistry): JsonObject {
  const groups: JsonObject[] = [];
  for (const [group, versions] of registry.groups()) {
    if (group !== '') groups.push(groupEntry(group, versions));
  }
  return { kind: 'APIGroupList', apiVersion: 'v1', groups };
}

export function groupDocument(registry: ResourceRegistry, group: string): JsonObject | undefined {
  const versions = registry.groups().get(group);
  if (!versions || group === '') return undefined;
  return { kind: 'APIGroup', apiVersion: 'v1', ...groupEntry(group, versions) };
}

export function resourceList(
  registry: ResourceRegistry,
  group: string,
  version: string,
): JsonObject | undefined {
  const types = registry.all().filter((type) => type.group === group && type.version === version);
  if (types.length === 0) return undefined;
  return {
    kind: 'APIResourceList',
    apiVersion: 'v1',
    groupVersion: group ? `${group}/${version}` : version,
    resources: types.flatMap(resourceEntries),
  };
}
