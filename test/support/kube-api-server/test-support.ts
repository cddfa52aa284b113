// Shared bits of this directory's own tests: the fixture CRD directory and a bounded wait.

import { fileURLToPath } from 'node:url';

export const FIXTURE_CRD_DIRECTORY = fileURLToPath(new URL('../../fixtures/kube/crds/', import.meta.url));

import { waitFor } from '../wait.ts';
import type { KubeApiServer } from './index.ts';

export { waitFor };

/** Creates namespaces a test writes into: the server refuses objects in missing namespaces, as a cluster does. */
export function createNamespaces(server: Pick<KubeApiServer, 'create'>, ...names: string[]): void {
  for (const name of names) server.create({ apiVersion: 'v1', kind: 'Namespace', metadata: { name } });
}

/** Collects callback events into an array a test can wait on. */
export class EventRecorder<T> {
  readonly events: T[] = [];

  push = (event: T): void => {
    this.events.push(event);
  };

  async waitForCount(count: number, what: string, timeoutMs = 5000): Promise<T[]> {
    await waitFor({ condition: () => this.events.length >= count, timeoutMs, what });
    return this.events;
  }
}

/** `fetch` of a path on the server with the admin's bearer token (without one, a request is system:anonymous). */
export function adminFetch(
  server: Pick<KubeApiServer, 'url' | 'tokenFor'>,
  path: string,
  init: { method?: string; headers?: Record<string, string>; body?: string; signal?: AbortSignal } = {},
): Promise<Response> {
  const headers = { ...init.headers, Authorization: `Bearer ${server.tokenFor('admin')}` };
  return fetch(`${server.url}${path}`, { ...init, headers });
}
