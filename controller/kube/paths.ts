// API paths for the resources the controller touches.
import { group, version } from '../../schemas/kinds.ts';

export interface ResourceRef {
  /** '' for the core group. */
  group: string;
  version: string;
  plural: string;
  namespace?: string;
  name?: string;
  subresource?: string;
}

export function resourcePath(ref: ResourceRef): string {
  const base = ref.group ? `/apis/${ref.group}/${ref.version}` : `/api/${ref.version}`;
  const ns = ref.namespace ? `/namespaces/${encodeURIComponent(ref.namespace)}` : '';
  const name = ref.name ? `/${encodeURIComponent(ref.name)}` : '';
  const sub = ref.name && ref.subresource ? `/${ref.subresource}` : '';
  return `${base}${ns}/${ref.plural}${name}${sub}`;
}

export const resources = {
  experiments: { group, version, plural: 'chaosexperiments' },
  schedules: { group, version, plural: 'chaosschedules' },
  policies: { group, version, plural: 'chaospolicies' },
  injections: { group, version, plural: 'chaosinjections' },
  pods: { group: '', version: 'v1', plural: 'pods' },
  namespaces: { group: '', version: 'v1', plural: 'namespaces' },
  nodes: { group: '', version: 'v1', plural: 'nodes' },
  events: { group: '', version: 'v1', plural: 'events' },
  leases: { group: 'coordination.k8s.io', version: 'v1', plural: 'leases' },
} as const satisfies Record<string, Omit<ResourceRef, 'namespace' | 'name'>>;
