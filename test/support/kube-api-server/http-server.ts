// The HTTP front: routing, injected latency/failures, request accounting, errors as metav1.Status.
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { createServer as createTlsServer } from 'node:https';
import { setTimeout as sleep } from 'node:timers/promises';
import {
  type Authenticator,
  impersonationRequest,
  serviceAccountOf,
  type UserInfo,
} from './authentication.ts';
import type { Cluster } from './cluster.ts';
import { warningHeaderValue } from './content-types.ts';
import type { DeleteCounter } from './delete-counter.ts';
import { internalError, KubeApiError, methodNotAllowedError } from './errors.ts';
import { routeRequest } from './http-routing.ts';
import { authorize, forbiddenError } from './rbac-authorizer.ts';
import { type RequestAttributes, type ResourceAttributes, requestAttributes } from './request-attributes.ts';
import { readBody, responseFormat, verbFor } from './request-parsing.ts';
import { handleResourceCall } from './resource-handlers.ts';
import type { KubeVerb, RequestRecord, TestControls } from './test-controls.ts';
import { serveWatch } from './watch-stream.ts';

export interface HttpFrontOptions {
  cluster: Cluster;
  controls: TestControls;
  authenticator: Authenticator;
  /** Notes every DELETE of one object (delete-counter.ts). */
  deletes?: DeleteCounter;
  bookmarkIntervalMs: number;
  /** Filled in once the server listens; discovery reports it to clients. */
  serverAddress: () => string;
}

function sendJson(response: ServerResponse, status: number, body: unknown): void {
  const text = typeof body === 'string' ? body : JSON.stringify(body);
  response.writeHead(status, {
    'Content-Type': 'application/json',
    'Content-Length': Buffer.byteLength(text),
  });
  response.end(text);
}

function sendError(response: ServerResponse, error: KubeApiError): void {
  if (response.headersSent) {
    response.destroy();
    return;
  }
  if (error.httpStatus === 429) response.setHeader('Retry-After', '1');
  sendJson(response, error.httpStatus, error.toStatus());
}

/** Plain HTTP, or HTTPS with `tls` (kubectl sends credentials only over TLS). */
export function createHttpFront(options: HttpFrontOptions, tls?: { key: string; cert: string }): Server {
  const listener = (request: IncomingMessage, response: ServerResponse) => {
    handle(options, request, response).catch((error: unknown) => {
      const apiError =
        error instanceof KubeApiError ? error : internalError((error as Error)?.message ?? String(error));
      sendError(response, apiError);
    });
  };
  const server = tls ? createTlsServer(tls, listener) : createServer(listener);
  server.keepAliveTimeout = 5_000;
  return server;
}

