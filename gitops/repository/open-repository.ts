// Opens a repository for reading at any commit: a local folder as it is, or an HTTPS URL cloned
// (then fetched) into a cache folder. Objects come from isomorphic-git with one shared cache, so
// packfile indexes are read once per repository, not once per file.
import * as nodeFs from 'node:fs';
import { join } from 'node:path';
import git from 'isomorphic-git';
import { RepositoryError, scrubSecrets } from './errors.ts';
import { cacheFolderFor, checkRemoteUrl, syncRemote } from './remote.ts';
import { diffTrees, listTreeFiles, type TreeEntryLike } from './tree-diff.ts';
import type { ChangedFile, GitRepository } from './types.ts';

export const manifestExtensions = ['.yaml', '.yml', '.json'];

export interface OpenRepositoryOptions {
  /** A local working tree (or bare repository, with `bare: true`). */
  dir?: string;
  bare?: boolean;
  /** An https:// URL; cloned into `cacheDir`. */
  url?: string;
  /** Sent as the password of `x-access-token` through isomorphic-git's onAuth; never logged. */
  token?: string;
  /** Where clones of URLs live; reused (fetched) on the next open. */
  cacheDir?: string;
  /** Remote refs to fetch besides branches and tags, e.g. refs/pull/12/head; `resolve` knows them. */
  fetchRefs?: readonly string[];
  /** Aborts a clone or fetch in flight. */
  signal?: AbortSignal;
  fs?: typeof nodeFs;
}

const fullSha = /^[0-9a-f]{40}$/;
const shortSha = /^[0-9a-f]{4,39}$/;
// What git itself allows in a ref, minus anything a careless caller could smuggle in.
const refPattern = /^(?!.*\.\.)(?!.*\/\/)[A-Za-z0-9_][A-Za-z0-9._\-/]{0,254}(?<![/.])$/;

// One lock per cache folder: two opens of the same URL in one process never fetch at once.
const folderLocks = new Map<string, Promise<unknown>>();

async function withFolderLock<T>(folder: string, work: () => Promise<T>): Promise<T> {
  const previous = folderLocks.get(folder) ?? Promise.resolve();
  const next = previous.then(work, work);
  folderLocks.set(folder, next);
  try {
    return await next;
  } finally {
    if (folderLocks.get(folder) === next) folderLocks.delete(folder);
  }
}

export async function openRepository(options: OpenRepositoryOptions): Promise<GitRepository> {
  const fs = options.fs ?? nodeFs;
  const cache = {};
  if (Boolean(options.dir) === Boolean(options.url)) {
    throw new RepositoryError({ code: 'InvalidOptions', message: 'give exactly one of dir and url' });
  }
  let location: { dir?: string; gitdir: string };
  let source: string;
  let fetched = new Map<string, string>();
  if (options.url) {
    const url = checkRemoteUrl(options.url, options.token);
    if (!options.cacheDir) {
      throw new RepositoryError({ code: 'InvalidOptions', message: 'a URL needs a cacheDir to clone into' });
    }
    const dir = cacheFolderFor(options.cacheDir, url);
    fetched = await withFolderLock(dir, () =>
      syncRemote({
        fs,
        dir,
        url,
        token: options.token,
        refs: options.fetchRefs,
        cache,
        signal: options.signal,
      }),
    );
    location = { dir, gitdir: join(dir, '.git') };
    source = url;
  } else {
    const dir = options.dir!;
    location = options.bare ? { gitdir: dir } : { dir, gitdir: join(dir, '.git') };
    source = dir;
  }
  return new IsomorphicGitRepository({
    fs,
    location,
    source,
    cache,
    fetched,
    token: options.token,
    remote: Boolean(options.url),
  });
}

class IsomorphicGitRepository implements GitRepository {
  readonly source: string;
  readonly #fs: typeof nodeFs;
  readonly #gitdir: string;
  readonly #cache: object;
  readonly #fetched: ReadonlyMap<string, string>;
  readonly #secrets: (string | undefined)[];
  readonly #remote: boolean;
  readonly #trees = new Map<string, Promise<readonly TreeEntryLike[]>>();

  constructor(options: {
    fs: typeof nodeFs;
    location: { gitdir: string };
    source: string;
    cache: object;
    fetched: ReadonlyMap<string, string>;
    token?: string;
    remote: boolean;
  }) {
    this.source = options.source;
    this.#fs = options.fs;
    this.#gitdir = options.location.gitdir;
    this.#cache = options.cache;
    this.#fetched = options.fetched;
    this.#secrets = [options.token];
    this.#remote = options.remote;
  }

