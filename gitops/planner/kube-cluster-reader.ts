// The ClusterReader over the Kubernetes API: GET requests only (the planner never writes), lists
// read in pages so a namespace with many pods does not arrive as one huge response.
import type { KubeConfig } from '@kubernetes/client-node';
import type { ChaosPolicySpec } from '../../controller/api/types.generated.ts';
import { KubeApiError } from '../../controller/kube/kube-errors.ts';
import { createKubeHttp, type KubeHttp } from '../../controller/kube/kube-http.ts';
import { listPages } from '../../controller/kube/list-pages.ts';
import { type ResourceRef, resourcePath, resources } from '../../controller/kube/paths.ts';
import { summarizePod } from '../../controller/kube/pod-summary.ts';
import type { ClusterPolicy, ClusterReader, NamedLabels } from './cluster-reader.ts';

export interface KubeClusterReaderOptions {
  /** Either a kubeconfig (a JSON client is made from it) or a ready client. */
  kubeConfig?: KubeConfig;
  http?: KubeHttp;
  /** Items per list page (default 500). */
  pageSize?: number;
  /** Upper bound on pages per list, so a runaway continue chain ends (default 200). */
  maxPages?: number;
}

interface Labelled {
  metadata?: { name?: string; labels?: Record<string, string> };
}

/**
 * Whether a kubeconfig names a cluster to read. False when it names none, and for the stand-in
 * client-node's `loadFromDefault` makes when no kubeconfig exists at all (a cluster `cluster` at
 * `http://localhost:8080`, user `user`): reading that gives a connection error, not a plan, so
 * such a plan is made from Git only.
 */
export function namesCluster(kubeConfig: KubeConfig): boolean {
  const cluster = kubeConfig.getCurrentCluster();
  if (!cluster?.server) return false;
  const standIn =
    cluster.name === 'cluster' &&
    cluster.server === 'http://localhost:8080' &&
    kubeConfig.getCurrentUser()?.name === 'user';
  return !standIn;
}

export function kubeClusterReader(options: KubeClusterReaderOptions): ClusterReader {
  const http = options.http ?? (options.kubeConfig ? createKubeHttp(options.kubeConfig) : undefined);
  if (!http) throw new Error('kubeClusterReader needs kubeConfig or http');
  const pageSize = options.pageSize ?? 500;
  const maxPages = options.maxPages ?? 200;

  async function list<T>(ref: ResourceRef): Promise<T[]> {
    const listed = await listPages<T>({ http: http!, path: resourcePath(ref), pageSize, maxPages });
    if (!listed.complete)
      throw new Error(`listing ${ref.plural} took more than ${maxPages} pages; raise maxPages`);
    return listed.items;
  }

  const labelled = (object: Labelled): NamedLabels => ({
    name: object.metadata?.name ?? '',
    labels: object.metadata?.labels ?? {},
  });

  return {
    async pods(namespace) {
      const pods = await list<Parameters<typeof summarizePod>[0]>({ ...resources.pods, namespace });
      // The summary without the informer's metadata copy: just what selection needs.
      return pods.map((pod) => {
        const { metadata: _metadata, ...summary } = summarizePod(pod);
        return summary;
      });
    },
    async namespace(name) {
      try {
        return labelled(
          await http.request<Labelled>({
            method: 'GET',
            path: resourcePath({ ...resources.namespaces, name }),
          }),
        );
      } catch (error) {
        if (error instanceof KubeApiError && error.code === 'NotFound') return undefined;
        throw error;
      }
    },
    async policies(): Promise<ClusterPolicy[]> {
      const items = await list<Labelled & { spec?: ChaosPolicySpec }>(resources.policies);
      return items.map((p) => ({ name: p.metadata?.name ?? '', spec: p.spec ?? {} }));
    },
    async nodes() {
      return (await list<Labelled>(resources.nodes)).map(labelled);
    },
  };
}