async function handle(
  options: HttpFrontOptions,
  request: IncomingMessage,
  response: ServerResponse,
): Promise<void> {
  const { cluster, controls } = options;
  const startedAt = Date.now();
  const url = new URL(request.url ?? '/', 'http://127.0.0.1');
  const method = (request.method ?? 'GET').toUpperCase();
  const record: RequestRecord = {
    method,
    path: url.pathname,
    verb: 'discovery',
    resource: '',
    status: 0,
    startedAt,
    durationMs: 0,
  };
  let logged = false;
  const log = () => {
    if (logged) return;
    logged = true;
    record.status = response.statusCode;
    record.durationMs = Date.now() - startedAt;
    controls.record(record);
  };
  response.on('finish', log);
  response.on('close', log);

  const user = authenticateAndAuthorize(options, request, url, method, record);

  const target = routeRequest({
    registry: cluster.registry,
    pathname: url.pathname,
    serverAddress: options.serverAddress(),
  });
  if (target.kind === 'resource') {
    record.resource = target.type.plural;
    if (target.subresource) record.subresource = target.subresource;
    if (target.namespace) record.namespace = target.namespace;
    if (target.name) record.name = target.name;
  }
  if (controls.latencyMs > 0) await sleep(controls.latencyMs);

  if (target.kind !== 'resource') {
    if (method !== 'GET') throw methodNotAllowedError(`${method} is not allowed on ${url.pathname}`);
    if (target.kind === 'notFound') {
      throw new KubeApiError({
        code: 'NotFound',
        httpStatus: 404,
        reason: 'NotFound',
        message: 'the server could not find the requested resource',
      });
    }
    if (target.kind === 'text') {
      response.writeHead(200, { 'Content-Type': 'text/plain' });
      response.end(target.body);
      return;
    }
    sendJson(response, 200, target.body);
    return;
  }

  const verb: KubeVerb | undefined = verbFor(method, target.name !== undefined, url.searchParams);
  if (!verb) throw methodNotAllowedError(`${method} is not supported on ${url.pathname}`);
  record.verb = verb;
  const injected = controls.takeFailure(verb, target.type.plural, target.subresource);
  if (injected) throw injected;
  const format = responseFormat(request.headers.accept, url.searchParams);

  if (verb === 'watch') {
    const query = url.searchParams;
    const timeout = query.get('timeoutSeconds');
    serveWatch({
      cluster,
      request,
      response,
      type: target.type,
      namespace: target.namespace,
      resourceVersion: query.get('resourceVersion') ?? undefined,
      labelSelector: query.get('labelSelector') ?? undefined,
      fieldSelector: query.get('fieldSelector') ?? undefined,
      timeoutSeconds: timeout ? Number(timeout) : undefined,
      allowWatchBookmarks: query.get('allowWatchBookmarks') === 'true',
      bookmarkIntervalMs: options.bookmarkIntervalMs,
      asTable: format.asTable,
      includeObject: format.includeObject,
      eventDelayMs: () => controls.nextWatchEventDelayMs(),
    });
    // A watch is counted when it starts; its stream may stay open for the whole test.
    log();
    return;
  }

  const bodyBytes = method === 'GET' ? Buffer.alloc(0) : await readBody(request);
  const bodyText = bodyBytes.toString('utf8');
  if (verb === 'delete' && target.name !== undefined && options.deletes) {
    const done = options.deletes.begin({ ...target, name: target.name, cluster, bodyText });
    response.once('close', () => done(response.statusCode));
  }
  const result = markRefusal(record, () =>
    handleResourceCall({
      cluster,
      verb,
      type: target.type,
      namespace: target.namespace,
      name: target.name,
      subresource: target.subresource,
      query: url.searchParams,
      contentType: request.headers['content-type'],
      bodyText,
      bodyBytes,
      format,
      user,
      userAgent: request.headers['user-agent'],
    }),
  );
  if (result.warnings && result.warnings.length > 0) {
    response.setHeader('Warning', result.warnings.map(warningHeaderValue));
  }
  sendJson(response, result.status, result.body);
}

/** Authentication, impersonation and RBAC, before anything else looks at the request (401, then 403). */
function authenticateAndAuthorize(
  options: HttpFrontOptions,
  request: IncomingMessage,
  url: URL,
  method: string,
  record: RequestRecord,
): UserInfo {
  const store = options.cluster.store;
  let user = options.authenticator.authenticate(request.headers);
  record.user = user.username;
  const deny = (attributes: RequestAttributes, reason: string) => {
    record.forbidden = true;
    return forbiddenError(user, attributes, reason);
  };
  const impersonation = impersonationRequest(request.headers);
  if (impersonation) {
    const impersonated = impersonation.user;
    const account = serviceAccountOf(impersonated.username);
    const targets: RequestAttributes[] = [
      account
        ? { ...impersonate('serviceaccounts', account.name), namespace: account.namespace }
        : impersonate('users', impersonated.username),
      ...impersonation.requestedGroups.map((group) => impersonate('groups', group)),
    ];
    for (const target of targets) {
      const decision = authorize(store, user, target);
      if (!decision.allowed) throw deny(target, decision.reason);
    }
    user = impersonated;
    record.user = user.username;
  }
  const attributes = requestAttributes({ method, pathname: url.pathname, query: url.searchParams });
  const decision = authorize(store, user, attributes);
  if (!decision.allowed) {
    // Refused before routing: the record says what was asked, as the authorizer saw it.
    if (attributes.kind === 'resource') {
      Object.assign(record, {
        verb: attributes.verb as KubeVerb,
        resource: attributes.resource,
        ...(attributes.subresource ? { subresource: attributes.subresource } : {}),
        ...(attributes.namespace ? { namespace: attributes.namespace } : {}),
        ...(attributes.name ? { name: attributes.name } : {}),
      });
    }
    throw deny(attributes, decision.reason);
  }
  return user;
}

function impersonate(resource: string, name: string): ResourceAttributes {
  return {
    kind: 'resource',
    verb: 'impersonate',
    group: '',
    version: '',
    resource,
    subresource: '',
    namespace: '',
    name,
  };
}

/** A refusal decided inside a handler (create by apply) counts as an RBAC refusal too. */
function markRefusal<T>(record: RequestRecord, call: () => T): T {
  try {
    return call();
  } catch (error) {
    if (error instanceof KubeApiError && error.code === 'Forbidden') record.forbidden = true;
    throw error;
  }
}
