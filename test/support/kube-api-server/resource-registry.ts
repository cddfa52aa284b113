// Looks resource types up by route (group/version/plural), by kind, and keeps CRD schema validators.

import { apiVersionOf, type ResourceType, routeKeyOf, storageKeyOf } from './resource-types.ts';
import { type CustomResourceValidator, createCustomResourceValidator } from './schema-validation.ts';

export class ResourceRegistry {
  private readonly byRoute = new Map<string, ResourceType>();
  private readonly byApiVersionKind = new Map<string, ResourceType>();
  private readonly validators = new Map<ResourceType, CustomResourceValidator>();

  constructor(types: ResourceType[]) {
    for (const type of types) this.add(type);
  }

  add(type: ResourceType): void {
    this.byRoute.set(routeKeyOf(type.group, type.version, type.plural), type);
    this.byApiVersionKind.set(`${apiVersionOf(type)}|${type.kind}`, type);
    if (type.schema) this.validators.set(type, createCustomResourceValidator({ schema: type.schema }));
  }

  all(): ResourceType[] {
    return [...this.byRoute.values()];
  }

  byPath(options: { group: string; version: string; plural: string }): ResourceType | undefined {
    return this.byRoute.get(routeKeyOf(options.group, options.version, options.plural));
  }

  byKind(options: { apiVersion: string; kind: string }): ResourceType | undefined {
    return this.byApiVersionKind.get(`${options.apiVersion}|${options.kind}`);
  }

  /** Finds a served type by kind alone, for owner references whose apiVersion may be any served one. */
  byKindOnly(kind: string, group?: string): ResourceType | undefined {
    for (const type of this.byRoute.values()) {
      if (type.kind === kind && (group === undefined || type.group === group)) return type;
    }
    return undefined;
  }

  validatorFor(type: ResourceType): CustomResourceValidator | undefined {
    return this.validators.get(type);
  }

  storageKeys(): string[] {
    return [...new Set(this.all().map(storageKeyOf))];
  }

  /** Group → versions, in registration order, for discovery. */
  groups(): Map<string, string[]> {
    const groups = new Map<string, string[]>();
    for (const type of this.byRoute.values()) {
      const versions = groups.get(type.group) ?? [];
      if (!versions.includes(type.version)) versions.push(type.version);
      groups.set(type.group, versions);
    }
    return groups;
  }
}
