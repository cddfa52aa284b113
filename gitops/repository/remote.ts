// Cloning and fetching over HTTPS into a cache folder. The token goes to isomorphic-git only
// through `onAuth`; the URL keeps no credentials, and every error is scrubbed of the token
// before it leaves this module.
import { createHash } from 'node:crypto';
import type * as nodeFs from 'node:fs';
import { join } from 'node:path';
import git from 'isomorphic-git';
import http from 'isomorphic-git/http/node';
import { RepositoryError, scrubSecrets } from './errors.ts';

export interface RemoteSource {
  /** The URL as given, credentials refused, trailing slashes removed. */
  url: string;
  token?: string;
}

const loopbackHosts = new Set(['127.0.0.1', 'localhost', '[::1]']);

/** Checks the URL; a token is only ever sent over HTTPS (or to this machine, for tests). */
export function checkRemoteUrl(raw: string, token: string | undefined): string {
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    throw new RepositoryError({ code: 'InvalidUrl', message: 'the repository URL is not a valid URL' });
  }
  if (url.protocol !== 'https:' && url.protocol !== 'http:') {
    throw new RepositoryError({
      code: 'InvalidUrl',
      message: `only https:// repository URLs are supported, not ${url.protocol}`,
      data: { host: url.host },
    });
  }
  if (url.username || url.password) {
    throw new RepositoryError({
      code: 'CredentialsInUrl',
      message: 'the repository URL carries credentials; pass the token separately so it is never logged',
      data: { host: url.host },
    });
  }
  if (token && url.protocol === 'http:' && !loopbackHosts.has(url.hostname)) {
    throw new RepositoryError({
      code: 'InsecureToken',
      message: `refusing to send a token over plain http to ${url.host}; use https`,
      data: { host: url.host },
    });
  }
  url.hash = '';
  return url.toString().replace(/\/+$/, '');
}

/** One folder per repository URL inside the cache: readable name plus a hash of the whole URL. */
export function cacheFolderFor(cacheDir: string, url: string): string {
  const hash = createHash('sha256').update(url).digest('hex').slice(0, 16);
  const name = (new URL(url).pathname.split('/').filter(Boolean).pop() ?? 'repo')
    .replace(/\.git$/, '')
    .replace(/[^A-Za-z0-9._-]/g, '_')
    .slice(0, 40);
  return join(cacheDir, `${name || 'repo'}-${hash}`);
}

export function authCallbacks(token: string | undefined) {
  if (!token) return {};
  // GitHub accepts installation and personal tokens as the password of any user name; this one
  // is what GitHub documents for App installation tokens.
  return {
    onAuth: () => ({ username: 'x-access-token', password: token }),
    // A rejected token is final: never loop, never prompt.
    onAuthFailure: () => ({ cancel: true }),
  };
}

/** Turns any isomorphic-git failure into a RepositoryError whose message cannot carry the token. */
export function remoteFailure(error: unknown, url: string, token: string | undefined): RepositoryError {
  const e = error as { code?: string; message?: string; data?: { statusCode?: number } };
  const statusCode = e.data?.statusCode;
  const host = new URL(url).host;
  if (e.code === 'UserCanceledError' || statusCode === 401 || statusCode === 403) {
    return new RepositoryError({
      code: 'AuthenticationFailed',
      message: `the git server at ${host} refused the credentials${token ? ' (token rejected)' : ' (no token given)'}`,
      data: { host, statusCode },
    });
  }
  // HttpError messages embed the response body; keep the first line only, scrubbed.
  const firstLine = scrubSecrets(String(e.message ?? error), [token])
    .split('\n')[0]!
    .slice(0, 300);
  return new RepositoryError({
    code: 'FetchFailed',
    message: `cannot fetch ${url}: ${firstLine}`,
    data: { host, statusCode, cause: e.code },
  });
}

