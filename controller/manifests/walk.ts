// Finds manifest files under the paths a user names (the roots). Folders are walked in name
// order; hidden entries and node_modules are skipped, and so is anything an --exclude glob or the
// root's .chaoscraftignore names. Symlinks are followed only to places inside a root that the walk
// would visit anyway: a link out of the roots, into a hidden folder (.git) or to an excluded path is
// reported and not followed, so nothing outside the roots is ever read. Every real folder is walked
// once (a second link to it is skipped), so link loops and link fans cannot multiply the walk, and
// the walk stops after maxWalkEntries entries.
import { type Dirent, readdirSync, readFileSync, realpathSync, statSync } from 'node:fs';
import { isAbsolute, join, matchesGlob, relative, sep } from 'node:path';
import type { Diagnostic } from './diagnostic.ts';
import { ioFailure } from './read-source.ts';

export const manifestExtensions = ['.yaml', '.yml', '.json'];
export const ignoreFileName = '.chaoscraftignore';
/** Entries (files, folders, links) looked at in one walk before it stops with an error. */
export const maxWalkEntries = 200_000;

export interface WalkResult {
  files: string[];
  diagnostics: Diagnostic[];
  /** Files and links seen but not read, with why (reported with --verbose). */
  skipped: { path: string; reason: string }[];
}

/** What the walk needs of a file system (node:fs/promises has it). */
export interface WalkFs {
  stat(path: string): Promise<{ isDirectory(): boolean; isFile(): boolean }>;
  readdir(path: string, options: { withFileTypes: true }): Promise<Dirent[]>;
  realpath(path: string): Promise<string>;
}

/**
 * The default: node:fs's synchronous calls behind the async interface, as for reading
 * (read-source.ts). A readdir takes microseconds; a thread-pool round trip for each cost more.
 */
const synchronousFs: WalkFs = {
  stat: async (path) => statSync(path),
  readdir: async (path) => readdirSync(path, { withFileTypes: true }),
  // The native realpath(3), which fs/promises uses too (realpathSync alone is a JavaScript walk).
  realpath: async (path) => realpathSync.native(path),
};

export interface WalkOptions {
  paths: readonly string[];
  /** Globs relative to each root, as in .chaoscraftignore. */
  exclude?: readonly string[];
  /** Injected for tests; node:fs (synchronous calls) by default. */
  fs?: WalkFs;
  /** Reads a root's .chaoscraftignore; undefined when there is none. Injected for tests. */
  readIgnoreFile?: (path: string) => string | undefined;
}

interface Root {
  /** The path as given, for messages. */
  path: string;
  real: string;
  patterns: readonly string[];
}

function readIgnoreFileFromDisk(path: string): string | undefined {
  try {
    return readFileSync(path, 'utf8');
  } catch {
    return undefined;
  }
}

/** A .chaoscraftignore: one glob a line; blank lines and lines starting with # are skipped. */
export function parseIgnoreFile(text: string): string[] {
  return text
    .split(/\r?\n/)
    .map((line) => line.trim())
    .filter((line) => line !== '' && !line.startsWith('#'));
}

/**
 * Whether a path relative to its root is excluded: a glob with no slash matches a name at any
 * depth (`*.tpl`, `templates`), one with a slash matches from the root (`charts/**`); a trailing
 * slash is ignored; anything under an excluded folder is excluded too.
 */
export function isExcluded(relativePath: string, patterns: readonly string[]): boolean {
  if (patterns.length === 0 || relativePath === '') return false;
  const posix = relativePath.split(sep).join('/');
  const segments = posix.split('/');
  for (const raw of patterns) {
    const pattern = raw.replace(/^\/+|\/+$/g, '');
    if (pattern === '') continue;
    if (!pattern.includes('/')) {
      if (segments.some((segment) => matchesGlob(segment, pattern))) return true;
      continue;
    }
    for (let i = 1; i <= segments.length; i++) {
      if (matchesGlob(segments.slice(0, i).join('/'), pattern)) return true;
    }
  }
  return false;
}

function inside(real: string, root: string): boolean {
  if (real === root) return true;
  const rel = relative(root, real);
  return rel !== '' && !rel.startsWith(`..${sep}`) && rel !== '..' && !isAbsolute(rel);
}

