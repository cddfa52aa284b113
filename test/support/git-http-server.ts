// A real smart-HTTP Git server for tests: node's http server in front of `git http-backend` (CGI), serving
// the repositories under `root`, with optional basic-auth token check. Plus `createGitRepository`, which
// builds real repositories with native git and deterministic dates, so commit SHAs are stable across runs.

import { type ChildProcess, execFile, spawn } from 'node:child_process';
import { timingSafeEqual } from 'node:crypto';
import { mkdir, rm, writeFile } from 'node:fs/promises';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { dirname, join } from 'node:path';

export class GitTestError extends Error {
  readonly code: string;
  readonly data: Record<string, unknown>;
  constructor(options: { code: string; message: string; data?: Record<string, unknown> }) {
    super(options.message);
    this.name = 'GitTestError';
    this.code = options.code;
    this.data = options.data ?? {};
  }
}

/** Environment that keeps the host's git configuration (system and global) out of tests. */
function isolatedGitEnv(extra: Record<string, string> = {}): Record<string, string> {
  return {
    PATH: process.env.PATH ?? '/usr/bin:/bin',
    HOME: '/nonexistent',
    GIT_CONFIG_NOSYSTEM: '1',
    GIT_CONFIG_GLOBAL: '/dev/null',
    GIT_TERMINAL_PROMPT: '0',
    LC_ALL: 'C',
    ...extra,
  };
}

/** Runs native git with an argv array (never a shell); resolves stdout, rejects with stderr. */
export function runGit(options: {
  cwd: string;
  args: string[];
  env?: Record<string, string>;
}): Promise<string> {
  return new Promise((resolve, reject) => {
    execFile(
      'git',
      options.args,
      { cwd: options.cwd, env: isolatedGitEnv(options.env), maxBuffer: 64 * 1024 * 1024, timeout: 60_000 },
      (error, stdout, stderr) => {
        if (error) {
          reject(
            new GitTestError({
              code: 'GitFailed',
              message: `git ${options.args[0]} failed: ${stderr.trim() || error.message}`,
              data: { subcommand: options.args[0], exitCode: error.code },
            }),
          );
          return;
        }
        resolve(stdout);
      },
    );
  });
}

// ---------------------------------------------------------------------------------------------------------
// Server

export interface GitHttpLogEntry {
  method: string;
  /** Path and the `service` parameter only: nothing from headers, so credentials cannot leak here. */
  path: string;
  service: string | undefined;
  status: number;
  user: string | undefined;
  time: Date;
}

export interface GitHttpServer {
  /** Base URL; a repository `<root>/<name>` clones from `${url}/<name>`. */
  url: string;
  requests: GitHttpLogEntry[];
  close(): Promise<void>;
}

export interface StartGitHttpServerOptions {
  root: string;
  /** When set, every request needs HTTP basic auth whose password is `token` (and user, if given). */
  auth?: { token: string; username?: string };
  /** Allow pushes (git-receive-pack). Off by default, like git http-backend. */
  receivePack?: boolean;
  /** Receives one line per request (method, path, status, user) — never credentials. */
  log?: (line: string) => void;
}

const SAFE_PATH = /^\/[A-Za-z0-9._~/-]*$/;
const SERVICES = new Set(['git-upload-pack', 'git-receive-pack']);

function sameSecret(given: string, expected: string): boolean {
  const a = Buffer.from(given);
  const b = Buffer.from(expected);
  return a.length === b.length && timingSafeEqual(a, b);
}

/** Returns the authenticated user name, or undefined when credentials are missing or wrong. */
function checkBasicAuth(
  header: string | undefined,
  auth: { token: string; username?: string },
): string | undefined {
  const match = /^Basic\s+([A-Za-z0-9+/=]+)\s*$/i.exec(header ?? '');
  if (!match) return undefined;
  const decoded = Buffer.from(match[1]!, 'base64').toString('utf8');
  const colon = decoded.indexOf(':');
  if (colon < 0) return undefined;
  const username = decoded.slice(0, colon);
  const password = decoded.slice(colon + 1);
  if (!sameSecret(password, auth.token)) return undefined;
  if (auth.username !== undefined && !sameSecret(username, auth.username)) return undefined;
  return username || 'git';
}

/** Splits CGI output into status, headers and the offset where the body starts. */
function parseCgiHeaders(
  buffer: Buffer,
): { status: number; headers: Record<string, string>; bodyStart: number } | undefined {
  const crlf = buffer.indexOf('\r\n\r\n');
  const lf = buffer.indexOf('\n\n');
  const [end, separatorLength] = crlf >= 0 && (lf < 0 || crlf < lf) ? [crlf, 4] : lf >= 0 ? [lf, 2] : [-1, 0];
  if (end < 0) return undefined;
  const headers: Record<string, string> = {};
  let status = 200;
  for (const line of buffer.subarray(0, end).toString('latin1').split(/\r?\n/)) {
    const colon = line.indexOf(':');
    if (colon <= 0) continue;
    const name = line.slice(0, colon).trim();
    const value = line.slice(colon + 1).trim();
    if (name.toLowerCase() === 'status') status = Number.parseInt(value, 10) || 500;
    else headers[name] = value;
  }
  return { status, headers, bodyStart: end + separatorLength };
}

