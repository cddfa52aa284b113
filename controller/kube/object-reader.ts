// Reads any object by apiVersion/kind/name, for kubernetes probes. Kinds are mapped to resource
// paths through API discovery, cached per group/version.
import type { ObjectReader } from '../probes/kubernetes-probe.ts';
import { isKubeError } from './kube-errors.ts';
import type { KubeHttp } from './kube-http.ts';

interface DiscoveredResource {
  name: string;
  kind: string;
  namespaced: boolean;
}

export function createObjectReader(http: KubeHttp): ObjectReader {
  const discovered = new Map<string, Promise<DiscoveredResource[]>>();
  const discover = (apiVersion: string) => {
    let pending = discovered.get(apiVersion);
    if (!pending) {
      const path = apiVersion.includes('/') ? `/apis/${apiVersion}` : `/api/${apiVersion}`;
      pending = http
        .request<{ resources: DiscoveredResource[] }>({ method: 'GET', path })
        .then((list) => list.resources.filter((r) => !r.name.includes('/')));
      // A failed discovery is not cached: the next probe tries again.
      pending.catch(() => discovered.delete(apiVersion));
      discovered.set(apiVersion, pending);
    }
    return pending;
  };
  return {
    async get({ apiVersion, kind, namespace, name, signal }) {
      const resource = (await discover(apiVersion)).find((r) => r.kind === kind);
      if (!resource) throw new Error(`the API server does not serve ${kind} in ${apiVersion}`);
      const base = apiVersion.includes('/') ? `/apis/${apiVersion}` : `/api/${apiVersion}`;
      const ns = resource.namespaced ? `/namespaces/${encodeURIComponent(namespace ?? 'default')}` : '';
      try {
        return await http.request<object>({
          method: 'GET',
          path: `${base}${ns}/${resource.name}/${encodeURIComponent(name)}`,
          signal,
        });
      } catch (error) {
        if (isKubeError(error, 'NotFound')) return undefined;
        throw error;
      }
    },
  };
}