export async function findManifestFiles({
  paths,
  exclude = [],
  fs = synchronousFs,
  readIgnoreFile = readIgnoreFileFromDisk,
}: WalkOptions): Promise<WalkResult> {
  const result: WalkResult = { files: [], diagnostics: [], skipped: [] };
  const seenFiles = new Set<string>();
  const walkedDirectories = new Set<string>();
  const roots: Root[] = [];
  let entries = 0;
  let stopped = false;

  const problem = (severity: 'error' | 'warning', code: Diagnostic['code'], file: string, message: string) =>
    result.diagnostics.push({ severity, code, file, line: 0, column: 0, message });

  /** Counts an entry; false once the walk's budget is spent (reported once). */
  function budget(path: string): boolean {
    if (stopped) return false;
    if (++entries <= maxWalkEntries) return true;
    stopped = true;
    problem(
      'error',
      'walk-limit',
      path,
      `walk stopped here after ${maxWalkEntries} entries; name narrower paths or add --exclude globs`,
    );
    return false;
  }

  function addFile(path: string, real: string, explicit: boolean): void {
    if (!explicit && !manifestExtensions.some((ext) => path.endsWith(ext))) {
      result.skipped.push({ path, reason: 'not a .yaml, .yml or .json file; skipped' });
      return;
    }
    if (seenFiles.has(real)) return;
    seenFiles.add(real);
    result.files.push(path);
  }

  /** Why a real path reached through a link may not be visited, or undefined when it may. */
  function refusal(real: string): string | undefined {
    const root = roots.find((r) => inside(real, r.real));
    if (!root) return 'leads outside the paths given';
    const rel = relative(root.real, real);
    const parts = rel === '' ? [] : rel.split(sep);
    if (parts.some((p) => p.startsWith('.') || p === 'node_modules'))
      return 'leads into a hidden folder or node_modules';
    if (isExcluded(rel, root.patterns)) return 'leads to an excluded path';
    return undefined;
  }

  async function walkDirectory(path: string, real: string, root: Root): Promise<void> {
    if (walkedDirectories.has(real)) {
      result.skipped.push({ path, reason: 'folder already walked through another path; skipped' });
      return;
    }
    walkedDirectories.add(real);
    let list: Dirent[];
    try {
      list = await fs.readdir(path, { withFileTypes: true });
    } catch (error) {
      const failure = ioFailure(path, error);
      if (!failure.ok) result.diagnostics.push(failure.diagnostic);
      return;
    }
    list.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
    for (const entry of list) {
      if (entry.name.startsWith('.') || entry.name === 'node_modules') continue;
      const child = join(path, entry.name);
      const childReal = join(real, entry.name);
      // Most roots exclude nothing: no relative path to compute then.
      if (root.patterns.length > 0 && isExcluded(relative(root.real, childReal), root.patterns)) {
        result.skipped.push({ path: child, reason: 'excluded; skipped' });
        continue;
      }
      if (!budget(child)) return;
      // Plain entries need no extra system calls; only symlinks are resolved.
      if (entry.isDirectory()) await walkDirectory(child, childReal, root);
      else if (entry.isFile()) addFile(child, childReal, false);
      else if (entry.isSymbolicLink()) await followLink(child, root);
    }
  }

  async function followLink(path: string, root: Root): Promise<void> {
    let real: string;
    try {
      real = await fs.realpath(path);
    } catch (error) {
      const failure = ioFailure(path, error);
      if (!failure.ok) result.diagnostics.push({ ...failure.diagnostic, severity: 'warning' });
      return;
    }
    const why = refusal(real);
    if (why) {
      // The target is not named: it may be outside what the user asked to be read.
      problem('warning', 'symlink-outside', path, `symlink ${why}; not followed`);
      return;
    }
    let isDirectory: boolean;
    let isFile: boolean;
    try {
      const stats = await fs.stat(path);
      isDirectory = stats.isDirectory();
      isFile = stats.isFile();
    } catch (error) {
      const failure = ioFailure(path, error);
      if (!failure.ok) result.diagnostics.push(failure.diagnostic);
      return;
    }
    if (isDirectory) {
      if (walkedDirectories.has(real)) {
        problem('warning', 'symlink-loop', path, 'symlink leads to a folder already walked; not followed');
        return;
      }
      await walkDirectory(path, real, root);
    } else if (isFile) addFile(path, real, false);
  }

  // The roots first, so a link from one root into another is followed.
  const given: { path: string; real: string; isDirectory: boolean; isFile: boolean }[] = [];
  for (const path of paths) {
    try {
      const stats = await fs.stat(path);
      const real = await fs.realpath(path);
      given.push({ path, real, isDirectory: stats.isDirectory(), isFile: stats.isFile() });
    } catch (error) {
      const failure = ioFailure(path, error);
      if (!failure.ok) result.diagnostics.push(failure.diagnostic);
    }
  }
  for (const g of given) {
    const own = g.isDirectory ? readIgnoreFile(join(g.path, ignoreFileName)) : undefined;
    roots.push({
      path: g.path,
      real: g.real,
      patterns: [...exclude, ...(own === undefined ? [] : parseIgnoreFile(own))],
    });
  }
  for (const [index, g] of given.entries()) {
    if (g.isDirectory) await walkDirectory(g.path, g.real, roots[index]!);
    else if (g.isFile) addFile(g.path, g.real, true);
    else problem('error', 'io-error', g.path, 'not a regular file or folder');
  }
  return result;
}
