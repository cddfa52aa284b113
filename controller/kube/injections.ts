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
} from '../api/contract.ts';
import type { ChaosInjection, Fault, TargetRecord } from '../api/types.generated.ts';
import { isKubeError } from './kube-errors.ts';
import type { KubeHttp } from './kube-http.ts';
import { resourcePath, resources } from './paths.ts';

// Still imported from here by controller/experiments and controller/manager; their home is the contract.
export { experimentLabel, injectionName } from '../api/contract.ts';

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
      labels: { [nodeLabel]: record.node ?? '', [experimentLabel]: experimentLabelValue(experiment.name) },
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
  get(namespace: string, name: string): Promise<ChaosInjection | undefined>;
  create(object: ChaosInjection): Promise<ChaosInjection>;
  /** Asks for removal; the agent's finalizer keeps the object until the fault is recovered. */
  delete(namespace: string, name: string): Promise<void>;
}

export function createInjectionClient(http: KubeHttp): InjectionClient {
  return {
    async get(namespace, name) {
      try {
        return await http.request<ChaosInjection>({
          method: 'GET',
          path: resourcePath({ ...resources.injections, namespace, name }),
        });
      } catch (error) {
        if (isKubeError(error, 'NotFound')) return undefined;
        throw error;
      }
    },
    async create(object) {
      try {
        return await http.request<ChaosInjection>({
          method: 'POST',
          path: resourcePath({ ...resources.injections, namespace: object.metadata.namespace }),
          body: object,
        });
      } catch (error) {
        // Created by an earlier attempt that crashed before it could record it: use that one.
        if (isKubeError(error, 'AlreadyExists')) {
          const existing = await this.get(object.metadata.namespace ?? '', object.metadata.name ?? '');
          if (existing) return existing;
        }
        throw error;
      }
    },
    async delete(namespace, name) {
      try {
        await http.request({
          method: 'DELETE',
          path: resourcePath({ ...resources.injections, namespace, name }),
        });
      } catch (error) {
        if (!isKubeError(error, 'NotFound')) throw error;
      }
    },
  };
}
