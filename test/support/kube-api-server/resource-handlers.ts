// Dispatches a resource request (get/list/create/update/patch/delete/deletecollection) to the operations
// and shapes the answer (JSON or Table). Watches are handed to watch-stream.ts by the server.
import { answerReview } from './access-reviews.ts';
import type { UserInfo } from './authentication.ts';
import type { Cluster } from './cluster.ts';
import { decodeObjectBody, patchTypeFor } from './content-types.ts';
import { type DeleteOptionsBody, deleteCollection, deleteObject } from './delete-operations.ts';
import { badRequestError, KubeApiError, methodNotAllowedError } from './errors.ts';
import { listBody, listObjects } from './list-operations.ts';
import { managedFieldsAfterUpdate, tracksManagedFields } from './managed-fields.ts';
import { checkPatchOptions, fieldManagerOf } from './patch-options.ts';
import { decodeProtobufReview, isProtobuf } from './protobuf-reviews.ts';
import { authorize, forbiddenError } from './rbac-authorizer.ts';
import type { ResourceAttributes } from './request-attributes.ts';
import { integerParam, parseJsonBody, type ResponseFormat } from './request-parsing.ts';
import { apiVersionOf, type JsonObject, type ResourceType } from './resource-types.ts';
import { scaleOf, writeScale } from './scale-subresource.ts';
import { applyObject } from './server-side-apply.ts';
import { tableFor } from './table.ts';
import type { KubeVerb } from './test-controls.ts';
import { createObject, patchObject, updateObject } from './write-operations.ts';

export interface ResourceCall {
  cluster: Cluster;
  verb: Exclude<KubeVerb, 'watch'>;
  type: ResourceType;
  namespace?: string;
  name?: string;
  subresource?: string;
  query: URLSearchParams;
  contentType: string | undefined;
  bodyText: string;
  /** The body as received, for the one binary format read here (protobuf reviews). */
  bodyBytes?: Buffer;
  format: ResponseFormat;
  /** Who asks (after impersonation): reviews answer for this user; a create by apply is authorized for it. */
  user: UserInfo;
  /** Names the field manager of a write without a `fieldManager` parameter. */
  userAgent?: string;
}

export interface HandlerResult {
  status: number;
  /** An object, or JSON text already serialised (big lists). */
  body: JsonObject | string;
  /** Texts of `Warning` headers (e.g. unknown fields that were dropped). */
  warnings?: string[];
}

function subresourceFor(call: ResourceCall): 'status' | undefined {
  if (call.subresource === undefined) return undefined;
  if (call.subresource === 'status' && call.type.statusSubresource) return 'status';
  if (call.subresource === 'finalize' && call.type.kind === 'Namespace') return undefined;
  throw new KubeApiError({
    code: 'NotFound',
    httpStatus: 404,
    reason: 'NotFound',
    message: `the server could not find the requested resource (${call.type.plural}/${call.subresource})`,
  });
}

function deleteOptionsFrom(call: ResourceCall): DeleteOptionsBody {
  const options: DeleteOptionsBody = {};
  const grace = integerParam(call.query, 'gracePeriodSeconds');
  if (grace !== undefined) options.gracePeriodSeconds = grace;
  const policy = call.query.get('propagationPolicy');
  if (policy) options.propagationPolicy = policy as DeleteOptionsBody['propagationPolicy'];
  const orphan = call.query.get('orphanDependents');
  if (orphan !== null) options.orphanDependents = orphan === 'true';
  if (call.bodyText.trim() !== '') {
    const body = parseJsonBody(call.bodyText) as DeleteOptionsBody & { kind?: string };
    if (typeof body !== 'object' || body === null) throw badRequestError('DeleteOptions must be an object');
    if (body.gracePeriodSeconds !== undefined && body.gracePeriodSeconds !== null)
      options.gracePeriodSeconds = body.gracePeriodSeconds;
    if (body.propagationPolicy) options.propagationPolicy = body.propagationPolicy;
    if (body.orphanDependents !== undefined && body.orphanDependents !== null)
      options.orphanDependents = body.orphanDependents;
    if (body.preconditions) options.preconditions = body.preconditions;
    if (Array.isArray(body.dryRun) && body.dryRun.includes('All')) options.dryRun = ['All'];
  }
  if (
    options.propagationPolicy &&
    !['Orphan', 'Background', 'Foreground'].includes(options.propagationPolicy)
  ) {
    throw badRequestError(`unsupported propagationPolicy "${options.propagationPolicy}"`);
  }
  return options;
}

function asJsonOrTable(call: ResourceCall, object: JsonObject): JsonObject {
  if (!call.format.asTable) return object;
  const metadata = object.metadata as { resourceVersion?: string };
  return tableFor({
    type: call.type,
    objects: [object],
    resourceVersion: metadata.resourceVersion ?? '',
    includeObject: call.format.includeObject,
    now: call.cluster.options.now(),
  });
}

function handleScaleCall(call: ResourceCall, dryRun: boolean): HandlerResult {
  const { cluster, type, namespace } = call;
  const name = call.name!;
  switch (call.verb) {
    case 'get':
      return { status: 200, body: scaleOf(cluster.require(type, namespace, name)) };
    case 'update': {
      const body = decodeObjectBody(call.contentType, call.bodyText);
      return { status: 200, body: writeScale(cluster, { type, namespace, name, dryRun, body }) };
    }
    case 'patch': {
      const patchType = patchTypeFor(call.contentType, type);
      const body = parseJsonBody(call.bodyText);
      return { status: 200, body: writeScale(cluster, { type, namespace, name, dryRun, body, patchType }) };
    }
    default:
      throw methodNotAllowedError(`${call.verb} is not supported on ${type.plural}/scale`);
  }
}

