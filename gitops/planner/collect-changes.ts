// From changed files to changed objects: reads the changed blobs (and nothing else), validates
// them with the same pipeline as `chaoscraft validate`, and pairs objects before and after by
// identity, so a manifest moved to another file is a change, not a removal plus an addition.
import { isDeepStrictEqual } from 'node:util';
import type { ManifestObject } from '../../controller/manifests/check-document.ts';
import type { Diagnostic } from '../../controller/manifests/diagnostic.ts';
import { decodeManifestBytes } from '../../controller/manifests/read-source.ts';
import { validateText } from '../../controller/manifests/validate.ts';
import { mapInOrder } from '../../controller/runtime/map-in-order.ts';
import type { ChangedFile, GitRepository } from '../repository/types.ts';

export type ObjectChangeKind = 'added' | 'modified' | 'removed' | 'unchanged';

export interface ObjectChange {
  /** kind/namespace/name: what the cluster knows the object by. */
  key: string;
  kind: string;
  name: string;
  /** The effective namespace (default when unset); undefined for cluster-scoped kinds. */
  namespace?: string;
  change: ObjectChangeKind;
  /** In the PR head (absent when removed). */
  head?: ManifestObject;
  /** At the merge base (absent when added). */
  base?: ManifestObject;
  /** The head object passed validation. */
  valid: boolean;
  /** The head object's own findings. */
  diagnostics: Diagnostic[];
}

export interface CollectedChanges {
  files: ChangedFile[];
  objects: ObjectChange[];
  /** Findings in the head that belong to no object (YAML syntax, unreadable files, duplicates). */
  fileDiagnostics: Diagnostic[];
  /** Every error and warning in the head, for annotations. */
  diagnostics: Diagnostic[];
}

const clusterScopedKinds = new Set(['ChaosPolicy']);
const readConcurrency = 16;

export function objectKey(object: ManifestObject): { key: string; namespace?: string } {
  const namespace = clusterScopedKinds.has(object.kind) ? undefined : (object.namespace ?? 'default');
  return { key: `${object.kind}/${namespace ?? ''}/${object.name}`, namespace };
}

export async function collectChanges(options: {
  repository: GitRepository;
  files: ChangedFile[];
}): Promise<CollectedChanges> {
  const { repository, files } = options;
  const [headTexts, baseTexts] = await Promise.all([
    mapInOrder(files, readConcurrency, (f) =>
      f.headOid ? decode(repository, f.path, f.headOid) : undefined,
    ),
    mapInOrder(files, readConcurrency, (f) =>
      f.baseOid ? decode(repository, f.path, f.baseOid) : undefined,
    ),
  ]);
  const diagnostics: Diagnostic[] = [];
  const headObjects: { object: ManifestObject; valid: boolean; diagnostics: Diagnostic[] }[] = [];
  const baseObjects: ManifestObject[] = [];
  files.forEach((file, index) => {
    const head = headTexts[index];
    if (head && 'diagnostic' in head) diagnostics.push(head.diagnostic);
    else if (head) {
      const report = validateText({ file: file.path, text: head.text, skipForeign: true });
      const serious = report.diagnostics.filter((d) => d.severity !== 'info');
      diagnostics.push(...serious);
      const valid = new Set(report.validObjects);
      for (const object of report.objects) {
        const label = `${object.kind || '(no kind)'}/${object.name}`;
        headObjects.push({
          object,
          valid: valid.has(object),
          diagnostics: serious.filter((d) => d.object === label),
        });
      }
    }
    const base = baseTexts[index];
    // The old side only needs identities and specs; its own errors are not this PR's problem.
    if (base && 'text' in base)
      baseObjects.push(...validateText({ file: file.path, text: base.text, skipForeign: true }).objects);
  });

  const before = new Map(baseObjects.map((o) => [objectKey(o).key, o]));
  const seen = new Map<string, ManifestObject>();
  const objects: ObjectChange[] = [];
  const owned = new Set<Diagnostic>();
  for (const entry of headObjects) {
    const { key, namespace } = objectKey(entry.object);
    for (const d of entry.diagnostics) owned.add(d);
    const first = seen.get(key);
    if (first) {
      const duplicate: Diagnostic = {
        severity: 'error',
        code: 'schema',
        file: entry.object.file,
        line: entry.object.line,
        column: 1,
        message: `${entry.object.kind} ${key.split('/').slice(1).join('/')} is also defined in ${first.file}:${first.line}; Argo CD would fight over it`,
        object: `${entry.object.kind}/${entry.object.name}`,
      };
      diagnostics.push(duplicate);
      entry.diagnostics.push(duplicate);
      entry.valid = false;
      owned.add(duplicate);
    }
    seen.set(key, entry.object);
    const base = before.get(key);
    objects.push({
      key,
      kind: entry.object.kind,
      name: entry.object.name,
      ...(namespace ? { namespace } : {}),
      change: !base
        ? 'added'
        : isDeepStrictEqual(base.object, entry.object.object)
          ? 'unchanged'
          : 'modified',
      head: entry.object,
      ...(base ? { base } : {}),
      valid: entry.valid,
      diagnostics: entry.diagnostics,
    });
  }
  for (const [key, base] of before) {
    if (seen.has(key)) continue;
    const { namespace } = objectKey(base);
    objects.push({
      key,
      kind: base.kind,
      name: base.name,
      ...(namespace ? { namespace } : {}),
      change: 'removed',
      base,
      valid: true,
      diagnostics: [],
    });
  }
  return {
    files,
    objects,
    fileDiagnostics: diagnostics.filter((d) => !owned.has(d)),
    diagnostics,
  };
}

type Decoded = { text: string } | { diagnostic: Diagnostic };

/**
 * The same refusals as `chaoscraft validate` for files on disk (too large, binary, not UTF-8) and the
 * same leniency: a file that never mentions chaoscraft cannot hold our objects or policies, so a PR
 * touching only other tools' files (Helm templates, JSON with comments, big CRD bundles) gets a
 * neutral plan, not errors. A skipped file's text is empty.
 */
async function decode(repository: GitRepository, path: string, oid: string): Promise<Decoded> {
  const read = decodeManifestBytes({ file: path, bytes: await repository.readBlob(oid), skipForeign: true });
  return read.ok ? { text: read.text } : { diagnostic: read.diagnostic };
}