export async function startGitHttpServer(options: StartGitHttpServerOptions): Promise<GitHttpServer> {
  const requests: GitHttpLogEntry[] = [];
  const children = new Set<ChildProcess>();

  const handle = (request: IncomingMessage, response: ServerResponse) => {
    const url = new URL(request.url ?? '/', 'http://127.0.0.1');
    const service = url.searchParams.get('service') ?? undefined;
    const entry: GitHttpLogEntry = {
      method: request.method ?? 'GET',
      path: url.pathname,
      service,
      status: 0,
      user: undefined,
      time: new Date(),
    };
    const finish = (status: number) => {
      entry.status = status;
      requests.push(entry);
      options.log?.(
        `${entry.method} ${entry.path}${service ? `?service=${service}` : ''} ${status} user=${entry.user ?? '-'}`,
      );
    };
    const refuse = (status: number, message: string, headers: Record<string, string> = {}) => {
      request.resume();
      response.writeHead(status, { 'content-type': 'text/plain', ...headers });
      response.end(`${message}\n`);
      finish(status);
    };

    let pathInfo: string;
    try {
      pathInfo = decodeURIComponent(url.pathname);
    } catch {
      refuse(400, 'bad path');
      return;
    }
    // Everything that reaches the CGI environment is validated first.
    if (!SAFE_PATH.test(pathInfo) || pathInfo.split('/').some((segment) => segment === '..')) {
      refuse(404, 'not found');
      return;
    }
    if (service !== undefined && !SERVICES.has(service)) {
      refuse(403, 'unknown service');
      return;
    }
    if (options.auth) {
      entry.user = checkBasicAuth(request.headers.authorization, options.auth);
      if (!entry.user) {
        refuse(401, 'authentication required', { 'www-authenticate': 'Basic realm="chaoscraft-test-git"' });
        return;
      }
    }
    const cgiEnv: Record<string, string> = {
      GIT_PROJECT_ROOT: options.root,
      GIT_HTTP_EXPORT_ALL: '1',
      GATEWAY_INTERFACE: 'CGI/1.1',
      SERVER_PROTOCOL: 'HTTP/1.1',
      REQUEST_METHOD: entry.method,
      PATH_INFO: pathInfo,
      QUERY_STRING: url.search.slice(1),
      CONTENT_TYPE: request.headers['content-type'] ?? '',
      REMOTE_ADDR: request.socket.remoteAddress ?? '127.0.0.1',
    };
    if (request.headers['content-length']) cgiEnv.CONTENT_LENGTH = request.headers['content-length'];
    if (request.headers['content-encoding'])
      cgiEnv.HTTP_CONTENT_ENCODING = request.headers['content-encoding'];
    const protocol = request.headers['git-protocol'];
    if (typeof protocol === 'string') cgiEnv.GIT_PROTOCOL = protocol;
    if (entry.user) cgiEnv.REMOTE_USER = entry.user;
    const args = ['http-backend'];
    // http-backend allows receive-pack only for authenticated users unless configured; make it explicit.
    const config = options.receivePack ? ['-c', 'http.receivepack=true'] : ['-c', 'http.receivepack=false'];
    const child = spawn('git', [...config, ...args], {
      env: isolatedGitEnv(cgiEnv),
      stdio: ['pipe', 'pipe', 'pipe'],
    });
    children.add(child);
    let stderr = '';
    child.stderr!.on('data', (chunk: Buffer) => {
      stderr += chunk.toString('utf8').slice(0, 4096);
    });
    request.pipe(child.stdin!);
    child.stdin!.on('error', () => {}); // the backend may exit before reading everything (e.g. 404)

    let head = Buffer.alloc(0);
    let headersSent = false;
    child.stdout!.on('data', (chunk: Buffer) => {
      if (headersSent) {
        response.write(chunk);
        return;
      }
      head = Buffer.concat([head, chunk]);
      const parsed = parseCgiHeaders(head);
      if (!parsed) return;
      headersSent = true;
      response.writeHead(parsed.status, parsed.headers);
      response.write(head.subarray(parsed.bodyStart));
      entry.status = parsed.status;
    });
    child.on('error', (error) => {
      children.delete(child);
      if (!headersSent) refuse(500, `cannot run git http-backend: ${error.message}`);
    });
    child.on('close', (code) => {
      children.delete(child);
      if (!headersSent) {
        refuse(502, `git http-backend exited (${code}) without headers: ${stderr.trim()}`);
        return;
      }
      response.end();
      finish(entry.status);
    });
  };

  const server = createServer(handle);
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve());
  });
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    requests,
    close: () =>
      new Promise<void>((resolve, reject) => {
        for (const child of children) child.kill('SIGTERM');
        server.close((error) => (error ? reject(error) : resolve()));
        server.closeAllConnections();
      }),
  };
}

