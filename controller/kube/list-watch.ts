// ListWatch for the informers: pages through lists (listPages, 500 at a time, so a 50,000-pod
// cluster never sits in memory as one response) and can transform each object on the way in, so
// the cache keeps only what the controller reads.
import type { KubeConfig, KubernetesObject } from '@kubernetes/client-node';
import type { ListWatch, WatchEvent } from '../runtime/index.ts';
import type { KubeHttp } from './kube-http.ts';
import { listWatchFromKube } from './kube-list-watch.ts';
import { listPages } from './list-pages.ts';
import { type ResourceRef, resourcePath } from './paths.ts';

export interface KubeListWatchOptions<T extends KubernetesObject> {
  kubeConfig: KubeConfig;
  http: KubeHttp;
  resource: Omit<ResourceRef, 'name' | 'subresource'>;
  labelSelector?: string;
  fieldSelector?: string;
  pageSize?: number;
  transform?: (object: KubernetesObject) => T;
}

export function kubeListWatch<T extends KubernetesObject>(options: KubeListWatchOptions<T>): ListWatch<T> {
  const path = resourcePath(options.resource);
  const transform = options.transform ?? ((object: KubernetesObject) => object as T);
  const inner = listWatchFromKube<KubernetesObject>({
    kubeConfig: options.kubeConfig,
    path,
    labelSelector: options.labelSelector,
    fieldSelector: options.fieldSelector,
    list: async () => {
      const { items, resourceVersion } = await listPages<KubernetesObject>({
        http: options.http,
        path,
        query: { labelSelector: options.labelSelector, fieldSelector: options.fieldSelector },
        pageSize: options.pageSize,
        map: transform,
      });
      return { apiVersion: 'v1', kind: 'List', items, metadata: { resourceVersion } };
    },
  });
  return {
    list: inner.list as ListWatch<T>['list'],
    watch: ({ resourceVersion, signal, onEvent }) =>
      inner.watch({
        resourceVersion,
        signal,
        onEvent: (event) => {
          if (event.type === 'ERROR' || event.type === 'BOOKMARK') onEvent(event as WatchEvent<T>);
          else onEvent({ type: event.type, object: transform(event.object) });
        },
      }),
  };
}
