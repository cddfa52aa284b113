// create, update (PUT) and patch, for the main endpoint and the /status subresource, with the
// kube-apiserver rules for generateName, resourceVersion preconditions, generation and finalizers.
import type { Cluster } from './cluster.ts';
import { type PatchType, requirePatchSupport } from './content-types.ts';
import { canRemoveNow } from './delete-operations.ts';
import {
  alreadyExistsError,
  badRequestError,
  conflictError,
  invalidError,
  KubeApiError,
  notFoundError,
  STALE_OBJECT_MESSAGE,
  type StatusCause,
} from './errors.ts';
import { initialPodStatus } from './kubelet.ts';
import type { ManagedFieldsEntry } from './managed-fields.ts';
import { metadataCauses, nameCauses } from './metadata-validation.ts';
import { metadataOf, type ObjectMetadata } from './object-store.ts';
import { applyJsonPatch, applyMergePatch, jsonEqual } from './patch.ts';
import { rbacCauses, rbacUpdateCauses } from './rbac-validation.ts';
import { apiVersionOf, type JsonObject, qualifiedResourceOf, type ResourceType } from './resource-types.ts';
import { applyStrategicMergePatch } from './strategic-merge-patch.ts';

export interface WriteOptions {
  type: ResourceType;
  namespace?: string;
  /** `All` validates and returns the result without storing it. */
  dryRun?: boolean;
  /**
   * `Strict` refuses fields the CRD schema does not declare; otherwise they are pruned, with a warning
   * unless `Ignore` (unset means `Warn`, the server's default).
   */
  fieldValidation?: string;
  /** Collects the texts of `Warning` headers for the response. */
  warnings?: string[];
  /**
   * managedFields for the validated object about to be stored (`before`: the stored one, on updates);
   * undefined keeps them as they are. Unset for writes that track no field ownership (the JS API).
   */
  managedFields?: (object: JsonObject, before: JsonObject | undefined) => ManagedFieldsEntry[] | undefined;
}

export type { PatchType };

