// What the planner and the GitHub side read a repository through: commits by SHA, trees and
// blobs, and the changed manifest files between two commits.

export type FileChange = 'added' | 'modified' | 'removed';

export interface ChangedFile {
  path: string;
  change: FileChange;
  /** The blob before (modified, removed) and after (added, modified), for reading without a tree walk. */
  baseOid?: string;
  headOid?: string;
}

export interface GitRepository {
  /** Where the repository is read from: a directory, or a URL without credentials. */
  readonly source: string;
  /** A branch, tag, full or abbreviated SHA (or a ref fetched with `fetchRefs`) → the commit SHA. */
  resolve(ref: string): Promise<string>;
  /** The best common ancestor of two commits (what GitHub's three-dot diff starts from), if any. */
  mergeBase(options: { base: string; head: string }): Promise<string | undefined>;
  /** Every file path (blobs only, no symlinks or submodules) in the commit's tree, sorted. */
  listFiles(sha: string): Promise<string[]>;
  /** A file's text at a commit. */
  readFile(sha: string, path: string): Promise<string>;
  /** A blob's bytes by object id (as given in ChangedFile). */
  readBlob(oid: string): Promise<Uint8Array>;
  /**
   * Manifest files (.yaml, .yml, .json, outside hidden folders and node_modules) that differ
   * between two commits, sorted by path. Trees are compared by object id: unchanged folders are
   * never entered and no blob is read.
   */
  changedFiles(options: { base: string | undefined; head: string }): Promise<ChangedFile[]>;
}
