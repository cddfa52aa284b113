// GitHub-style pagination: `page`/`per_page` query parameters (per_page capped at 100) and a Link header
// with first/prev/next/last, which Octokit's paginate() follows.

const MAX_PER_PAGE = 100;

export function paginate<T>(options: { items: T[]; query: Record<string, unknown>; requestUrl: URL }): {
  items: T[];
  headers: Record<string, string>;
} {
  const perPage = Math.min(Math.max(Number(options.query.per_page ?? 30), 1), MAX_PER_PAGE);
  const page = Math.max(Number(options.query.page ?? 1), 1);
  const lastPage = Math.max(Math.ceil(options.items.length / perPage), 1);
  const items = options.items.slice((page - 1) * perPage, page * perPage);
  const link = (target: number, rel: string) => {
    const url = new URL(options.requestUrl);
    url.searchParams.set('per_page', String(perPage));
    url.searchParams.set('page', String(target));
    return `<${url.toString()}>; rel="${rel}"`;
  };
  const links: string[] = [];
  if (page > 1) links.push(link(page - 1, 'prev'), link(1, 'first'));
  if (page < lastPage) links.push(link(page + 1, 'next'), link(lastPage, 'last'));
  return { items, headers: links.length > 0 ? { link: links.join(', ') } : {} };
}
