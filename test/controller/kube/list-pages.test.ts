import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { KubeRequest } from '../../../controller/kube/kube-http.ts';
import { listPages } from '../../../controller/kube/list-pages.ts';

/** A collection of `count` items served `limit` at a time; continue tokens are the next offset. */
function pagedServer(count: number, options: { resourceVersionOf?: (page: number) => string } = {}) {
  const requests: KubeRequest[] = [];
  const http = {
    async request<T>(request: KubeRequest): Promise<T> {
      requests.push(request);
      const limit = Number(request.query?.limit);
      const from = request.query?.continue === undefined ? 0 : Number(request.query.continue);
      const items = Array.from({ length: Math.min(limit, count - from) }, (_, i) => ({ n: from + i }));
      const next = from + items.length;
      const page = requests.length - 1;
      return {
        items,
        metadata: {
          resourceVersion: options.resourceVersionOf?.(page) ?? String(100 + page),
          ...(next < count ? { continue: String(next) } : { continue: '' }),
        },
      } as T;
    },
  };
  return { http, requests };
}

test('pages with limit and continue until the server sends no token', async () => {
  const { http, requests } = pagedServer(7);
  const listed = await listPages<{ n: number }>({ http, path: '/api/v1/pods', pageSize: 3 });
  assert.deepEqual(
    listed.items.map((i) => i.n),
    [0, 1, 2, 3, 4, 5, 6],
  );
  assert.equal(listed.complete, true);
  assert.deepEqual(
    requests.map((r) => [r.method, r.path, r.query?.limit, r.query?.continue]),
    [
      ['GET', '/api/v1/pods', 3, undefined],
      ['GET', '/api/v1/pods', 3, '3'],
      ['GET', '/api/v1/pods', 3, '6'],
    ],
  );
});

test("the first page's resourceVersion is the list's, selectors go with every page, items are mapped", async () => {
  const { http, requests } = pagedServer(4);
  const listed = await listPages<{ n: number }, string>({
    http,
    path: '/p',
    pageSize: 2,
    query: { labelSelector: 'app=web', fieldSelector: undefined },
    map: (item) => `#${item.n}`,
  });
  assert.equal(listed.resourceVersion, '100');
  assert.deepEqual(listed.items, ['#0', '#1', '#2', '#3']);
  assert.ok(requests.every((r) => r.query?.labelSelector === 'app=web'));
});

test('500 at a time by default; maxPages stops early and says the list is incomplete', async () => {
  const { http, requests } = pagedServer(1_200);
  const all = await listPages({ http, path: '/p' });
  assert.equal(all.items.length, 1_200);
  assert.deepEqual(
    requests.map((r) => r.query?.limit),
    [500, 500, 500],
  );
  const cut = await listPages({ http, path: '/p', maxPages: 2 });
  assert.equal(cut.items.length, 1_000);
  assert.equal(cut.complete, false);
});

test('an empty list is complete, with the version the server sent', async () => {
  const { http } = pagedServer(0, { resourceVersionOf: () => '42' });
  assert.deepEqual(await listPages({ http, path: '/p' }), {
    items: [],
    resourceVersion: '42',
    complete: true,
  });
});
