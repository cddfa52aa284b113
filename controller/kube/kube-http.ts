// A thin JSON client for the Kubernetes API: client-node's KubeConfig supplies the server and
// the credentials (tokens, client certificates, exec plugins); requests are plain fetches, so
// any resource, subresource and patch type is one call, without generated model classes.
import { createHash } from 'node:crypto';
import type { RequestOptions } from 'node:https';
import { HttpMethod, type KubeConfig, RequestContext } from '@kubernetes/client-node';
import { Agent, type Dispatcher, ProxyAgent, request as undiciRequest } from 'undici';
import { KubeApiError } from './kube-errors.ts';

export type PatchType = 'merge' | 'json' | 'strategic';
const patchContentTypes: Record<PatchType, string> = {
  merge: 'application/merge-patch+json',
  json: 'application/json-patch+json',
  strategic: 'application/strategic-merge-patch+json',
};

export interface KubeRequest {
  method: 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE';
  path: string;
  query?: Record<string, string | number | boolean | undefined>;
  body?: unknown;
  patchType?: PatchType;
  signal?: AbortSignal;
}

export interface KubeHttp {
  request<T = unknown>(request: KubeRequest): Promise<T>;
  /** The API server URL, for logs (never credentials). */
  readonly server: string;
}

/**
 * `fieldManager` names this process in the objects' managedFields (and in the apply conflicts an
 * Argo CD user may see) on every write, instead of the HTTP client's name.
 */
export function createKubeHttp(kubeConfig: KubeConfig, options: { fieldManager?: string } = {}): KubeHttp {
  const cluster = kubeConfig.getCurrentCluster();
  if (!cluster) throw new Error('the kubeconfig has no current cluster');
  const server = cluster.server.replace(/\/$/, '');
  const connection = connectionsFor(kubeConfig);
  return {
    server,
    async request<T>(request: KubeRequest): Promise<T> {
      const url = new URL(server + request.path);
      for (const [key, value] of Object.entries(request.query ?? {})) {
        if (value !== undefined) url.searchParams.set(key, String(value));
      }
      const writes = request.method === 'POST' || request.method === 'PUT' || request.method === 'PATCH';
      if (writes && options.fieldManager && !url.searchParams.has('fieldManager')) {
        url.searchParams.set('fieldManager', options.fieldManager);
      }
      const { headers: authHeaders, dispatcher } = await connection(url, request.method);
      const headers: Record<string, string> = { ...authHeaders, accept: 'application/json' };
      if (request.body !== undefined) {
        headers['content-type'] = request.patchType
          ? patchContentTypes[request.patchType]
          : 'application/json';
      }
      // undici's request, not fetch: the same connections without a WHATWG stream per body, which made
      // fetch about twice as expensive per call here.
      let statusCode: number;
      let text: string;
      try {
        const response = await undiciRequest(url, {
          method: request.method,
          headers,
          body: request.body === undefined ? undefined : JSON.stringify(request.body),
          ...(dispatcher ? { dispatcher } : {}),
          signal: request.signal,
        });
        statusCode = response.statusCode;
        text = await response.body.text();
      } catch (error) {
        if (request.signal?.aborted) throw error;
        throw new KubeApiError({
          statusCode: 0,
          message: `cannot reach the API server: ${(error as Error).message}`,
          method: request.method,
          path: request.path,
        });
      }
      const parsed = text ? safeJson(text) : undefined;
      if (statusCode < 200 || statusCode > 299) {
        const status = (parsed ?? {}) as { reason?: string; message?: string; details?: unknown };
        throw new KubeApiError({
          statusCode,
          reason: status.reason,
          message: status.message ?? text.slice(0, 500),
          details: status.details,
          method: request.method,
          path: request.path,
        });
      }
      return parsed as T;
    },
  };
}

/**
 * Credentials per request, connections shared. client-node builds a new undici Agent each time it
 * authenticates a request whenever the cluster has any TLS setting (a CA, a client certificate,
 * skip-verify: every real kubeconfig), so each request would open a connection of its own and pay a TCP
 * and TLS handshake (test/controller/kube/kube-http.test.ts counts them). The credentials are
 * still read for every request (tokens and exec plugins rotate); the Agent is kept for as long as the TLS
 * material it was built from stays the same, and replaced (the old one closing once its requests are done)
 * when a rotation changes it.
 */
function connectionsFor(kubeConfig: KubeConfig) {
  let pool: { key: string; dispatcher: Dispatcher | undefined } | undefined;
  return async (url: URL, method: KubeRequest['method']) => {
    const options: RequestOptions = {};
    await kubeConfig.applyToHTTPSOptions(options);
    const headers: Record<string, string> = {};
    for (const [name, value] of Object.entries(options.headers ?? {}))
      if (value !== undefined) headers[name] = String(value);
    if (options.auth) headers.Authorization = `Basic ${Buffer.from(options.auth).toString('base64')}`;
    const tls = {
      ca: options.ca,
      cert: options.cert,
      key: options.key,
      pfx: options.pfx,
      passphrase: options.passphrase,
      ...(options.rejectUnauthorized === undefined ? {} : { rejectUnauthorized: options.rejectUnauthorized }),
      ...(options.servername === undefined ? {} : { servername: options.servername }),
    };
    const cluster = kubeConfig.getCurrentCluster();
    const key = createHash('sha256')
      .update(JSON.stringify([cluster?.server, cluster?.proxyUrl, tls]))
      .digest('hex');
    if (pool?.key !== key) {
      const planned = kubeConfig.createDispatcherOptions(cluster, tls);
      if (planned.type === 'socks') {
        // Tunnelled through SOCKS: client-node's own connector, built per request as it does.
        const context = new RequestContext(url.toString(), HttpMethod[method]);
        await kubeConfig.applySecurityAuthentication(context);
        return { headers: context.getHeaders(), dispatcher: context.getDispatcher() };
      }
      const previous = pool?.dispatcher;
      pool = {
        key,
        dispatcher:
          planned.type === 'agent'
            ? new Agent({ connect: planned.connect })
            : planned.type === 'proxy'
              ? new ProxyAgent({ uri: planned.uri, requestTls: planned.requestTls, connect: planned.connect })
              : undefined,
      };
      void previous?.close().catch(() => {});
    }
    return { headers, dispatcher: pool.dispatcher };
  };
}

function safeJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return { message: text.slice(0, 500) };
  }
}