// ---------------------------------------------------------------------------------------------------------
// Repository builder

const REPO_NAME = /^[A-Za-z0-9][A-Za-z0-9._-]*$/;
const REF_NAME = /^[A-Za-z0-9][A-Za-z0-9._/-]*$/;
const DEFAULT_START = new Date('2024-01-01T00:00:00Z');

function assertRefName(name: string): void {
  if (
    !REF_NAME.test(name) ||
    name.includes('..') ||
    name.includes('//') ||
    name.endsWith('/') ||
    name.endsWith('.lock')
  ) {
    throw new GitTestError({ code: 'InvalidRefName', message: `invalid ref name ${JSON.stringify(name)}` });
  }
}

function assertFilePath(path: string): void {
  const segments = path.split('/');
  if (
    path.startsWith('/') ||
    path.includes('\0') ||
    segments.some((segment) => segment === '' || segment === '.' || segment === '..') ||
    segments[0] === '.git'
  ) {
    throw new GitTestError({ code: 'InvalidPath', message: `invalid file path ${JSON.stringify(path)}` });
  }
}

export interface TestGitRepository {
  /** Working tree directory: `<root>/<name>`. */
  dir: string;
  name: string;
  writeFiles(options: { files: Record<string, string> }): Promise<void>;
  removeFiles(options: { paths: string[] }): Promise<void>;
  /** Stages everything and commits; returns the commit SHA. Dates advance one minute per commit. */
  commit(options: { message: string; date?: Date }): Promise<string>;
  createBranch(options: { name: string; startPoint?: string }): Promise<void>;
  checkout(options: { ref: string }): Promise<void>;
  tag(options: { name: string }): Promise<void>;
  revParse(options: { ref: string }): Promise<string>;
}

/**
 * Creates a non-bare repository `<root>/<name>` (what `startGitHttpServer({ root })` serves as `/<name>`).
 * Author, committer and dates are fixed, so the same steps always give the same SHAs.
 */
export async function createGitRepository(options: {
  root: string;
  name: string;
  defaultBranch?: string;
  author?: { name: string; email: string };
  startDate?: Date;
}): Promise<TestGitRepository> {
  if (!REPO_NAME.test(options.name)) {
    throw new GitTestError({
      code: 'InvalidRepoName',
      message: `invalid repository name ${JSON.stringify(options.name)}`,
    });
  }
  const defaultBranch = options.defaultBranch ?? 'main';
  assertRefName(defaultBranch);
  const author = options.author ?? { name: 'ChaosCraft Test', email: 'test@chaoscraft.invalid' };
  const dir = join(options.root, options.name);
  await mkdir(dir, { recursive: true });
  const git = (args: string[], env?: Record<string, string>) =>
    runGit({ cwd: dir, args, ...(env ? { env } : {}) });
  await git(['init', '--quiet', `--initial-branch=${defaultBranch}`]);
  let commits = 0;
  const startMs = (options.startDate ?? DEFAULT_START).getTime();

  return {
    dir,
    name: options.name,
    async writeFiles({ files }) {
      for (const [path, content] of Object.entries(files)) {
        assertFilePath(path);
        await mkdir(dirname(join(dir, path)), { recursive: true });
        await writeFile(join(dir, path), content);
      }
    },
    async removeFiles({ paths }) {
      for (const path of paths) {
        assertFilePath(path);
        await rm(join(dir, path), { force: true });
      }
    },
    async commit({ message, date }) {
      const when = (date ?? new Date(startMs + commits * 60_000)).toISOString();
      commits += 1;
      await git(['add', '--all']);
      await git(['commit', '--quiet', '--allow-empty', '--no-verify', '--no-gpg-sign', '-m', message], {
        GIT_AUTHOR_NAME: author.name,
        GIT_AUTHOR_EMAIL: author.email,
        GIT_AUTHOR_DATE: when,
        GIT_COMMITTER_NAME: author.name,
        GIT_COMMITTER_EMAIL: author.email,
        GIT_COMMITTER_DATE: when,
      });
      return (await git(['rev-parse', 'HEAD'])).trim();
    },
    async createBranch({ name, startPoint }) {
      assertRefName(name);
      if (startPoint !== undefined) assertRefName(startPoint);
      await git(['branch', name, ...(startPoint ? [startPoint] : [])]);
    },
    async checkout({ ref }) {
      assertRefName(ref);
      await git(['checkout', '--quiet', ref, '--']);
    },
    async tag({ name }) {
      assertRefName(name);
      await git(['tag', name]);
    },
    async revParse({ ref }) {
      assertRefName(ref);
      return (await git(['rev-parse', '--verify', '--quiet', `${ref}^{commit}`])).trim();
    },
  };
}