  get #git() {
    return { fs: this.#fs, gitdir: this.#gitdir, cache: this.#cache };
  }

  async resolve(ref: string): Promise<string> {
    if (typeof ref !== 'string' || !refPattern.test(ref)) {
      throw new RepositoryError({
        code: 'InvalidRef',
        message: `not a valid ref: ${JSON.stringify(String(ref).slice(0, 80))}`,
      });
    }
    const known = this.#fetched.get(ref);
    let oid: string | undefined = known ?? (fullSha.test(ref) ? ref : undefined);
    // In a clone, local branches are frozen at clone time; the remote-tracking ones are fetched.
    const candidates = this.#remote
      ? [`refs/remotes/origin/${ref}`, ref]
      : [ref, `refs/remotes/origin/${ref}`];
    for (const candidate of candidates) {
      if (oid) break;
      oid = await git
        .resolveRef({ fs: this.#fs, gitdir: this.#gitdir, ref: candidate })
        .catch(() => undefined);
    }
    if (!oid && shortSha.test(ref)) {
      oid = await git.expandOid({ ...this.#git, oid: ref }).catch(() => undefined);
    }
    if (!oid)
      throw new RepositoryError({ code: 'RefNotFound', message: `no ref or commit ${ref}`, data: { ref } });
    // Peels annotated tags and proves the commit is really here.
    const commit = await this.#call(`commit ${ref}`, 'ObjectNotFound', () =>
      git.readCommit({ ...this.#git, oid: oid! }),
    );
    return commit.oid;
  }

  async mergeBase({ base, head }: { base: string; head: string }): Promise<string | undefined> {
    const oids = await this.#call(`merge base of ${base} and ${head}`, 'ReadFailed', () =>
      git.findMergeBase({ ...this.#git, oids: [base, head] }),
    );
    // Criss-cross merges have several best bases; any one gives a sensible diff, pick stably.
    return (oids as string[]).sort()[0];
  }

  async listFiles(sha: string): Promise<string[]> {
    return listTreeFiles((oid) => this.#readTree(oid), await this.#rootTree(sha));
  }

  async readFile(sha: string, path: string): Promise<string> {
    const { blob } = await this.#call(`${path} at ${sha.slice(0, 12)}`, 'FileNotFound', () =>
      git.readBlob({ ...this.#git, oid: sha, filepath: path }),
    );
    return new TextDecoder().decode(blob);
  }

  async readBlob(oid: string): Promise<Uint8Array> {
    const { blob } = await this.#call(`blob ${oid.slice(0, 12)}`, 'ObjectNotFound', () =>
      git.readBlob({ ...this.#git, oid }),
    );
    return blob;
  }

  async changedFiles({ base, head }: { base: string | undefined; head: string }): Promise<ChangedFile[]> {
    const [baseTree, headTree] = await Promise.all([
      base ? this.#rootTree(base) : undefined,
      this.#rootTree(head),
    ]);
    return diffTrees({
      readTree: (oid) => this.#readTree(oid),
      baseTree,
      headTree,
      includeFile: (path) => manifestExtensions.some((ext) => path.endsWith(ext)),
      enterFolder: (name) => !name.startsWith('.') && name !== 'node_modules',
    });
  }

  async #rootTree(sha: string): Promise<string> {
    const { commit } = await this.#call(`commit ${sha.slice(0, 12)}`, 'ObjectNotFound', () =>
      git.readCommit({ ...this.#git, oid: sha }),
    );
    return commit.tree;
  }

  #readTree(oid: string): Promise<readonly TreeEntryLike[]> {
    let entries = this.#trees.get(oid);
    if (!entries) {
      entries = this.#call(`tree ${oid.slice(0, 12)}`, 'ReadFailed', async () => {
        const { tree } = await git.readTree({ ...this.#git, oid });
        return tree;
      });
      this.#trees.set(oid, entries);
    }
    return entries;
  }

  async #call<T>(what: string, code: RepositoryError['code'], work: () => Promise<T>): Promise<T> {
    try {
      return await work();
    } catch (error) {
      if (error instanceof RepositoryError) throw error;
      const e = error as { code?: string; message?: string };
      throw new RepositoryError({
        code: e.code === 'NotFoundError' ? code : 'ReadFailed',
        message: `cannot read ${what}: ${scrubSecrets(String(e.message ?? error), this.#secrets)}`,
        data: { cause: e.code },
      });
    }
  }
}
