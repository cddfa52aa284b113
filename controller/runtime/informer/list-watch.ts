/**
 * What an informer needs from the API: a consistent list and a watch from a resourceVersion. Behind this
 * interface the informer can be unit-tested with a scripted fake, and run against client-node in production
 * (see controller/kube/kube-list-watch.ts).
 */
import type { KubeObject } from '../kube-object.ts';

export interface ListResult<T extends KubeObject> {
  items: T[];
  /** The list's resourceVersion; the watch starts from it. */
  resourceVersion: string;
}

/** A metav1.Status as sent in a watch ERROR event (410 Gone carries code 410, reason 'Expired'). */
export interface WatchStatus {
  kind?: string;
  code?: number;
  reason?: string;
  message?: string;
}

export type WatchEvent<T extends KubeObject> =
  | { type: 'ADDED' | 'MODIFIED' | 'DELETED' | 'BOOKMARK'; object: T }
  | { type: 'ERROR'; object: WatchStatus };

export interface ListWatch<T extends KubeObject> {
  list(options: { signal: AbortSignal }): Promise<ListResult<T>>;
  /**
   * Streams events to `onEvent` until the stream ends. Resolves when the server closed the stream normally
   * or `signal` aborted; rejects on a failed request or broken stream (with code 'Gone' for HTTP 410).
   */
  watch(options: {
    resourceVersion: string;
    signal: AbortSignal;
    onEvent: (event: WatchEvent<T>) => void;
  }): Promise<void>;
}
