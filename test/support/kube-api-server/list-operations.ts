// list with label/field selectors and limit/continue paging (continue tokens expire on compaction).
import type { Cluster } from './cluster.ts';
import { badRequestError, expiredError } from './errors.ts';
import { listJson } from './json-cache.ts';
import { metadataOf } from './object-store.ts';
import { apiVersionOf, type JsonObject, type ResourceType, storageKeyOf } from './resource-types.ts';
import { compileObjectFilter } from './selectors.ts';

export interface ListRequest {
  type: ResourceType;
  /** Undefined lists all namespaces (or a cluster-scoped resource). */
  namespace?: string;
  labelSelector?: string;
  fieldSelector?: string;
  limit?: number;
  continueToken?: string;
}

export interface ListResult {
  items: JsonObject[];
  resourceVersion: string;
  continueToken?: string;
  remainingItemCount?: number;
}

interface ContinuePosition {
  /** The revision of the first page; kept so every page reports the same list version. */
  revision: number;
  /** namespace/name key of the last item returned. */
  after: string;
}

function keyOf(object: JsonObject): string {
  const metadata = metadataOf(object);
  return `${metadata.namespace ?? ''}/${metadata.name}`;
}

function encodeContinue(position: ContinuePosition): string {
  return Buffer.from(
    JSON.stringify({ v: 'chaoscraft.test/v1', rv: position.revision, start: position.after }),
  ).toString('base64url');
}

function decodeContinue(token: string): ContinuePosition {
  try {
    const decoded = JSON.parse(Buffer.from(token, 'base64url').toString('utf8')) as {
      rv: number;
      start: string;
    };
    if (typeof decoded.rv !== 'number' || typeof decoded.start !== 'string') throw new Error('shape');
    return { revision: decoded.rv, after: decoded.start };
  } catch {
    throw badRequestError(
      'continue key is not valid: incorrect encoded start resourceVersion (version meta.k8s.io/v1)',
    );
  }
}

/** First index whose key sorts after `key` in an array ordered by namespace then name. */
function indexAfter(items: JsonObject[], key: string): number {
  let low = 0;
  let high = items.length;
  while (low < high) {
    const middle = (low + high) >>> 1;
    if (keyOf(items[middle]!) <= key) low = middle + 1;
    else high = middle;
  }
  return low;
}

export function listObjects(cluster: Cluster, request: ListRequest): ListResult {
  const { type } = request;
  const filter = compileObjectFilter({
    labelSelector: request.labelSelector,
    fieldSelector: request.fieldSelector,
    kind: type.kind,
  });
  const storage = cluster.store.storage(storageKeyOf(type));
  let candidates = storage.listSorted(type.namespaced ? request.namespace : undefined);
  let revision = cluster.store.currentRevision;
  if (request.continueToken) {
    const position = decodeContinue(request.continueToken);
    if (position.revision < cluster.compactedRevision) {
      throw expiredError(
        'The provided continue parameter is too old to display a consistent list result. You can start a new list without the continue parameter.',
      );
    }
    revision = position.revision;
    candidates = candidates.slice(indexAfter(candidates, position.after));
  }
  const limit = request.limit && request.limit > 0 ? request.limit : undefined;
  const wantsVersion = apiVersionOf(type);
  const items: JsonObject[] = [];
  let scanned = 0;
  for (const candidate of candidates) {
    if (limit !== undefined && items.length >= limit) break;
    scanned += 1;
    if (filter.matchesEverything || filter.matches(candidate)) {
      items.push(candidate.apiVersion === wantsVersion ? candidate : cluster.present(type, candidate));
    }
  }
  const result: ListResult = { items, resourceVersion: String(revision) };
  const hasMore = limit !== undefined && items.length >= limit && scanned < candidates.length;
  if (hasMore) {
    const rest = candidates.slice(scanned);
    const moreMatch = filter.matchesEverything ? rest.length > 0 : rest.some((item) => filter.matches(item));
    if (moreMatch) {
      result.continueToken = encodeContinue({ revision, after: keyOf(items[items.length - 1]!) });
      if (filter.matchesEverything) result.remainingItemCount = rest.length;
    }
  }
  return result;
}

/** The JSON text of a list response, e.g. `{"kind":"PodList","apiVersion":"v1","metadata":...,"items":[...]}`. */
export function listBody(type: ResourceType, result: ListResult): string {
  const metadata: JsonObject = { resourceVersion: result.resourceVersion };
  if (result.continueToken) metadata.continue = result.continueToken;
  if (result.remainingItemCount !== undefined) metadata.remainingItemCount = result.remainingItemCount;
  return listJson({
    head: { kind: `${type.kind}List`, apiVersion: apiVersionOf(type), metadata },
    items: result.items,
  });
}
