// An object the PR adds may already be defined in a file the PR does not touch: two copies of one
// object in the head, which Argo CD would apply in turn (and fight over). The changed files alone
// cannot show it, so the head's other manifest files are read, but only when the PR adds an
// identity (editing an existing object cannot create a copy) and at most maxScannedFiles of them.
import type { Diagnostic } from '../../controller/manifests/diagnostic.ts';
import { decodeManifestBytes } from '../../controller/manifests/read-source.ts';
import { validateText } from '../../controller/manifests/validate.ts';
import { mapInOrder } from '../../controller/runtime/map-in-order.ts';
import type { GitRepository } from '../repository/types.ts';
import { type CollectedChanges, objectKey } from './collect-changes.ts';

export const maxScannedFiles = 2000;
const ourKinds = new Set(['ChaosExperiment', 'ChaosSchedule', 'ChaosPolicy']);
const readConcurrency = 16;

export interface CopiesCheck {
  /** Unchanged manifest files read. */
  scanned: number;
  /** More unchanged files than maxScannedFiles: none was read, so copies there are not found. */
  skipped?: number;
}

/** Marks every added object that an unchanged file also defines as invalid, with an error on it. */
export async function findCopiesElsewhere(options: {
  repository: GitRepository;
  head: string;
  changes: CollectedChanges;
}): Promise<CopiesCheck> {
  const { repository, changes } = options;
  const added = new Map(
    changes.objects
      .filter((o) => o.change === 'added' && ourKinds.has(o.kind))
      .map((o) => [o.key, o] as const),
  );
  if (added.size === 0) return { scanned: 0 };
  const changed = new Set(changes.files.map((f) => f.path));
  const others = (await repository.changedFiles({ base: undefined, head: options.head })).filter(
    (f) => f.headOid && !changed.has(f.path),
  );
  if (others.length > maxScannedFiles) return { scanned: 0, skipped: others.length };
  const found = await mapInOrder(others, readConcurrency, async (file) => {
    const read = decodeManifestBytes({ file: file.path, bytes: await repository.readBlob(file.headOid!) });
    // Only files that can hold our objects are parsed; their own problems are not this PR's.
    if (!read.ok || !read.text.includes('chaoscraft.io')) return [];
    return validateText({ file: file.path, text: read.text })
      .objects.filter((o) => added.has(objectKey(o).key))
      .map((o) => ({ key: objectKey(o).key, file: o.file, line: o.line }));
  });
  for (const copy of found.flat()) {
    const change = added.get(copy.key);
    if (!change?.head) continue;
    const duplicate: Diagnostic = {
      severity: 'error',
      code: 'schema',
      file: change.head.file,
      line: change.head.line,
      column: 1,
      message: `${change.kind} ${copy.key.split('/').slice(1).join('/')} is also defined in ${copy.file}:${copy.line}, a file this PR does not change; Argo CD would fight over it`,
      object: `${change.kind}/${change.name}`,
    };
    change.valid = false;
    change.diagnostics.push(duplicate);
    changes.diagnostics.push(duplicate);
  }
  return { scanned: others.length };
}
