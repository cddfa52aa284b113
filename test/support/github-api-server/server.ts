// The GitHub API test server: an in-memory GitHub on 127.0.0.1 that the real Octokit talks to. Every
// request is matched and validated against the extracted OpenAPI description, and so is every response
// it produces; mismatches are recorded in `contractViolations` so tests can insist the fake stays honest.

import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { authenticate } from './auth.ts';
import { GitHubContract } from './contract.ts';
import {
  type ContractViolation,
  ContractViolationError,
  DOCUMENTATION_URL,
  GitHubApiError,
  validationFailed,
} from './errors.ts';
import { HANDLERS, type HandlerResult } from './handlers.ts';
import { RateLimits } from './rate-limits.ts';
import { Representations } from './representations.ts';
import { GitHubState, type Identity } from './state.ts';

const MAX_BODY_BYTES = 8 * 1024 * 1024;
/** Operations GitHub does not charge against the primary rate limit. */
const FREE_OPERATIONS = new Set(['rate-limit/get', 'apps/create-installation-access-token']);

export interface RequestLogEntry {
  method: string;
  /** Path without the query string (query values could carry secrets). */
  path: string;
  operationId: string | undefined;
  status: number;
  time: Date;
  durationMs: number;
}

export interface GitHubApiServerControls {
  primaryLimit(options: { remaining: number; resetAt: Date }): void;
  secondaryLimit(options: { count: number; retryAfterSeconds: number }): void;
  /** The next `count` requests answer `status` (5xx) — for retry tests. */
  failNext(options: { count: number; status: number }): void;
  /** Rewrites the next JSON response body before it is validated — to prove the response check works. */
  tamperNextResponse(options: { mutate: (body: unknown) => unknown }): void;
}

export interface GitHubApiServer {
  /** Base URL for Octokit's `baseUrl`, e.g. http://127.0.0.1:41234 */
  url: string;
  state: GitHubState;
  controls: GitHubApiServerControls;
  contract: GitHubContract;
  contractViolations: ContractViolation[];
  requests: RequestLogEntry[];
  /** Requests that create or change content (what GitHub's secondary limit counts). */
  contentCreatingRequests(): RequestLogEntry[];
  close(): Promise<void>;
}

export interface StartGitHubApiServerOptions {
  /** Personal access tokens accepted as `token X` / `Bearer X`, each acting as a user. */
  tokens?: Array<{ token: string; login: string }>;
  /** Injected clock (timestamps, JWT checks, rate-limit windows). Defaults to the real clock. */
  now?: () => Date;
  htmlBaseUrl?: string;
  /** Primary rate limit per window (default 5000). */
  rateLimit?: number;
}

function readBody(request: IncomingMessage): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    request.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size > MAX_BODY_BYTES) {
        reject(new GitHubApiError({ status: 413, message: 'Payload too large', code: 'PayloadTooLarge' }));
        request.destroy();
        return;
      }
      chunks.push(chunk);
    });
    request.on('end', () => resolve(Buffer.concat(chunks)));
    request.on('error', reject);
  });
}

function whoForLimits(identity: Identity | undefined): string {
  if (!identity) return 'your IP address';
  if (identity.kind === 'installation') return `installation ID ${identity.installationId}`;
  if (identity.kind === 'app') return `app ID ${identity.appId}`;
  return `user ${identity.login}`;
}

