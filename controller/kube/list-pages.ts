// The one way we page through a Kubernetes list: `limit` and `continue` until the server sends no
// token, so a 50,000-pod cluster never arrives as one response. Each item can be mapped as its page
// arrives (the informers keep summaries, not whole pages). The first page's resourceVersion is the
// snapshot the following pages belong to: an informer watches from it.
import type { KubeHttp, KubeRequest } from './kube-http.ts';

export interface ListPagesOptions<T, U> {
  http: Pick<KubeHttp, 'request'>;
  /** The collection, e.g. resourcePath(resources.pods). */
  path: string;
  /** Selectors and other list parameters, sent with every page. */
  query?: KubeRequest['query'];
  /** Items per page (default 500). */
  pageSize?: number;
  /** Stop after this many pages (default: no bound); `complete` then says whether the list ended. */
  maxPages?: number;
  /** Applied to each item as its page arrives. */
  map?: (item: T) => U;
}

export interface ListedPages<U> {
  items: U[];
  /** The first page's resourceVersion ('' if the server sent none). */
  resourceVersion: string;
  /** False when maxPages ended the listing while the server still had pages. */
  complete: boolean;
}

interface ListPage<T> {
  items?: T[];
  metadata?: { resourceVersion?: string; continue?: string };
}

export async function listPages<T, U = T>(options: ListPagesOptions<T, U>): Promise<ListedPages<U>> {
  const map = options.map ?? ((item: T) => item as unknown as U);
  const maxPages = options.maxPages ?? Number.POSITIVE_INFINITY;
  const items: U[] = [];
  let resourceVersion = '';
  let token: string | undefined;
  for (let page = 0; page < maxPages; page++) {
    const response = await options.http.request<ListPage<T>>({
      method: 'GET',
      path: options.path,
      query: { limit: options.pageSize ?? 500, continue: token, ...options.query },
    });
    if (page === 0) resourceVersion = response.metadata?.resourceVersion ?? '';
    for (const item of response.items ?? []) items.push(map(item));
    token = response.metadata?.continue || undefined;
    if (!token) return { items, resourceVersion, complete: true };
  }
  return { items, resourceVersion, complete: false };
}
