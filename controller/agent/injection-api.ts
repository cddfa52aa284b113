/**
 * The agent's writes to ChaosInjections: merge patches carrying the resourceVersion they were computed
 * from (optimistic concurrency), on the object for finalizers and on the status subresource for status. On
 * a 409 the object is read again and the change recomputed from the fresh copy, a bounded number of times.
 */

import { agentFinalizer } from '../api/contract.ts';
import type { ChaosInjectionStatus } from '../api/types.generated.ts';
import { isKubeError } from '../kube/kube-errors.ts';
import type { KubeHttp } from '../kube/kube-http.ts';
import { resourcePath, resources } from '../kube/paths.ts';
import type { InjectionObject } from './injection-object.ts';

const MAX_CONFLICT_RETRIES = 5;

export interface InjectionApi {
  /** The current object, or undefined when it is gone. */
  get(options: { namespace: string; name: string }): Promise<InjectionObject | undefined>;
  /** Adds the agent's finalizer (no-op when present). Undefined when the object is gone. */
  addFinalizer(options: { injection: InjectionObject }): Promise<InjectionObject | undefined>;
  /** Removes the agent's finalizer (no-op when absent). Undefined when the object is gone. */
  removeFinalizer(options: { injection: InjectionObject }): Promise<InjectionObject | undefined>;
  /**
   * Writes the status `compute` returns for the freshest copy; `compute` returning undefined means the copy
   * needs no write. Undefined when the object is gone.
   */
  writeStatus(options: {
    injection: InjectionObject;
    compute: (current: InjectionObject) => ChaosInjectionStatus | undefined;
  }): Promise<InjectionObject | undefined>;
}

type PatchBody = { metadata?: Record<string, unknown>; status?: ChaosInjectionStatus };

export function createInjectionApi(options: { http: KubeHttp }): InjectionApi {
  const { http } = options;
  const pathOf = (injection: { metadata: { namespace: string; name: string } }, subresource?: string) =>
    resourcePath({
      ...resources.injections,
      namespace: injection.metadata.namespace,
      name: injection.metadata.name,
      subresource,
    });

  const get: InjectionApi['get'] = async ({ namespace, name }) => {
    try {
      return await http.request<InjectionObject>({
        method: 'GET',
        path: pathOf({ metadata: { namespace, name } }),
      });
    } catch (error) {
      if (isKubeError(error, 'NotFound')) return undefined;
      throw error;
    }
  };

  async function update(
    injection: InjectionObject,
    change: (current: InjectionObject) => PatchBody | undefined,
    subresource?: 'status',
  ): Promise<InjectionObject | undefined> {
    let current: InjectionObject | undefined = injection;
    for (let attempt = 0; current; attempt++) {
      const body = change(current);
      if (!body) return current;
      try {
        return await http.request<InjectionObject>({
          method: 'PATCH',
          path: pathOf(current, subresource),
          patchType: 'merge',
          body: {
            ...body,
            metadata: { ...body.metadata, resourceVersion: current.metadata.resourceVersion },
          },
        });
      } catch (error) {
        if (isKubeError(error, 'NotFound')) return undefined;
        if (!isKubeError(error, 'Conflict') || attempt >= MAX_CONFLICT_RETRIES) throw error;
      }
      current = await get(current.metadata);
    }
    return undefined;
  }

  return {
    get,
    addFinalizer: ({ injection }) =>
      update(injection, (current) => {
        const finalizers = current.metadata.finalizers ?? [];
        if (finalizers.includes(agentFinalizer)) return undefined;
        return { metadata: { finalizers: [...finalizers, agentFinalizer] } };
      }),
    removeFinalizer: ({ injection }) =>
      update(injection, (current) => {
        const finalizers = current.metadata.finalizers ?? [];
        if (!finalizers.includes(agentFinalizer)) return undefined;
        return { metadata: { finalizers: finalizers.filter((name) => name !== agentFinalizer) } };
      }),
    writeStatus: ({ injection, compute }) =>
      update(
        injection,
        (current) => {
          const status = compute(current);
          return status ? { status } : undefined;
        },
        'status',
      ),
  };
}
