// Turns apiextensions.k8s.io/v1 CustomResourceDefinition manifests into served resource types.
import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { parseAllDocuments } from 'yaml';
import { listTypeDeclarationProblems } from './list-types.ts';
import type { JsonObject, PrinterColumn, ResourceType } from './resource-types.ts';

export class CrdLoadError extends Error {
  readonly code = 'CrdLoadError';
  readonly file: string;

  constructor(options: { file: string; message: string }) {
    super(`${options.file}: ${options.message}`);
    this.name = 'CrdLoadError';
    this.file = options.file;
  }
}

function isObject(value: unknown): value is JsonObject {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function stringList(value: unknown): string[] {
  return Array.isArray(value) ? value.filter((item): item is string => typeof item === 'string') : [];
}

/** Paths of every `x-kubernetes-validations` (CEL) in a schema. */
function celRulePaths(schema: unknown, path: string): string[] {
  if (Array.isArray(schema)) return schema.flatMap((item, index) => celRulePaths(item, `${path}[${index}]`));
  if (!isObject(schema)) return [];
  const found = 'x-kubernetes-validations' in schema ? [path || '<root>'] : [];
  for (const [key, child] of Object.entries(schema)) {
    if (key !== 'x-kubernetes-validations' && key !== 'default' && key !== 'example')
      found.push(...celRulePaths(child, path ? `${path}.${key}` : key));
  }
  return found;
}

/**
 * Refuses, loudly, a schema this server would enforce less strictly than a cluster: CEL rules are not
 * evaluated here, and list-type declarations a cluster refuses are refused too.
 */
function checkSchemaIsEnforceable(schema: JsonObject, where: string): void {
  const celPaths = celRulePaths(schema, '');
  if (celPaths.length > 0) {
    throw new CrdLoadError({
      file: where,
      message: `x-kubernetes-validations (CEL) at ${celPaths.join(', ')}: the API test server does not evaluate CEL rules, so it would accept objects a cluster refuses; check them another way or teach the server`,
    });
  }
  const problems = listTypeDeclarationProblems(schema, 'openAPIV3Schema');
  if (problems.length > 0) throw new CrdLoadError({ file: where, message: problems.join('; ') });
}

/** One resource type per served version of the CRD. */
export function resourceTypesFromCrd(options: { crd: JsonObject; source: string }): ResourceType[] {
  const { crd, source } = options;
  const spec = crd.spec;
  if (!isObject(spec)) throw new CrdLoadError({ file: source, message: 'CRD has no spec' });
  const names = spec.names;
  if (!isObject(names) || typeof names.plural !== 'string' || typeof names.kind !== 'string') {
    throw new CrdLoadError({ file: source, message: 'CRD spec.names needs plural and kind' });
  }
  if (typeof spec.group !== 'string' || spec.group === '') {
    throw new CrdLoadError({ file: source, message: 'CRD spec.group is required' });
  }
  if (!Array.isArray(spec.versions) || spec.versions.length === 0) {
    throw new CrdLoadError({ file: source, message: 'CRD spec.versions is empty' });
  }
  const types: ResourceType[] = [];
  for (const version of spec.versions) {
    if (!isObject(version) || typeof version.name !== 'string') {
      throw new CrdLoadError({ file: source, message: 'every CRD version needs a name' });
    }
    if (version.served === false) continue;
    const schema = isObject(version.schema) ? version.schema.openAPIV3Schema : undefined;
    if (isObject(schema)) checkSchemaIsEnforceable(schema, `${source} (version ${version.name})`);
    const subresources = isObject(version.subresources) ? version.subresources : {};
    const columns = Array.isArray(version.additionalPrinterColumns)
      ? (version.additionalPrinterColumns.filter(
          (column) =>
            isObject(column) && typeof column.name === 'string' && typeof column.jsonPath === 'string',
        ) as PrinterColumn[])
      : [];
    types.push({
      group: spec.group,
      version: version.name,
      plural: names.plural,
      singular: typeof names.singular === 'string' ? names.singular : names.kind.toLowerCase(),
      kind: names.kind,
      namespaced: spec.scope !== 'Cluster',
      shortNames: stringList(names.shortNames),
      categories: stringList(names.categories),
      statusSubresource: isObject(subresources.status),
      schema: isObject(schema) ? schema : undefined,
      // apiextensions defaults printer columns to a single Age column when none are declared.
      printerColumns:
        columns.length > 0
          ? columns
          : [{ name: 'Age', type: 'date', jsonPath: '.metadata.creationTimestamp' }],
      requireResourceVersionOnUpdate: true,
      returnDeletedObject: false,
      strategicMergePatch: false,
      source: 'crd',
    });
  }
  return types;
}

export interface LoadedCrds {
  crds: JsonObject[];
  types: ResourceType[];
}

/** Reads every *.yaml / *.yml / *.json file in the directory and keeps the CustomResourceDefinition documents. */
export async function loadCrdDirectory(options: { directory: string }): Promise<LoadedCrds> {
  const entries = (await readdir(options.directory)).filter((file) => /\.(ya?ml|json)$/.test(file)).sort();
  const loaded: LoadedCrds = { crds: [], types: [] };
  for (const entry of entries) {
    const file = join(options.directory, entry);
    const text = await readFile(file, 'utf8');
    for (const document of parseAllDocuments(text)) {
      if (document.errors.length > 0) {
        throw new CrdLoadError({ file, message: document.errors[0]?.message ?? 'YAML error' });
      }
      const value: unknown = document.toJSON();
      if (!isObject(value) || value.kind !== 'CustomResourceDefinition') continue;
      loaded.crds.push(value);
      loaded.types.push(...resourceTypesFromCrd({ crd: value, source: file }));
    }
  }
  return loaded;
}

/** A CRD as `kubectl get crd` shows it once established: names accepted, storage version recorded. */
export function servedCrd(crd: JsonObject): JsonObject {
  const spec = crd.spec as { names?: JsonObject; versions?: { name: string; storage?: boolean }[] };
  const condition = (type: string, reason: string, message: string) => ({
    type,
    status: 'True',
    reason,
    message,
  });
  return {
    ...structuredClone(crd),
    status: {
      acceptedNames: spec.names,
      storedVersions: (spec.versions ?? [])
        .filter((version) => version.storage)
        .map((version) => version.name),
      conditions: [
        condition('NamesAccepted', 'NoConflicts', 'no conflicts found'),
        condition('Established', 'InitialNamesAccepted', 'the initial names have been accepted'),
      ],
    },
  };
}
