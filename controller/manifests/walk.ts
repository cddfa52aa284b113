// Finds manifest files under the paths a user names. Folders are walked, symlinks followed
// once: a link back into a folder already being walked is reported and skipped, not followed.
import { type Dirent, promises as fsPromises } from 'node:fs';
import { join } from 'node:path';
import type { Diagnostic } from './diagnostic.ts';
import { ioFailure } from './read-source.ts';

export const manifestExtensions = ['.yaml', '.yml', '.json'];

export interface WalkResult {
  files: string[];
  diagnostics: Diagnostic[];
  /** Files seen but not manifests by their name (reported with --verbose). */
  skipped: string[];
}

export interface WalkOptions {
  paths: readonly string[];
  fs?: Pick<typeof fsPromises, 'stat' | 'readdir' | 'realpath'>;
}

export async function findManifestFiles({ paths, fs = fsPromises }: WalkOptions): Promise<WalkResult> {
  const result: WalkResult = { files: [], diagnostics: [], skipped: [] };
  const seenFiles = new Set<string>();

  function addFile(path: string, real: string, explicit: boolean): void {
    if (!explicit && !manifestExtensions.some((ext) => path.endsWith(ext))) {
      result.skipped.push(path);
      return;
    }
    if (seenFiles.has(real)) return;
    seenFiles.add(real);
    result.files.push(path);
  }

  async function walkDirectory(path: string, real: string, ancestors: ReadonlySet<string>): Promise<void> {
    if (ancestors.has(real)) {
      result.diagnostics.push({
        severity: 'warning',
        code: 'symlink-loop',
        file: path,
        line: 0,
        column: 0,
        message: `symlink loop: leads back to ${real}, which is already being walked; skipped`,
      });
      return;
    }
    const inside = new Set(ancestors).add(real);
    let entries: Dirent[];
    try {
      entries = await fs.readdir(path, { withFileTypes: true });
    } catch (error) {
      const failure = ioFailure(path, error);
      if (!failure.ok) result.diagnostics.push(failure.diagnostic);
      return;
    }
    entries.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
    for (const entry of entries) {
      if (entry.name.startsWith('.') || entry.name === 'node_modules') continue;
      const child = join(path, entry.name);
      // Plain entries need no extra system calls; only symlinks are resolved.
      if (entry.isDirectory()) await walkDirectory(child, join(real, entry.name), inside);
      else if (entry.isFile()) addFile(child, join(real, entry.name), false);
      else if (entry.isSymbolicLink()) await visit(child, false, inside);
    }
  }

  async function visit(path: string, explicit: boolean, ancestors: ReadonlySet<string>): Promise<void> {
    let real: string;
    let isDirectory: boolean;
    let isFile: boolean;
    try {
      const stats = await fs.stat(path);
      real = await fs.realpath(path);
      isDirectory = stats.isDirectory();
      isFile = stats.isFile();
    } catch (error) {
      const failure = ioFailure(path, error);
      if (!failure.ok) result.diagnostics.push(failure.diagnostic);
      return;
    }
    if (isDirectory) await walkDirectory(path, real, ancestors);
    else if (isFile) addFile(path, real, explicit);
    else if (explicit) {
      result.diagnostics.push({
        severity: 'error',
        code: 'io-error',
        file: path,
        line: 0,
        column: 0,
        message: 'not a regular file or folder',
      });
    }
  }

  for (const path of paths) await visit(path, true, new Set());
  return result;
}
