// Finds manifest files under the paths a user names. Folders are walked, symlinks followed
// once: a link back into a folder already being walked is reported and skipped, not followed.
import { promises as fsPromises } from 'node:fs';
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

  async function visit(path: string, explicit: boolean, ancestors: ReadonlySet<string>): Promise<void> {
    let stats: Awaited<ReturnType<typeof fsPromises.stat>>;
    let real: string;
    try {
      stats = await fs.stat(path);
      real = await fs.realpath(path);
    } catch (error) {
      const failure = ioFailure(path, error);
      if (!failure.ok) result.diagnostics.push(failure.diagnostic);
      return;
    }
    if (stats.isDirectory()) {
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
      const entries = (await fs.readdir(path)).sort();
      for (const name of entries) {
        if (name.startsWith('.') || name === 'node_modules') continue;
        await visit(join(path, name), false, inside);
      }
      return;
    }
    if (!stats.isFile()) {
      if (explicit) {
        result.diagnostics.push({
          severity: 'error',
          code: 'io-error',
          file: path,
          line: 0,
          column: 0,
          message: 'not a regular file or folder',
        });
      }
      return;
    }
    if (!explicit && !manifestExtensions.some((ext) => path.endsWith(ext))) {
      result.skipped.push(path);
      return;
    }
    if (seenFiles.has(real)) return;
    seenFiles.add(real);
    result.files.push(path);
  }

  for (const path of paths) await visit(path, true, new Set());
  return result;
}