function isObject(value: unknown): value is JsonObject {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function checkTypeMeta(type: ResourceType, body: JsonObject): void {
  if (body.kind !== undefined && body.kind !== type.kind) {
    throw badRequestError(
      `the server could not find the requested resource: kind ${String(body.kind)} is not ${type.kind}`,
    );
  }
  if (body.apiVersion !== undefined && body.apiVersion !== apiVersionOf(type)) {
    throw badRequestError(
      `the API version in the data (${String(body.apiVersion)}) does not match the expected API version (${apiVersionOf(type)})`,
    );
  }
}

function checkNamespace(options: WriteOptions, metadata: JsonObject): void {
  if (!options.type.namespaced) {
    delete metadata.namespace;
    return;
  }
  if (metadata.namespace !== undefined && metadata.namespace !== options.namespace) {
    throw badRequestError(
      'the namespace of the provided object does not match the namespace sent on the request',
    );
  }
  metadata.namespace = options.namespace;
}

/**
 * kube-apiserver's NamespaceLifecycle admission, which runs before the object is validated or its name
 * generated: a create into a missing namespace is 404, into a terminating one 403 naming the object
 * (its generateName when it has no name yet) with a NamespaceTerminating cause.
 */
function checkNamespaceLifecycle(
  cluster: Cluster,
  type: ResourceType,
  namespace: string | undefined,
  metadata: JsonObject,
): void {
  if (!type.namespaced || cluster.options.namespaceLifecycle !== 'enforce') return;
  const namespaceType = cluster.registry.byPath({ group: '', version: 'v1', plural: 'namespaces' })!;
  const found = cluster.find(namespaceType, undefined, namespace ?? '');
  if (!found) {
    throw notFoundError({
      qualifiedResource: 'namespaces',
      group: '',
      kind: 'namespaces',
      name: namespace ?? '',
    });
  }
  if (metadataOf(found).deletionTimestamp) {
    const name = [metadata.name, metadata.generateName].find((n) => typeof n === 'string' && n !== '');
    const objectName = typeof name === 'string' ? name : 'Unknown';
    throw new KubeApiError({
      code: 'Forbidden',
      httpStatus: 403,
      reason: 'Forbidden',
      message: `${qualifiedResourceOf(type)} "${objectName}" is forbidden: unable to create new content in namespace ${namespace} because it is being terminated`,
      details: {
        name: objectName,
        group: type.group || undefined,
        kind: type.plural,
        causes: [
          {
            reason: 'NamespaceTerminating',
            message: `namespace ${namespace} is being terminated`,
            field: 'metadata.namespace',
          },
        ],
      },
    });
  }
}

/** Schema validation (CRDs), ObjectMeta and RBAC checks; prunes unknown fields and applies defaults. */
function validate(cluster: Cluster, options: WriteOptions, object: JsonObject, existing?: JsonObject): void {
  const metadata = object.metadata as JsonObject;
  const causes: StatusCause[] = [...metadataCauses(metadata), ...rbacCauses(options.type, object)];
  if (existing) causes.push(...rbacUpdateCauses(options.type, existing, object));
  const validator = cluster.registry.validatorFor(options.type);
  if (validator) {
    const result = validator.check(object);
    const unknown = result.unknownFields.map((field) => `unknown field "${field}"`);
    if (unknown.length > 0 && options.fieldValidation === 'Strict') {
      throw badRequestError(`strict decoding error: ${unknown.join(', ')}`);
    }
    if (options.fieldValidation !== 'Ignore') options.warnings?.push(...unknown);
    causes.push(...result.causes);
  }
  if (causes.length > 0) {
    throw invalidError({
      kind: options.type.kind,
      group: options.type.group,
      name: String(metadata.name),
      causes,
    });
  }
}

/** Everything except metadata (and status when it is not part of the desired state) counts as spec. */
function specOf(type: ResourceType, object: JsonObject): JsonObject {
  const { metadata: _metadata, status, apiVersion: _apiVersion, kind: _kind, ...rest } = object;
  if (type.statusSubresource || type.source === 'builtin') return rest;
  return { ...rest, status };
}

export function createObject(cluster: Cluster, options: WriteOptions & { body: unknown }): JsonObject {
  const { type } = options;
  if (!isObject(options.body)) throw badRequestError('the request body must be a JSON object');
  const object = structuredClone(options.body);
  checkTypeMeta(type, object);
  const metadata: JsonObject = isObject(object.metadata) ? object.metadata : {};
  object.apiVersion = apiVersionOf(type);
  object.kind = type.kind;
  object.metadata = metadata;
  checkNamespace(options, metadata);
  checkNamespaceLifecycle(cluster, type, options.namespace, metadata);
  if (!metadata.name && typeof metadata.generateName === 'string' && metadata.generateName !== '') {
    metadata.name = nameFromGenerateName(cluster, options, metadata.generateName);
  }
  if (typeof metadata.name !== 'string' || metadata.name === '') {
    throw invalidError({
      kind: type.kind,
      group: type.group,
      name: '',
      causes: [
        {
          reason: 'FieldValueRequired',
          field: 'metadata.name',
          message: 'Required value: name or generateName is required',
        },
      ],
    });
  }
  const nameProblems = nameCauses({ name: metadata.name, kind: type.kind });
  if (nameProblems.length > 0) {
    throw invalidError({ kind: type.kind, group: type.group, name: metadata.name, causes: nameProblems });
  }
  if (cluster.find(type, options.namespace, metadata.name)) {
    throw alreadyExistsError({
      qualifiedResource: qualifiedResourceOf(type),
      group: type.group,
      kind: type.plural,
      name: metadata.name,
    });
  }
  for (const systemField of [
    'uid',
    'resourceVersion',
    'deletionTimestamp',
    'deletionGracePeriodSeconds',
    'selfLink',
  ]) {
    delete metadata[systemField];
  }
  metadata.uid = cluster.options.newUid();
  metadata.creationTimestamp = cluster.timestamp();
  metadata.generation = 1;
  prepareStatusOnCreate(cluster, type, object);
  validate(cluster, options, object);
  const managedFields =
    metadata.managedFields === undefined ? options.managedFields?.(object, undefined) : undefined;
  if (managedFields) metadata.managedFields = managedFields;
  if (options.dryRun) return object;
  return cluster.commitCreate(type, object);
}

function nameFromGenerateName(cluster: Cluster, options: WriteOptions, prefix: string): string {
  // kube-apiserver trims the prefix so the generated name stays within the length limit.
  const base = prefix.slice(0, 58);
  for (let attempt = 0; attempt < 8; attempt += 1) {
    const candidate = `${base}${cluster.options.randomSuffix()}`;
    if (!cluster.find(options.type, options.namespace, candidate)) return candidate;
  }
  throw alreadyExistsError({
    qualifiedResource: qualifiedResourceOf(options.type),
    group: options.type.group,
    kind: options.type.plural,
    name: base,
  });
}

/** Status is not writable on create when the kind has a status subresource; kinds start in their initial state. */
function prepareStatusOnCreate(cluster: Cluster, type: ResourceType, object: JsonObject): void {
  if (type.statusSubresource) delete object.status;
  if (type.source !== 'builtin') return;
  if (type.kind === 'Pod') {
    object.status = initialPodStatus(cluster, object);
  } else if (type.kind === 'Namespace') {
    object.spec = { finalizers: ['kubernetes'] };
    object.status = { phase: 'Active' };
    const metadata = object.metadata as { labels?: Record<string, string>; name: string };
    metadata.labels = { ...(metadata.labels ?? {}), 'kubernetes.io/metadata.name': metadata.name };
  }
}

export interface UpdateOptions extends WriteOptions {
  name: string;
  body: unknown;
  subresource?: 'status';
}

export function updateObject(cluster: Cluster, options: UpdateOptions): JsonObject {
  const { type, name } = options;
  const existing = cluster.require(type, options.namespace, name);
  if (!isObject(options.body)) throw badRequestError('the request body must be a JSON object');
  const body = structuredClone(options.body);
  checkTypeMeta(type, body);
  const bodyMetadata: JsonObject = isObject(body.metadata) ? body.metadata : {};
  if (bodyMetadata.name !== undefined && bodyMetadata.name !== name) {
    throw badRequestError(
      `the name of the object (${String(bodyMetadata.name)}) does not match the name on the URL (${name})`,
    );
  }
  checkNamespace(options, bodyMetadata);
  checkPreconditions(type, existing, bodyMetadata);
  const next =
    options.subresource === 'status'
      ? statusOnly(existing, body)
      : mainEndpoint(type, existing, body, bodyMetadata);
  validate(cluster, options, next, existing);
  return commitUpdate(cluster, options, existing, next);
}

function checkPreconditions(type: ResourceType, existing: JsonObject, bodyMetadata: JsonObject): void {
  const current = metadataOf(existing);
  const conflict = (why: string) =>
    conflictError({
      qualifiedResource: qualifiedResourceOf(type),
      group: type.group,
      kind: type.plural,
      name: current.name,
      why,
    });
  if (bodyMetadata.uid !== undefined && bodyMetadata.uid !== current.uid) {
    throw conflict(
      `Precondition failed: UID in precondition: ${String(bodyMetadata.uid)}, UID in object meta: ${current.uid}`,
    );
  }
  const requested = bodyMetadata.resourceVersion;
  if (requested === undefined || requested === '') {
    if (type.requireResourceVersionOnUpdate) {
      throw invalidError({
        kind: type.kind,
        group: type.group,
        name: current.name,
        causes: [
          {
            reason: 'FieldValueInvalid',
            field: 'metadata.resourceVersion',
            message: 'Invalid value: 0x0: must be specified for an update',
          },
        ],
      });
    }
    return;
  }
  if (requested !== current.resourceVersion) throw conflict(STALE_OBJECT_MESSAGE);
}

/** The /status subresource keeps everything of the stored object except status. */
function statusOnly(existing: JsonObject, body: JsonObject): JsonObject {
  const next: JsonObject = { ...existing };
  if (body.status === undefined) delete next.status;
  else next.status = body.status;
  return next;
}

const SYSTEM_METADATA = [
  'uid',
  'creationTimestamp',
  'deletionTimestamp',
  'deletionGracePeriodSeconds',
  'generation',
  'namespace',
  'name',
];

function mainEndpoint(
  type: ResourceType,
  existing: JsonObject,
  body: JsonObject,
  bodyMetadata: JsonObject,
): JsonObject {
  const current = existing.metadata as JsonObject;
  const metadata: JsonObject = { ...bodyMetadata };
  for (const key of SYSTEM_METADATA) {
    if (current[key] === undefined) delete metadata[key];
    else metadata[key] = current[key];
  }
  metadata.resourceVersion = current.resourceVersion;
  // A body without managedFields keeps them; an empty list resets them.
  if (metadata.managedFields === undefined && current.managedFields !== undefined) {
    metadata.managedFields = current.managedFields;
  }
  const next: JsonObject = { ...body, apiVersion: existing.apiVersion, kind: existing.kind, metadata };
  if (type.statusSubresource) {
    if (existing.status === undefined) delete next.status;
    else next.status = existing.status;
  }
  return next;
}

function commitUpdate(
  cluster: Cluster,
  options: WriteOptions,
  existing: JsonObject,
  next: JsonObject,
): JsonObject {
  const { type } = options;
  const before = metadataOf(existing);
  const after = next.metadata as ObjectMetadata;
  if (before.deletionTimestamp) {
    const added = (after.finalizers ?? []).filter(
      (finalizer) => !(before.finalizers ?? []).includes(finalizer),
    );
    if (added.length > 0) {
      throw invalidError({
        kind: type.kind,
        group: type.group,
        name: before.name,
        causes: [
          {
            reason: 'FieldValueForbidden',
            field: 'metadata.finalizers',
            message: `Forbidden: no new finalizers can be added if the object is being deleted, found new finalizers ${JSON.stringify(added)}`,
          },
        ],
      });
    }
  }
  if (after.finalizers?.length === 0) delete after.finalizers;
  const managedFields = options.managedFields?.(next, existing);
  if (managedFields) (next.metadata as JsonObject).managedFields = managedFields;
  if (!jsonEqual(specOf(type, existing), specOf(type, next))) {
    after.generation = (before.generation ?? 0) + 1;
  }
  // A write that changes nothing is not a write: no new resourceVersion, no watch event.
  if (jsonEqual(existing, next)) return cluster.present(type, existing);
  if (options.dryRun) return next;
  if (before.deletionTimestamp && canRemoveNow(type, next, { kubeletDone: false })) {
    return cluster.commitRemoval(type, next);
  }
  return cluster.present(type, cluster.commitUpdate(type, existing, next));
}

export interface PatchOptions extends WriteOptions {
  name: string;
  patchType: PatchType;
  patch: unknown;
  subresource?: 'status';
}

/**
 * Applies the patch to the stored object and continues as an update. Strategic merge patch (built-in
 * kinds only) merges keyed lists item by item (strategic-merge-patch.ts).
 */
export function patchObject(cluster: Cluster, options: PatchOptions): JsonObject {
  requirePatchSupport(options.patchType, options.type);
  if (options.patchType === 'apply') throw badRequestError('server-side apply goes through applyObject');
  const existing = cluster.require(options.type, options.namespace, options.name);
  const view = cluster.present(options.type, existing);
  let patched: unknown;
  if (options.patchType === 'json') {
    patched = applyJsonPatch(view, options.patch);
  } else {
    if (!isObject(options.patch)) throw badRequestError('a merge patch must be a JSON object');
    patched =
      options.patchType === 'strategic'
        ? applyStrategicMergePatch(view, options.patch)
        : applyMergePatch(view, options.patch);
  }
  if (!isObject(patched)) throw badRequestError('the patch did not produce an object');
  const metadata = isObject(patched.metadata) ? patched.metadata : {};
  // A patch carries no precondition unless it sets metadata.resourceVersion itself.
  if (metadata.resourceVersion === undefined) metadata.resourceVersion = metadataOf(existing).resourceVersion;
  patched.metadata = metadata;
  return updateObject(cluster, { ...options, body: patched });
}
