/**
 * LeaseClient over @kubernetes/client-node's CoordinationV1Api. Thin on purpose: it maps V1Lease to our
 * flat `Lease` and HTTP 404/409 to `undefined`/`ConflictError`; everything else propagates.
 */
import { CoordinationV1Api, type KubeConfig, type V1Lease, V1MicroTime } from '@kubernetes/client-node';
import { ConflictError } from '../runtime/errors.ts';
import type { Lease, LeaseClient } from '../runtime/lease-client.ts';

function httpStatus(error: unknown): number | undefined {
  const code = (error as { code?: unknown } | null)?.code;
  return typeof code === 'number' ? code : undefined;
}

function toDate(value: unknown): Date | undefined {
  // The generated client leaves MicroTime fields as strings when reading; accept both.
  if (value instanceof Date) return new Date(value.getTime());
  if (typeof value === 'string' && value !== '') {
    const parsed = new Date(value);
    return Number.isNaN(parsed.getTime()) ? undefined : parsed;
  }
  return undefined;
}

export function leaseFromV1(lease: V1Lease): Lease {
  return {
    namespace: lease.metadata?.namespace ?? '',
    name: lease.metadata?.name ?? '',
    resourceVersion: lease.metadata?.resourceVersion,
    holderIdentity: lease.spec?.holderIdentity,
    leaseDurationSeconds: lease.spec?.leaseDurationSeconds,
    acquireTime: toDate(lease.spec?.acquireTime),
    renewTime: toDate(lease.spec?.renewTime),
    leaseTransitions: lease.spec?.leaseTransitions,
  };
}

export function leaseToV1(lease: Lease): V1Lease {
  return {
    apiVersion: 'coordination.k8s.io/v1',
    kind: 'Lease',
    metadata: { namespace: lease.namespace, name: lease.name, resourceVersion: lease.resourceVersion },
    spec: {
      holderIdentity: lease.holderIdentity,
      leaseDurationSeconds: lease.leaseDurationSeconds,
      // V1MicroTime serialises with the microsecond precision the API server expects for these fields.
      acquireTime: lease.acquireTime ? new V1MicroTime(lease.acquireTime.getTime()) : undefined,
      renewTime: lease.renewTime ? new V1MicroTime(lease.renewTime.getTime()) : undefined,
      leaseTransitions: lease.leaseTransitions,
    },
  };
}

async function mapConflict<T>(what: string, call: () => Promise<T>): Promise<T> {
  try {
    return await call();
  } catch (error) {
    if (httpStatus(error) === 409) throw new ConflictError(`${what}: conflict`, { cause: error });
    throw error;
  }
}

export function leaseClientFromKube(kubeConfig: KubeConfig): LeaseClient {
  const api = kubeConfig.makeApiClient(CoordinationV1Api);
  return {
    async get(namespace, name) {
      try {
        return leaseFromV1(await api.readNamespacedLease({ namespace, name }));
      } catch (error) {
        if (httpStatus(error) === 404) return undefined;
        throw error;
      }
    },
    create: (lease) =>
      mapConflict(`create lease ${lease.namespace}/${lease.name}`, async () =>
        leaseFromV1(await api.createNamespacedLease({ namespace: lease.namespace, body: leaseToV1(lease) })),
      ),
    replace: (lease) =>
      mapConflict(`replace lease ${lease.namespace}/${lease.name}`, async () =>
        leaseFromV1(
          await api.replaceNamespacedLease({
            namespace: lease.namespace,
            name: lease.name,
            body: leaseToV1(lease),
          }),
        ),
      ),
  };
}
