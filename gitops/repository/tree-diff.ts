// Compares two trees by object id. Git names every tree by the hash of its content, so equal
// ids mean equal folders: those are skipped whole, and only folders that differ are read.
// No blob is ever read here.
import type { ChangedFile } from './types.ts';

export interface TreeEntryLike {
  mode: string;
  path: string;
  oid: string;
  type: 'blob' | 'tree' | 'commit';
}

export type ReadTree = (oid: string) => Promise<readonly TreeEntryLike[]>;

export interface DiffTreesOptions {
  readTree: ReadTree;
  /** Root tree ids; undefined is the empty tree (everything on the other side is added or removed). */
  baseTree: string | undefined;
  headTree: string;
  /** Which file paths count; folders are always entered unless `enterFolder` says no. */
  includeFile(path: string): boolean;
  enterFolder(name: string): boolean;
}

const symlinkMode = '120000';

function isFile(entry: TreeEntryLike): boolean {
  return entry.type === 'blob' && entry.mode !== symlinkMode;
}

export async function diffTrees(options: DiffTreesOptions): Promise<ChangedFile[]> {
  const changes: ChangedFile[] = [];
  await diffFolder(options, '', options.baseTree, options.headTree, changes);
  return changes.sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0));
}

async function diffFolder(
  options: DiffTreesOptions,
  prefix: string,
  baseOid: string | undefined,
  headOid: string | undefined,
  changes: ChangedFile[],
): Promise<void> {
  if (baseOid === headOid) return;
  const [baseEntries, headEntries] = await Promise.all([
    baseOid ? options.readTree(baseOid) : [],
    headOid ? options.readTree(headOid) : [],
  ]);
  const base = new Map(baseEntries.map((e) => [e.path, e]));
  const head = new Map(headEntries.map((e) => [e.path, e]));
  const folders: Promise<void>[] = [];
  for (const name of new Set([...base.keys(), ...head.keys()])) {
    const before = base.get(name);
    const after = head.get(name);
    if (before?.oid === after?.oid && before?.mode === after?.mode) continue;
    const path = prefix + name;
    // A folder on either side: descend (the other side may be a file, a folder or nothing).
    const beforeTree = before?.type === 'tree' ? before.oid : undefined;
    const afterTree = after?.type === 'tree' ? after.oid : undefined;
    if ((beforeTree || afterTree) && options.enterFolder(name)) {
      folders.push(diffFolder(options, `${path}/`, beforeTree, afterTree, changes));
    }
    const beforeFile = before && isFile(before) ? before : undefined;
    const afterFile = after && isFile(after) ? after : undefined;
    if (!(beforeFile || afterFile) || !options.includeFile(path)) continue;
    if (beforeFile && afterFile) {
      if (beforeFile.oid !== afterFile.oid)
        changes.push({ path, change: 'modified', baseOid: beforeFile.oid, headOid: afterFile.oid });
    } else if (afterFile) {
      changes.push({ path, change: 'added', headOid: afterFile.oid });
    } else if (beforeFile) {
      changes.push({ path, change: 'removed', baseOid: beforeFile.oid });
    }
  }
  await Promise.all(folders);
}

/** Every file under a tree, for listFiles. */
export async function listTreeFiles(readTree: ReadTree, treeOid: string, prefix = ''): Promise<string[]> {
  const files: string[] = [];
  const entries = await readTree(treeOid);
  const nested = await Promise.all(
    entries
      .filter((e) => e.type === 'tree')
      .map((e) => listTreeFiles(readTree, e.oid, `${prefix}${e.path}/`)),
  );
  for (const entry of entries) if (isFile(entry)) files.push(prefix + entry.path);
  return [...files, ...nested.flat()].sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
}
