// podKill through the API. The delete carries the pod's UID as a precondition, so a retried or
// replayed injection can never kill the replacement pod that took the same name.
import type { PodKill } from '../api/types.generated.ts';
import { isKubeError } from './kube-errors.ts';
import type { KubeHttp } from './kube-http.ts';
import { resourcePath, resources } from './paths.ts';

export interface PodRef {
  namespace: string;
  name: string;
  uid: string;
}

export type PodKillResult = 'deleted' | 'already-gone';

export async function killPod(options: {
  http: KubeHttp;
  pod: PodRef;
  fault: PodKill;
  signal?: AbortSignal;
}): Promise<PodKillResult> {
  const { http, pod, fault } = options;
  try {
    await http.request({
      method: 'DELETE',
      path: resourcePath({ ...resources.pods, namespace: pod.namespace, name: pod.name }),
      body: {
        apiVersion: 'v1',
        kind: 'DeleteOptions',
        preconditions: { uid: pod.uid },
        ...(fault.gracePeriodSeconds !== undefined ? { gracePeriodSeconds: fault.gracePeriodSeconds } : {}),
      },
      signal: options.signal,
    });
    return 'deleted';
  } catch (error) {
    // 404: gone already. 409 on a UID precondition: the name now belongs to a new pod, so ours is gone.
    if (isKubeError(error, 'NotFound') || isKubeError(error, 'Conflict')) return 'already-gone';
    throw error;
  }
}
