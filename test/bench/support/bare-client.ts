// A bare Kubernetes client for baselines, written without any product code: fetch (undici) with
// the kubeconfig's bearer token, paging with limit/continue, deletes with bounded concurrency and a
// line-by-line watch. What the product does, done the plainest way a program can.
import { createInterface } from 'node:readline';
import { Readable } from 'node:stream';
import { kubeConfigFor } from '../../support/kube-api-server/index.ts';

type Server = Parameters<typeof kubeConfigFor>[0];

export interface BareClient {
  /** Every item of a list path, `limit` at a time. Returns the items and the number of requests. */
  listAll(
    path: string,
    options?: { limit?: number; labelSelector?: string },
  ): Promise<{ items: unknown[]; pages: number }>;
  /** DELETEs each path, at most `concurrency` in flight; resolves with the HTTP statuses. */
  deleteAll(paths: readonly string[], options: { concurrency: number; body?: unknown }): Promise<number[]>;
  /** Calls `onEvent` for each watch event of `path` until `signal` aborts. */
  watch(path: string, onEvent: (event: { type: string; object: unknown }) => void, signal: AbortSignal): void;
}

export function bareClient(server: Server): BareClient {
  const user = kubeConfigFor(server).getCurrentUser();
  const headers: Record<string, string> = { Accept: 'application/json' };
  if (user?.token) headers.Authorization = `Bearer ${user.token}`;

  async function getJson(path: string): Promise<Record<string, unknown>> {
    const response = await fetch(`${server.url}${path}`, { headers });
    if (!response.ok) throw new Error(`GET ${path}: ${response.status} ${await response.text()}`);
    return (await response.json()) as Record<string, unknown>;
  }

  return {
    async listAll(path, options = {}) {
      const items: unknown[] = [];
      let pages = 0;
      let token: string | undefined;
      do {
        const query = new URLSearchParams({ limit: String(options.limit ?? 500) });
        if (options.labelSelector) query.set('labelSelector', options.labelSelector);
        if (token) query.set('continue', token);
        const page = await getJson(`${path}?${query}`);
        pages++;
        items.push(...((page.items as unknown[]) ?? []));
        token = (page.metadata as { continue?: string } | undefined)?.continue || undefined;
        if (pages > 100_000) throw new Error('more than 100,000 pages');
      } while (token);
      return { items, pages };
    },

    async deleteAll(paths, options) {
      const statuses: number[] = new Array(paths.length);
      let next = 0;
      const body = options.body === undefined ? undefined : JSON.stringify(options.body);
      const worker = async () => {
        while (next < paths.length) {
          const index = next++;
          const response = await fetch(`${server.url}${paths[index]}`, {
            method: 'DELETE',
            headers: body === undefined ? headers : { ...headers, 'Content-Type': 'application/json' },
            body,
          });
          await response.arrayBuffer();
          statuses[index] = response.status;
        }
      };
      await Promise.all(Array.from({ length: Math.min(options.concurrency, paths.length) }, worker));
      return statuses;
    },

    watch(path, onEvent, signal) {
      void (async () => {
        const separator = path.includes('?') ? '&' : '?';
        const response = await fetch(`${server.url}${path}${separator}watch=1`, { headers, signal });
        if (!response.ok || !response.body) throw new Error(`watch ${path}: ${response.status}`);
        const lines = createInterface({ input: Readable.fromWeb(response.body as never) });
        for await (const line of lines)
          if (line) onEvent(JSON.parse(line) as { type: string; object: unknown });
      })().catch(() => {});
    },
  };
}
