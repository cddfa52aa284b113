// The cluster state: storage, watch fan-out and the primitives every write goes through
// (one resourceVersion per write, one watch event per write, listeners for the built-in controllers).
import { randomInt, randomUUID } from 'node:crypto';
import { notFoundError } from './errors.ts';
import { checkStoredSize } from './object-size.ts';
import { metadataOf, ObjectStore, type StoredRef } from './object-store.ts';
import type { ResourceRegistry } from './resource-registry.ts';
import {
  apiVersionOf,
  type JsonObject,
  qualifiedResourceOf,
  type ResourceType,
  storageKeyOf,
} from './resource-types.ts';
import { type StoredEvent, WatchHub } from './watch-hub.ts';

export interface ClusterOptions {
  registry: ResourceRegistry;
  /** Watch events retained per resource for resuming watches. */
  historySize: number;
  now: () => Date;
  /** Five characters appended to generateName; injectable for deterministic names. */
  randomSuffix: () => string;
  newUid: () => string;
  /** `enforce`: objects can only be created in existing, non-terminating namespaces (NamespaceLifecycle). */
  namespaceLifecycle: 'enforce' | 'off';
  /** What a pod created through the API looks like: `running` simulates scheduler+kubelet at once. */
  podStartup: 'running' | 'pending';
  /** Simulated kubelet: how long a gracefully deleted pod lingers with a deletionTimestamp. */
  podTerminationDelayMs: number;
  /** Simulated kubelet: Pending → Running (not Ready) after `startDelayMs`, Ready `readyDelayMs` later. */
  podStartDelays: { startDelayMs: number; readyDelayMs: number };
}

export type ChangeListener = (event: StoredEvent) => void;

const SUFFIX_ALPHABET = 'bcdfghjklmnpqrstvwxz2456789';

export function randomNameSuffix(): string {
  let suffix = '';
  for (let index = 0; index < 5; index += 1) suffix += SUFFIX_ALPHABET[randomInt(SUFFIX_ALPHABET.length)];
  return suffix;
}

export const defaultIdentity = { randomSuffix: randomNameSuffix, newUid: () => randomUUID() };

export class Cluster {
  readonly store = new ObjectStore();
  readonly hub: WatchHub;
  readonly registry: ResourceRegistry;
  readonly options: ClusterOptions;
  /** Revision of the last compaction: continue tokens older than this are expired. */
  compactedRevision = 0;
  private readonly listeners: ChangeListener[] = [];
  private readonly timers = new Set<NodeJS.Timeout>();
  private readonly pendingKeys = new Set<string>();
  private closed = false;

  constructor(options: ClusterOptions) {
    this.options = options;
    this.registry = options.registry;
    this.hub = new WatchHub({ historySize: options.historySize });
  }

  onChange(listener: ChangeListener): void {
    this.listeners.push(listener);
  }

  /** Runs `action` later unless the server has closed; timers never keep the process alive. */
  schedule(delayMs: number, action: () => void): void {
    if (this.closed) return;
    const timer = setTimeout(() => {
      this.timers.delete(timer);
      if (!this.closed) action();
    }, delayMs);
    timer.unref();
    this.timers.add(timer);
  }

  /** Like `schedule`, but at most one pending run per key: bursts of changes cost one reconcile. */
  scheduleOnce(key: string, delayMs: number, action: () => void): void {
    if (this.pendingKeys.has(key)) return;
    this.pendingKeys.add(key);
    this.schedule(delayMs, () => {
      this.pendingKeys.delete(key);
      action();
    });
  }

  close(): void {
    this.closed = true;
    for (const timer of this.timers) clearTimeout(timer);
    this.timers.clear();
  }

  timestamp(offsetSeconds = 0): string {
    const time = new Date(this.options.now().getTime() + offsetSeconds * 1000);
    return time.toISOString().replace(/\.\d{3}Z$/, 'Z');
  }

  refOf(type: ResourceType, namespace: string | undefined, name: string): StoredRef {
    return { storageKey: storageKeyOf(type), namespace: type.namespaced ? (namespace ?? '') : '', name };
  }

  find(type: ResourceType, namespace: string | undefined, name: string): JsonObject | undefined {
    return this.store.get(this.refOf(type, namespace, name));
  }

  require(type: ResourceType, namespace: string | undefined, name: string): JsonObject {
    const found = this.find(type, namespace, name);
    if (!found) {
      throw notFoundError({
        qualifiedResource: qualifiedResourceOf(type),
        group: type.group,
        kind: type.plural,
        name,
      });
    }
    return found;
  }

  /** The type objects of a storage key were registered under (the first served version). */
  typeForStorageKey(storageKey: string): ResourceType | undefined {
    return this.registry.all().find((type) => storageKeyOf(type) === storageKey);
  }

  /** Shows a stored object in the requested version (storage is shared across versions). */
  present(type: ResourceType, object: JsonObject): JsonObject {
    const apiVersion = apiVersionOf(type);
    return object.apiVersion === apiVersion ? object : { ...object, apiVersion };
  }

  private emit(event: StoredEvent): void {
    this.hub.publish(event);
    for (const listener of this.listeners) listener(event);
  }

  private stamp(object: JsonObject): { object: JsonObject; revision: number } {
    const resourceVersion = this.store.nextResourceVersion();
    const stamped = { ...object, metadata: { ...(object.metadata as JsonObject), resourceVersion } };
    return { object: stamped, revision: Number(resourceVersion) };
  }

  commitCreate(type: ResourceType, object: JsonObject): JsonObject {
    const { object: stored, revision } = this.stamp(object);
    checkStoredSize(stored);
    const metadata = metadataOf(stored);
    const ref = this.refOf(type, metadata.namespace, metadata.name);
    this.store.put(ref, stored);
    this.emit({
      type: 'ADDED',
      storageKey: ref.storageKey,
      namespace: ref.namespace,
      revision,
      object: stored,
    });
    return stored;
  }

  commitUpdate(type: ResourceType, previous: JsonObject, next: JsonObject): JsonObject {
    const { object: stored, revision } = this.stamp(next);
    checkStoredSize(stored);
    const metadata = metadataOf(stored);
    const ref = this.refOf(type, metadata.namespace, metadata.name);
    this.store.put(ref, stored);
    this.emit({
      type: 'MODIFIED',
      storageKey: ref.storageKey,
      namespace: ref.namespace,
      revision,
      object: stored,
      previous,
    });
    return stored;
  }

  /** Removes the object for good; the DELETED event carries its last state at the deletion's version. */
  commitRemoval(type: ResourceType, object: JsonObject): JsonObject {
    const { object: last, revision } = this.stamp(object);
    const metadata = metadataOf(last);
    const ref = this.refOf(type, metadata.namespace, metadata.name);
    this.store.remove(ref);
    this.emit({
      type: 'DELETED',
      storageKey: ref.storageKey,
      namespace: ref.namespace,
      revision,
      object: last,
      previous: object,
    });
    return last;
  }

  /** Forgets watch history and old continue tokens, as etcd compaction does. */
  compact(): void {
    this.compactedRevision = this.store.currentRevision;
    this.hub.compact({
      storageKeys: this.registry.storageKeys(),
      currentRevision: this.store.currentRevision,
    });
  }
}
