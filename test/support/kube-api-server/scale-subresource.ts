// The scale subresource of Deployments and ReplicaSets: an autoscaling/v1 Scale view of
// `spec.replicas`, readable and writable with GET, PUT and PATCH (what `kubectl scale` uses).
import type { Cluster } from './cluster.ts';
import type { PatchType } from './content-types.ts';
import { badRequestError, invalidError } from './errors.ts';
import { metadataOf } from './object-store.ts';
import { applyJsonPatch, applyMergePatch } from './patch.ts';
import type { JsonObject, ResourceType } from './resource-types.ts';
import { patchObject } from './write-operations.ts';

type ScaledSpec = { replicas?: number; selector?: { matchLabels?: Record<string, string> } };

function selectorText(spec: ScaledSpec): string {
  return Object.entries(spec.selector?.matchLabels ?? {})
    .map(([key, value]) => `${key}=${value}`)
    .join(',');
}

export function scaleOf(object: JsonObject): JsonObject {
  const metadata = metadataOf(object);
  const spec = (object.spec ?? {}) as ScaledSpec;
  return {
    kind: 'Scale',
    apiVersion: 'autoscaling/v1',
    metadata: {
      name: metadata.name,
      namespace: metadata.namespace,
      uid: metadata.uid,
      resourceVersion: metadata.resourceVersion,
      creationTimestamp: metadata.creationTimestamp,
    },
    spec: { replicas: spec.replicas ?? 1 },
    status: {
      replicas: (object.status as { replicas?: number } | undefined)?.replicas ?? 0,
      selector: selectorText(spec),
    },
  };
}

export interface ScaleWrite {
  type: ResourceType;
  namespace?: string;
  name: string;
  dryRun?: boolean;
  /** A whole Scale (PUT) or a patch of one (PATCH). */
  body: unknown;
  patchType?: PatchType;
}

/** Applies a Scale (or a patch of the current Scale) to the parent's `spec.replicas`; returns the new Scale. */
export function writeScale(cluster: Cluster, write: ScaleWrite): JsonObject {
  const parent = cluster.require(write.type, write.namespace, write.name);
  const current = scaleOf(parent);
  let wanted: unknown = write.body;
  if (write.patchType === 'json') wanted = applyJsonPatch(current, write.body);
  else if (write.patchType) wanted = applyMergePatch(current, write.body);
  if (typeof wanted !== 'object' || wanted === null) throw badRequestError('a Scale must be an object');
  const scale = wanted as { metadata?: { resourceVersion?: string }; spec?: { replicas?: unknown } };
  const replicas = scale.spec?.replicas;
  if (typeof replicas !== 'number' || !Number.isInteger(replicas) || replicas < 0) {
    throw invalidError({
      kind: 'Scale',
      group: 'autoscaling',
      name: write.name,
      causes: [
        {
          reason: 'FieldValueInvalid',
          field: 'spec.replicas',
          message: `Invalid value: ${JSON.stringify(replicas ?? null)}: must be greater than or equal to 0`,
        },
      ],
    });
  }
  const resourceVersion = write.patchType ? undefined : scale.metadata?.resourceVersion;
  const updated = patchObject(cluster, {
    type: write.type,
    namespace: write.namespace,
    name: write.name,
    dryRun: write.dryRun,
    patchType: 'merge',
    patch: { metadata: resourceVersion ? { resourceVersion } : {}, spec: { replicas } },
  });
  return scaleOf(updated);
}
