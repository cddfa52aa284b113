// A thin JSON client for the Kubernetes API: client-node's KubeConfig supplies the server and
// the credentials (tokens, client certificates, exec plugins); requests are plain fetches, so
// any resource, subresource and patch type is one call, without generated model classes.
import { HttpMethod, type KubeConfig, RequestContext } from '@kubernetes/client-node';
import { fetch } from 'undici';
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
      const context = new RequestContext(url.toString(), HttpMethod[request.method]);
      await kubeConfig.applySecurityAuthentication(context);
      const headers: Record<string, string> = { ...context.getHeaders(), accept: 'application/json' };
      if (request.body !== undefined) {
        headers['content-type'] = request.patchType
          ? patchContentTypes[request.patchType]
          : 'application/json';
      }
      let response: Awaited<ReturnType<typeof fetch>>;
      try {
        response = await fetch(url, {
          method: request.method,
          headers,
          body: request.body === undefined ? undefined : JSON.stringify(request.body),
          dispatcher: context.getDispatcher(),
          signal: request.signal,
        });
      } catch (error) {
        if (request.signal?.aborted) throw error;
        throw new KubeApiError({
          statusCode: 0,
          message: `cannot reach the API server: ${(error as Error).message}`,
          method: request.method,
          path: request.path,
        });
      }
      const text = await response.text();
      const parsed = text ? safeJson(text) : undefined;
      if (!response.ok) {
        const status = (parsed ?? {}) as { reason?: string; message?: string; details?: unknown };
        throw new KubeApiError({
          statusCode: response.status,
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

function safeJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return { message: text.slice(0, 500) };
  }
}
