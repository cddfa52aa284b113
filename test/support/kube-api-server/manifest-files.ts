// Objects from a YAML file of one or more documents (RBAC rules of the chart, examples), for seeding.
import { readFile } from 'node:fs/promises';
import { parseAllDocuments } from 'yaml';
import type { JsonObject } from './resource-types.ts';

export async function readManifestFile(path: string): Promise<JsonObject[]> {
  const documents = parseAllDocuments(await readFile(path, 'utf8'));
  const objects: JsonObject[] = [];
  for (const document of documents) {
    if (document.errors.length > 0) throw new Error(`${path}: ${document.errors[0]!.message}`);
    const value: unknown = document.toJS();
    if (value === null || value === undefined) continue;
    if (typeof value !== 'object' || Array.isArray(value))
      throw new Error(`${path}: a document is not an object`);
    objects.push(value as JsonObject);
  }
  return objects;
}
