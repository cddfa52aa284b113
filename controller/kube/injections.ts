// ChaosInjections: how the controller hands a node fault to the agent on the target's node.
// Names and tags derive from the experiment and the record (api/contract.ts), so a replayed
// injection finds the object it created before instead of creating a second one.
import { apiVersion } from '../../schemas/kinds.ts';
import {
  experimentLabel,
  experimentLabelValue,
  injectionName,
  injectionTag,
  nodeLabel,
  nodeLabelValue,
} from '../api/contract.ts';
import type { ChaosInjection, Fault, TargetRecord } from '../api/types.generated.ts';
import { isKubeError } from './kube-errors.ts';
import type { KubeHttp } from './kube-http.ts';
import { resourcePath, resources } from './paths.ts';

export interface InjectionRequest {
  experiment: { namespace: string; name: string; uid: string };
  record: TargetRecord;
  recordKey: string;
  fault: Fault;
  containerIDs: string[];
  deadline: Date;
}

export function injectionObject(request: InjectionRequest): ChaosInjection {
  const { experiment, record } = request;
  return {
    apiVersion,
    kind: 'ChaosInjection',
    metadata: {
      name: injectionName(experiment.name, request.recordKey),
      namespace: experiment.namespace,
      labels: {
        [nodeLabel]: nodeLabelValue(record.node ?? ''),
        [experimentLabel]: experimentLabelValue(experiment.name),
      },
      ownerReferences: [
        {
          apiVersion,
          kind: 'ChaosExperiment',
          name: experiment.name,
          uid: experiment.uid,
          controller: true,
          blockOwnerDeletion: true,
        },
      ],
    } as ChaosInjection['metadata'],
    spec: {
      experiment: { name: experiment.name, uid: experiment.uid },
      node: record.node ?? '',
      fault: request.fault,
      target: {
        pod: {
          namespace: record.namespace ?? experiment.namespace,
          name: record.name,
          uid: record.uid ?? '',
        },
        ...(request.containerIDs.length ? { containerIDs: request.containerIDs } : {}),
      },
      deadline: request.deadline.toISOString(),
      tag: injectionTag(experiment.uid, request.recordKey),
    },
  };
}

export interface InjectionClient {
  /** Creates the object; one that already exists (a replay after a crash) is returned as it is. */
  create(object: ChaosInjection): Promise<ChaosInjection>;
  /**
   * Asks for removal. True when the object is gone; false while the agent's finalizer holds it
   * until the fault is recovered.
   */
  delete(namespace: string, name: string): Promise<boolean>;
}

export function createInjectionClient(http: KubeHttp): InjectionClient {
  const path = (namespace: string | undefined, name?: string) =>
    resourcePath({ ...resources.injections, namespace, ...(name ? { name } : {}) });
  return {
    async create(object) {
      try {
        return await http.request<ChaosInjection>({
          method: 'POST',
          path: path(object.metadata.namespace),
          body: object,
        });
      } catch (error) {
        // Created by an earlier attempt that crashed before it could record it: the same object.
        if (isKubeError(error, 'AlreadyExists')) return object;
        throw error;
      }
    },
    async delete(namespace, name) {
      try {
        const answer = await http.request<{
          metadata?: { deletionTimestamp?: string; finalizers?: string[] };
        }>({ method: 'DELETE', path: path(namespace, name) });
        // The answer is a Status, or the object: still there only while a finalizer holds it.
        const held = Boolean(answer.metadata?.deletionTimestamp && answer.metadata.finalizers?.length);
        return !held;
      } catch (error) {
        if (isKubeError(error, 'NotFound')) return true;
        throw error;
      }
    },
  };
}