export async function startGitHubApiServer(
  options: StartGitHubApiServerOptions = {},
): Promise<GitHubApiServer> {
  const now = options.now ?? (() => new Date());
  const contract = new GitHubContract();
  const state = new GitHubState({ now });
  for (const token of options.tokens ?? []) state.addToken(token);
  const rateLimits = new RateLimits({ now, ...(options.rateLimit ? { limit: options.rateLimit } : {}) });
  const contractViolations: ContractViolation[] = [];
  const requests: RequestLogEntry[] = [];
  let tamper: ((body: unknown) => unknown) | undefined;
  let repr: Representations | undefined;

  const violation = (entry: Omit<ContractViolation, 'status'> & { status?: number }): ContractViolation => {
    const recorded: ContractViolation = { ...entry, status: entry.status };
    contractViolations.push(recorded);
    return recorded;
  };

  async function handle(
    request: IncomingMessage,
    baseUrl: string,
  ): Promise<HandlerResult & { operationId?: string }> {
    const method = request.method ?? 'GET';
    const url = new URL(request.url ?? '/', baseUrl);
    const raw = await readBody(request);
    const match = contract.match({ method, pathname: url.pathname });
    if (!match) {
      violation({
        kind: 'request',
        code: 'UnknownOperation',
        method,
        path: url.pathname,
        operationId: undefined,
        details: ['/ no operation in the OpenAPI subset matches this method and path'],
      });
      return {
        status: 404,
        body: { message: 'Not Found', documentation_url: DOCUMENTATION_URL, status: '404' },
      };
    }
    const operationId = match.operationId;
    const requestViolation = (code: string, details: string[]) =>
      violation({ kind: 'request', code, method, path: url.pathname, operationId, details });

    const identity = authenticate({ authorization: request.headers.authorization, state, now: now() });
    rateLimits.admit({ counts: !FREE_OPERATIONS.has(operationId), who: whoForLimits(identity) });

    const params = contract.validateParameters({
      operationId,
      pathParams: match.pathParams,
      query: Object.fromEntries(url.searchParams),
    });
    if (!params.ok) {
      requestViolation('InvalidParameters', params.details);
      throw validationFailed({
        message: `Invalid request.\n\n${params.details.join('\n')}`,
        errors: params.details.map((detail) => ({ resource: 'Request', code: 'invalid', message: detail })),
      });
    }
    let parsed: unknown;
    if (raw.length > 0) {
      try {
        parsed = JSON.parse(raw.toString('utf8'));
      } catch {
        requestViolation('InvalidJson', ['/ body is not JSON']);
        throw new GitHubApiError({ status: 400, message: 'Problems parsing JSON', code: 'InvalidJson' });
      }
    }
    const body = contract.validateBody({ operationId, body: parsed });
    if (!body.ok) {
      requestViolation('InvalidBody', body.details);
      throw validationFailed({
        message: `Invalid request.\n\n${body.details.join('\n')}`,
        errors: body.details.map((detail) => ({ resource: 'Request', code: 'invalid', message: detail })),
      });
    }
    const handler = HANDLERS[operationId];
    if (!handler) throw new Error(`no handler for ${operationId}`);
    return {
      operationId,
      ...handler({
        identity,
        path: params.value.path,
        query: params.value.query,
        body: (body.value ?? {}) as Record<string, unknown>,
        state,
        repr: repr!,
        rateLimits,
        now: now(),
        requestUrl: url,
      }),
    };
  }

  const server = createServer((request, response: ServerResponse) => {
    const started = performance.now();
    const method = request.method ?? 'GET';
    const path = new URL(request.url ?? '/', 'http://127.0.0.1').pathname;
    const respond = (result: HandlerResult & { operationId?: string }) => {
      let status = result.status;
      let body = result.body;
      if (tamper && body !== undefined) {
        body = tamper(body);
        tamper = undefined;
      }
      const checked = contract.validateResponse({ operationId: result.operationId, status, body });
      if (!checked.ok) {
        const error = new ContractViolationError({
          kind: 'response',
          code: 'InvalidResponse',
          method,
          path,
          operationId: result.operationId,
          status,
          details: checked.details,
        });
        contractViolations.push(error.data);
        status = 500;
        body = { message: error.message, documentation_url: DOCUMENTATION_URL, status: '500' };
      }
      const headers: Record<string, string> = {
        ...rateLimits.headers(),
        'x-github-request-id': `${Date.now().toString(16)}:${requests.length}`.toUpperCase(),
        'x-github-api-version-selected': '2022-11-28',
        ...(result.headers ?? {}),
      };
      if (body !== undefined) headers['content-type'] = 'application/json; charset=utf-8';
      response.writeHead(status, headers);
      response.end(body === undefined ? undefined : JSON.stringify(body));
      requests.push({
        method,
        path,
        operationId: result.operationId,
        status,
        time: now(),
        durationMs: performance.now() - started,
      });
    };
    const address = server.address() as AddressInfo;
    handle(request, `http://127.0.0.1:${address.port}`).then(respond, (error: unknown) => {
      const operationId = contract.match({ method, pathname: path })?.operationId;
      if (error instanceof GitHubApiError) {
        respond({ operationId, status: error.status, body: error.toBody(), headers: error.headers });
        return;
      }
      const message = error instanceof Error ? error.message : String(error);
      respond({
        operationId,
        status: 500,
        body: { message: `test server error: ${message}`, status: '500' },
      });
    });
  });

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve());
  });
  const { port } = server.address() as AddressInfo;
  const url = `http://127.0.0.1:${port}`;
  repr = new Representations({
    state,
    apiBaseUrl: url,
    htmlBaseUrl: options.htmlBaseUrl ?? 'https://github.test',
  });

  return {
    url,
    state,
    contract,
    contractViolations,
    requests,
    controls: {
      primaryLimit: (limit) => rateLimits.primaryLimit(limit),
      secondaryLimit: (limit) => rateLimits.secondaryLimit(limit),
      failNext: (failure) => rateLimits.failNext(failure),
      tamperNextResponse: ({ mutate }) => {
        tamper = mutate;
      },
    },
    contentCreatingRequests: () =>
      requests.filter(
        (entry) =>
          entry.method !== 'GET' &&
          entry.method !== 'HEAD' &&
          entry.operationId !== 'apps/create-installation-access-token',
      ),
    close: () =>
      new Promise<void>((resolve, reject) => {
        server.close((error) => (error ? reject(error) : resolve()));
        server.closeAllConnections();
      }),
  };
}
