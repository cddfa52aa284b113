/**
 * ListWatch over @kubernetes/client-node: the caller's list function (any generated `list…` call) and
 * client-node's `Watch` for the stream. Thin on purpose: it only maps outcomes onto the ListWatch contract
 * (410 → GoneError, client-side inactivity timeout → normal end, our own abort → normal end).
 */
import {
  type KubeConfig,
  type KubernetesListObject,
  type KubernetesObject,
  Watch,
} from '@kubernetes/client-node';
import { GoneError, WatchFailedError } from '../runtime/errors.ts';
import type { ListWatch, WatchEvent } from '../runtime/informer/list-watch.ts';

export interface KubeListWatchOptions<T extends KubernetesObject> {
  kubeConfig: KubeConfig;
  /** The collection's path, e.g. `/apis/chaoscraft.io/v1alpha1/chaosexperiments`. */
  path: string;
  /** Lists the same collection with the same selectors, e.g. `() => api.listClusterCustomObject(...)`. */
  list: () => Promise<KubernetesListObject<T>>;
  labelSelector?: string;
  fieldSelector?: string;
  /** Injected for tests; defaults to `new Watch(kubeConfig)`. */
  watch?: Pick<Watch, 'watch'>;
}

function statusCode(error: unknown): number | undefined {
  const value = (error as { statusCode?: unknown; code?: unknown } | null) ?? {};
  if (typeof value.statusCode === 'number') return value.statusCode;
  return typeof value.code === 'number' ? value.code : undefined;
}

export function listWatchFromKube<T extends KubernetesObject>(
  options: KubeListWatchOptions<T>,
): ListWatch<T> {
  const watcher = options.watch ?? new Watch(options.kubeConfig);
  return {
    async list() {
      try {
        const listed = await options.list();
        return { items: listed.items ?? [], resourceVersion: listed.metadata?.resourceVersion ?? '' };
      } catch (error) {
        if (statusCode(error) === 410)
          throw new GoneError('list: resource version expired', { cause: error });
        throw error;
      }
    },

    watch({ resourceVersion, signal, onEvent }) {
      return new Promise<void>((resolve, reject) => {
        let controller: AbortController | undefined;
        const onAbort = () => controller?.abort();
        const finish = (error: unknown) => {
          signal.removeEventListener('abort', onAbort);
          if (!error || signal.aborted) return resolve();
          if ((error as { name?: unknown }).name === 'TimeoutError') return resolve();
          if (statusCode(error) === 410) return reject(new GoneError('watch: resource version expired'));
          reject(
            new WatchFailedError('watch request failed', {
              data: { statusCode: statusCode(error) },
              cause: error,
            }),
          );
        };
        signal.addEventListener('abort', onAbort, { once: true });
        const query: Record<string, string | boolean> = { allowWatchBookmarks: true };
        if (resourceVersion !== '') query.resourceVersion = resourceVersion;
        if (options.labelSelector !== undefined) query.labelSelector = options.labelSelector;
        if (options.fieldSelector !== undefined) query.fieldSelector = options.fieldSelector;
        watcher
          .watch(options.path, query, (type, object) => onEvent({ type, object } as WatchEvent<T>), finish)
          .then((started) => {
            controller = started;
            if (signal.aborted) started.abort();
          })
          .catch(finish);
      });
    },
  };
}