export interface SyncOptions {
  fs: typeof nodeFs;
  dir: string;
  url: string;
  token?: string;
  /** Extra remote refs to fetch by name, e.g. refs/pull/12/head; returns their SHAs. */
  refs?: readonly string[];
  cache: object;
  /** Aborts the HTTP requests in flight (a plan past its deadline). */
  signal?: AbortSignal;
}

/** isomorphic-git's node HTTP client, with the requests tied to `signal` when one is given. */
function httpClient(signal: AbortSignal | undefined): typeof http {
  return signal
    ? { request: (request: Parameters<typeof http.request>[0]) => http.request({ ...request, signal }) }
    : http;
}

async function exists(fs: typeof nodeFs, path: string): Promise<boolean> {
  try {
    await fs.promises.stat(path);
    return true;
  } catch {
    return false;
  }
}

/** Clones (first time) or fetches every branch and tag, then each extra ref. */
export async function syncRemote(options: SyncOptions): Promise<Map<string, string>> {
  const { fs, dir, url, token, cache } = options;
  const common = { fs, http: httpClient(options.signal), dir, url, cache, ...authCallbacks(token) };
  const fetched = new Map<string, string>();
  try {
    if (await exists(fs, join(dir, '.git', 'HEAD'))) {
      await git.fetch({ ...common, singleBranch: false, tags: true, prune: true });
    } else {
      await fs.promises.mkdir(dir, { recursive: true });
      await git.clone({ ...common, noCheckout: true, singleBranch: false });
    }
    for (const ref of options.refs ?? []) {
      const result = await git.fetch({ ...common, ref, singleBranch: true, tags: false });
      if (result.fetchHead) fetched.set(ref, result.fetchHead);
    }
  } catch (error) {
    throw remoteFailure(error, url, token);
  }
  return fetched;
}

export interface ShallowFetchOptions {
  fs: typeof nodeFs;
  /** A bare repository folder, made on first use; one per URL and branch. */
  gitdir: string;
  url: string;
  token?: string;
  branch: string;
  cache: object;
  /** The commit already read; when the remote branch still points there, nothing is downloaded. */
  known?: string;
  /** Aborts the HTTP requests in flight (isomorphic-git's fetch has no signal; its HTTP client does). */
  signal?: AbortSignal;
}

/**
 * Asks the remote where `branch` points (one ref advertisement) and, when that is not `known`,
 * fetches that commit alone (depth 1, this branch only, no tags). Returns the branch's commit.
 * Errors are RepositoryErrors scrubbed of the token, as everywhere in this module.
 */
export async function fetchBranchShallow(
  options: ShallowFetchOptions,
): Promise<{ head: string; fetched: boolean }> {
  const { fs, gitdir, url, token, branch, cache, signal } = options;
  const client = httpClient(signal);
  const fullRef = `refs/heads/${branch}`;
  try {
    const refs = await git.listServerRefs({ http: client, url, prefix: fullRef, ...authCallbacks(token) });
    const head = refs.find((ref) => ref.ref === fullRef)?.oid;
    if (!head) {
      throw new RepositoryError({
        code: 'RefNotFound',
        message: `${new URL(url).host} has no branch ${branch}`,
        data: { ref: branch },
      });
    }
    if (head === options.known) return { head, fetched: false };
    if (!(await exists(fs, join(gitdir, 'HEAD')))) {
      await git.init({ fs, gitdir, bare: true, defaultBranch: branch });
      await git.addRemote({ fs, gitdir, remote: 'origin', url, force: true });
    }
    const result = await git.fetch({
      fs,
      http: client,
      gitdir,
      url,
      cache,
      ref: branch,
      singleBranch: true,
      depth: 1,
      tags: false,
      ...authCallbacks(token),
    });
    // The branch may have moved between the advertisement and the fetch: the fetched commit counts.
    return { head: result.fetchHead ?? head, fetched: true };
  } catch (error) {
    if (error instanceof RepositoryError) throw error;
    throw remoteFailure(error, url, token);
  }
}