/** An apply of a missing object creates it, which the caller must also be allowed to do. */
function authorizeCreate(call: ResourceCall): void {
  const attributes: ResourceAttributes = {
    kind: 'resource',
    verb: 'create',
    group: call.type.group,
    version: call.type.version,
    resource: call.type.plural,
    subresource: '',
    namespace: call.namespace ?? '',
    name: call.name ?? '',
  };
  const decision = authorize(call.cluster.store, call.user, attributes);
  if (!decision.allowed) throw forbiddenError(call.user, attributes, decision.reason);
}

export function handleResourceCall(call: ResourceCall): HandlerResult {
  const { cluster, type } = call;
  const dryRun = call.query.getAll('dryRun').includes('All');
  const fieldValidation = call.query.get('fieldValidation') ?? undefined;
  const warnings: string[] = [];
  const manager = fieldManagerOf({
    query: call.query,
    userAgent: call.userAgent,
    subresource: call.subresource === 'status' ? 'status' : undefined,
  });
  const managedFields = tracksManagedFields(type)
    ? (object: JsonObject, before: JsonObject | undefined) =>
        managedFieldsAfterUpdate({
          type,
          before,
          after: object,
          manager,
          time: cluster.timestamp(),
          apiVersion: apiVersionOf(type),
        })
    : undefined;
  const base = { type, namespace: call.namespace, dryRun, fieldValidation, warnings, managedFields };
  if (type.namespaced && call.namespace === undefined && call.verb !== 'list') {
    throw methodNotAllowedError(`${call.verb} on ${type.plural} needs a namespace`);
  }
  if (type.readOnly && call.verb !== 'get' && call.verb !== 'list') {
    throw methodNotAllowedError(
      `${call.verb} on ${type.plural}: the API test server serves the CRDs it was started with and cannot change them`,
    );
  }
  if (type.review) {
    if (call.verb !== 'create')
      throw methodNotAllowedError(`${call.verb} is not supported on ${type.plural}`);
    const body = isProtobuf(call.contentType)
      ? decodeProtobufReview(call.bodyBytes ?? Buffer.from(call.bodyText))
      : decodeObjectBody(call.contentType, call.bodyText);
    return { status: 201, body: answerReview({ store: cluster.store, type, user: call.user, body }) };
  }
  if (call.subresource === 'scale' && type.scaleSubresource) return handleScaleCall(call, dryRun);
  const subresource = subresourceFor(call);
  switch (call.verb) {
    case 'get': {
      const object = cluster.present(type, cluster.require(type, call.namespace, call.name!));
      return { status: 200, body: asJsonOrTable(call, object) };
    }
    case 'list': {
      const result = listObjects(cluster, {
        type,
        namespace: call.namespace,
        labelSelector: call.query.get('labelSelector') ?? undefined,
        fieldSelector: call.query.get('fieldSelector') ?? undefined,
        limit: integerParam(call.query, 'limit'),
        continueToken: call.query.get('continue') ?? undefined,
      });
      if (!call.format.asTable) return { status: 200, body: listBody(type, result) };
      const table = tableFor({
        type,
        objects: result.items,
        resourceVersion: result.resourceVersion,
        continueToken: result.continueToken,
        includeObject: call.format.includeObject,
        now: cluster.options.now(),
      });
      return { status: 200, body: table };
    }
    case 'create': {
      const body = decodeObjectBody(call.contentType, call.bodyText);
      return { status: 201, body: createObject(cluster, { ...base, body }), warnings };
    }
    case 'update': {
      const body = decodeObjectBody(call.contentType, call.bodyText);
      const updated = updateObject(cluster, { ...base, name: call.name!, body, subresource });
      return { status: 200, body: updated, warnings };
    }
    case 'patch': {
      const patchType = patchTypeFor(call.contentType, type);
      checkPatchOptions(call.query, patchType);
      if (patchType === 'apply') {
        const existed = cluster.find(type, call.namespace, call.name!) !== undefined;
        const applied = applyObject(cluster, {
          ...base,
          managedFields: undefined,
          name: call.name!,
          body: decodeObjectBody('application/yaml', call.bodyText),
          manager,
          force: call.query.get('force') === 'true',
          authorizeCreate: () => authorizeCreate(call),
        });
        return { status: existed ? 200 : 201, body: applied, warnings };
      }
      const patch = parseJsonBody(call.bodyText);
      const patched = patchObject(cluster, { ...base, name: call.name!, patchType, patch, subresource });
      return { status: 200, body: patched, warnings };
    }
    case 'delete': {
      const options = deleteOptionsFrom(call);
      const result = deleteObject(cluster, {
        type,
        namespace: call.namespace,
        name: call.name!,
        options,
        dryRun: dryRun || options.dryRun !== undefined,
      });
      return { status: 200, body: result.body };
    }
    case 'deletecollection': {
      const options = deleteOptionsFrom(call);
      const listed = listObjects(cluster, {
        type,
        namespace: call.namespace,
        labelSelector: call.query.get('labelSelector') ?? undefined,
        fieldSelector: call.query.get('fieldSelector') ?? undefined,
      });
      const items = deleteCollection(cluster, {
        type,
        namespace: call.namespace,
        options,
        items: listed.items,
        dryRun: dryRun || options.dryRun !== undefined,
      });
      return {
        status: 200,
        body: listBody(type, { items, resourceVersion: String(cluster.store.currentRevision) }),
      };
    }
  }
}
