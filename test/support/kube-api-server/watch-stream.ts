// A watch response: newline-delimited JSON events over a chunked HTTP 200 response, with bookmarks,
// timeoutSeconds, selectors, and 410 Expired delivered as an ERROR event (as kube-apiserver does).
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Cluster } from './cluster.ts';
import { badRequestError, KubeApiError } from './errors.ts';
import { apiVersionOf, type JsonObject, type ResourceType, storageKeyOf } from './resource-types.ts';
import { compileObjectFilter } from './selectors.ts';
import { type IncludeObject, tableFor } from './table.ts';
import { OrderedDelivery } from './watch-delay.ts';
import type { WatchEventType, WatchSubscriber } from './watch-hub.ts';

export interface WatchRequest {
  cluster: Cluster;
  request: IncomingMessage;
  response: ServerResponse;
  type: ResourceType;
  namespace?: string;
  resourceVersion?: string;
  labelSelector?: string;
  fieldSelector?: string;
  timeoutSeconds?: number;
  allowWatchBookmarks: boolean;
  bookmarkIntervalMs: number;
  asTable: boolean;
  includeObject: IncludeObject;
  /** Draws how long the next event waits (cache lag); events of this stream keep their order. */
  eventDelayMs: () => number;
}

/** Validates the request; throws (before anything is written) for bad selectors or versions. */
export function serveWatch(watch: WatchRequest): void {
  const { cluster, type, response } = watch;
  const filter = compileObjectFilter({
    labelSelector: watch.labelSelector,
    fieldSelector: watch.fieldSelector,
    kind: type.kind,
  });
  const requested = watch.resourceVersion;
  const fromRevision = requested && requested !== '0' ? Number(requested) : undefined;
  if (fromRevision !== undefined && (!Number.isInteger(fromRevision) || fromRevision < 0)) {
    throw badRequestError(`invalid resourceVersion "${requested}" for watch`);
  }
  response.writeHead(200, {
    'Content-Type': 'application/json',
    'Cache-Control': 'no-cache, private',
  });
  response.flushHeaders();

  let ended = false;
  let bookmarkTimer: NodeJS.Timeout | undefined;
  let timeoutTimer: NodeJS.Timeout | undefined;
  // The events of one turn of the event loop leave in one write, as a buffering server sends them: a
  // burst (100 deletes answered together) costs each watcher one system call, not one per event.
  let corked = false;
  const uncork = () => {
    if (!corked) return;
    corked = false;
    response.uncork();
  };
  const writeNow = (event: JsonObject) => {
    if (ended) return;
    if (!corked) {
      corked = true;
      response.cork();
      setImmediate(uncork);
    }
    response.write(`${JSON.stringify(event)}\n`);
  };
  // Events and bookmarks share one ordered, delayed lane: a bookmark never overtakes an event.
  const delivery = new OrderedDelivery({ delayMs: watch.eventDelayMs });
  const write = (event: JsonObject) => delivery.push(() => writeNow(event));
  const encode = (type: WatchEventType, object: JsonObject): JsonObject => {
    const shown = cluster.present(watch.type, object);
    if (!watch.asTable) return { type, object: shown };
    const metadata = shown.metadata as { resourceVersion?: string };
    const table = tableFor({
      type: watch.type,
      objects: [shown],
      resourceVersion: metadata.resourceVersion ?? '',
      includeObject: watch.includeObject,
      now: cluster.options.now(),
    });
    return { type, object: table };
  };
  const finish = (abrupt: boolean) => {
    if (ended) return;
    ended = true;
    clearTimeout(bookmarkTimer);
    clearTimeout(timeoutTimer);
    delivery.clear();
    // What was written before the end still goes out.
    uncork();
    cluster.hub.unsubscribe(subscriber);
    if (abrupt) {
      response.socket?.destroy();
      response.destroy();
    } else {
      response.end();
    }
  };
  const subscriber: WatchSubscriber = {
    storageKey: storageKeyOf(type),
    namespace: type.namespaced ? watch.namespace : undefined,
    filter,
    send: (event) => write(encode(event.type, event.object)),
    close: ({ abrupt }) => finish(abrupt),
  };
  watch.request.on('close', () => finish(false));
  response.on('close', () => finish(false));

  try {
    if (fromRevision === undefined) {
      // "Start at most recent": synthetic ADDED events for the current state, then live changes.
      const storage = cluster.store.storage(storageKeyOf(type));
      for (const object of storage.listSorted(type.namespaced ? watch.namespace : undefined)) {
        if (filter.matches(object)) write(encode('ADDED', object));
      }
      cluster.hub.subscribeNow(subscriber);
    } else {
      cluster.hub.subscribeFrom({ subscriber, fromRevision, currentRevision: cluster.store.currentRevision });
    }
  } catch (error) {
    if (!(error instanceof KubeApiError)) throw error;
    // kube-apiserver answers a too-old resourceVersion with HTTP 200 and a single ERROR event.
    writeNow({ type: 'ERROR', object: error.toStatus() });
    finish(false);
    return;
  }

  if (watch.allowWatchBookmarks && !watch.asTable) {
    const sendBookmark = () => {
      write({
        type: 'BOOKMARK',
        object: {
          kind: type.kind,
          apiVersion: apiVersionOf(type),
          metadata: { resourceVersion: String(cluster.store.currentRevision) },
        },
      });
      bookmarkTimer = unrefTimer(watch.bookmarkIntervalMs, sendBookmark);
    };
    bookmarkTimer = unrefTimer(watch.bookmarkIntervalMs, sendBookmark);
  }
  if (watch.timeoutSeconds !== undefined && watch.timeoutSeconds > 0) {
    timeoutTimer = unrefTimer(watch.timeoutSeconds * 1000, () => finish(false));
  }
}

function unrefTimer(delayMs: number, action: () => void): NodeJS.Timeout {
  const timer = setTimeout(action, delayMs);
  timer.unref();
  return timer;
}
