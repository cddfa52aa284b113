// Fans stored changes out to watchers and keeps a bounded per-resource history so watches can resume
// from a resourceVersion; a version older than the window is answered with 410 Expired.
import { expiredError } from './errors.ts';
import type { JsonObject } from './resource-types.ts';
import type { ObjectFilter } from './selectors.ts';

export type WatchEventType = 'ADDED' | 'MODIFIED' | 'DELETED';

export interface StoredEvent {
  type: WatchEventType;
  storageKey: string;
  namespace: string;
  revision: number;
  /** The object after the change; for DELETED, its last state carrying the deletion's resourceVersion. */
  object: JsonObject;
  /** The object before the change (MODIFIED/DELETED), used to turn selector transitions into ADDED/DELETED. */
  previous?: JsonObject;
}

export interface WatchSubscriber {
  storageKey: string;
  /** Undefined watches every namespace. */
  namespace?: string;
  filter: ObjectFilter;
  send(event: { type: WatchEventType; object: JsonObject }): void;
  /** Ends the stream: `abrupt` destroys the connection instead of ending the response. */
  close(options: { abrupt: boolean }): void;
}

/** A ring buffer of events for one resource; every event newer than `startRevision` is retained. */
class EventHistory {
  private readonly events: StoredEvent[] = [];
  private head = 0;
  startRevision: number;
  private readonly capacity: number;

  constructor(options: { capacity: number; startRevision: number }) {
    this.capacity = options.capacity;
    this.startRevision = options.startRevision;
  }

  append(event: StoredEvent): void {
    this.events.push(event);
    if (this.events.length - this.head > this.capacity) {
      this.startRevision = this.events[this.head]!.revision;
      this.head += 1;
      // Reclaim the dropped prefix in batches so appends stay O(1) amortised.
      if (this.head > 1024 && this.head * 2 > this.events.length) {
        this.events.splice(0, this.head);
        this.head = 0;
      }
    }
  }

  after(revision: number): StoredEvent[] {
    const result: StoredEvent[] = [];
    for (let index = this.head; index < this.events.length; index += 1) {
      const event = this.events[index]!;
      if (event.revision > revision) result.push(event);
    }
    return result;
  }

  compact(revision: number): void {
    this.events.length = 0;
    this.head = 0;
    this.startRevision = revision;
  }
}

function withResourceVersion(object: JsonObject, revision: number): JsonObject {
  return { ...object, metadata: { ...(object.metadata as JsonObject), resourceVersion: String(revision) } };
}

/** What a watcher sees for one stored event after namespace and selector filtering, or undefined. */
export function eventForSubscriber(
  subscriber: Pick<WatchSubscriber, 'namespace' | 'filter'>,
  event: StoredEvent,
): { type: WatchEventType; object: JsonObject } | undefined {
  if (subscriber.namespace !== undefined && subscriber.namespace !== event.namespace) return undefined;
  if (subscriber.filter.matchesEverything) return { type: event.type, object: event.object };
  const matchesNow = subscriber.filter.matches(event.object);
  if (event.type === 'ADDED') return matchesNow ? { type: 'ADDED', object: event.object } : undefined;
  if (event.type === 'DELETED') return matchesNow ? { type: 'DELETED', object: event.object } : undefined;
  const matchedBefore = event.previous !== undefined && subscriber.filter.matches(event.previous);
  if (matchesNow && matchedBefore) return { type: 'MODIFIED', object: event.object };
  if (matchesNow) return { type: 'ADDED', object: event.object };
  if (matchedBefore) {
    // Leaving the selector looks like a deletion: the old content with the new resourceVersion.
    return { type: 'DELETED', object: withResourceVersion(event.previous!, event.revision) };
  }
  return undefined;
}

export class WatchHub {
  private readonly histories = new Map<string, EventHistory>();
  private readonly subscribers = new Set<WatchSubscriber>();
  private readonly historySize: number;

  constructor(options: { historySize: number }) {
    this.historySize = options.historySize;
  }

  get openWatchCount(): number {
    return this.subscribers.size;
  }

  private history(storageKey: string, currentRevision: number): EventHistory {
    let history = this.histories.get(storageKey);
    if (!history) {
      // A resource that never changed has a complete (empty) history from the beginning of time.
      history = new EventHistory({ capacity: this.historySize, startRevision: 0 });
      this.histories.set(storageKey, history);
    }
    if (history.startRevision > currentRevision) history.startRevision = currentRevision;
    return history;
  }

  publish(event: StoredEvent): void {
    this.history(event.storageKey, event.revision).append(event);
    for (const subscriber of this.subscribers) {
      if (subscriber.storageKey !== event.storageKey) continue;
      const visible = eventForSubscriber(subscriber, event);
      if (visible) subscriber.send(visible);
    }
  }

  /**
   * Registers a watcher resuming after `fromRevision`, replaying the retained events first.
   * Throws 410 Expired when the history no longer reaches back that far.
   */
  subscribeFrom(options: {
    subscriber: WatchSubscriber;
    fromRevision: number;
    currentRevision: number;
  }): void {
    const { subscriber, fromRevision, currentRevision } = options;
    const history = this.history(subscriber.storageKey, currentRevision);
    if (fromRevision < history.startRevision) {
      throw expiredError(`too old resource version: ${fromRevision} (${history.startRevision})`);
    }
    for (const event of history.after(fromRevision)) {
      const visible = eventForSubscriber(subscriber, event);
      if (visible) subscriber.send(visible);
    }
    this.subscribers.add(subscriber);
  }

  /** Registers a watcher that has already been sent the current state. */
  subscribeNow(subscriber: WatchSubscriber): void {
    this.subscribers.add(subscriber);
  }

  unsubscribe(subscriber: WatchSubscriber): void {
    this.subscribers.delete(subscriber);
  }

  /** Ends every open watch; returns how many were closed. */
  dropAll(options: { abrupt: boolean }): number {
    const open = [...this.subscribers];
    this.subscribers.clear();
    for (const subscriber of open) subscriber.close(options);
    return open.length;
  }

  /**
   * Forgets all history of the given resources (and any with history): a resume from a version older
   * than `currentRevision` now gets 410.
   */
  compact(options: { storageKeys: string[]; currentRevision: number }): void {
    for (const key of options.storageKeys) this.history(key, options.currentRevision);
    for (const history of this.histories.values()) history.compact(options.currentRevision);
  }
}
