// Errors of the test API server, rendered on the wire as metav1.Status exactly as kube-apiserver does.

export interface StatusCause {
  reason: string;
  message: string;
  field?: string;
}

export interface StatusDetails {
  name?: string;
  group?: string;
  kind?: string;
  uid?: string;
  causes?: StatusCause[];
  retryAfterSeconds?: number;
}

export interface KubeStatus {
  kind: 'Status';
  apiVersion: 'v1';
  metadata: Record<string, unknown>;
  status: 'Failure' | 'Success';
  message?: string;
  reason?: string;
  details?: StatusDetails;
  code: number;
}

/** Stable `code` strings let tests assert on the kind of failure without parsing messages. */
export type KubeApiErrorCode =
  | 'NotFound'
  | 'AlreadyExists'
  | 'Conflict'
  | 'Invalid'
  | 'BadRequest'
  | 'MethodNotAllowed'
  | 'Expired'
  | 'Gone'
  | 'UnsupportedMediaType'
  | 'NotAcceptable'
  | 'InternalError'
  | 'RequestEntityTooLarge'
  | 'Unauthorized'
  | 'Forbidden'
  | 'Injected';

export class KubeApiError extends Error {
  readonly code: KubeApiErrorCode;
  readonly httpStatus: number;
  readonly reason: string;
  readonly details: StatusDetails | undefined;

  constructor(options: {
    code: KubeApiErrorCode;
    httpStatus: number;
    reason: string;
    message: string;
    details?: StatusDetails;
  }) {
    super(options.message);
    this.name = 'KubeApiError';
    this.code = options.code;
    this.httpStatus = options.httpStatus;
    this.reason = options.reason;
    this.details = options.details;
  }

  toStatus(): KubeStatus {
    const status: KubeStatus = {
      kind: 'Status',
      apiVersion: 'v1',
      metadata: {},
      status: 'Failure',
      message: this.message,
      reason: this.reason,
      code: this.httpStatus,
    };
    // StatusReasonUnknown is the empty string, which kube-apiserver leaves out.
    if (this.reason === '') delete status.reason;
    if (this.details) status.details = this.details;
    return status;
  }
}

/** `pods "web-1" not found` or `chaosexperiments.chaoscraft.io "x" not found`, as kube-apiserver words it. */
export function notFoundError(options: {
  qualifiedResource: string;
  group: string;
  kind: string;
  name: string;
}) {
  return new KubeApiError({
    code: 'NotFound',
    httpStatus: 404,
    reason: 'NotFound',
    message: `${options.qualifiedResource} "${options.name}" not found`,
    details: { name: options.name, group: options.group || undefined, kind: options.kind },
  });
}

export function alreadyExistsError(options: {
  qualifiedResource: string;
  group: string;
  kind: string;
  name: string;
}) {
  return new KubeApiError({
    code: 'AlreadyExists',
    httpStatus: 409,
    reason: 'AlreadyExists',
    message: `${options.qualifiedResource} "${options.name}" already exists`,
    details: { name: options.name, group: options.group || undefined, kind: options.kind },
  });
}

export function conflictError(options: {
  qualifiedResource: string;
  group: string;
  kind: string;
  name: string;
  why: string;
}) {
  return new KubeApiError({
    code: 'Conflict',
    httpStatus: 409,
    reason: 'Conflict',
    message: `Operation cannot be fulfilled on ${options.qualifiedResource} "${options.name}": ${options.why}`,
    details: { name: options.name, group: options.group || undefined, kind: options.kind },
  });
}

export const STALE_OBJECT_MESSAGE =
  'the object has been modified; please apply your changes to the latest version and try again';

export function invalidError(options: { kind: string; group: string; name: string; causes: StatusCause[] }) {
  const summary = options.causes
    .map((cause) => (cause.field ? `${cause.field}: ${cause.message}` : cause.message))
    .join(', ');
  const qualifiedKind = options.group ? `${options.kind}.${options.group}` : options.kind;
  return new KubeApiError({
    code: 'Invalid',
    httpStatus: 422,
    reason: 'Invalid',
    message: `${qualifiedKind} "${options.name}" is invalid: ${options.causes.length > 1 ? `[${summary}]` : summary}`,
    details: {
      name: options.name,
      group: options.group || undefined,
      kind: options.kind,
      causes: options.causes,
    },
  });
}

export function badRequestError(message: string) {
  return new KubeApiError({ code: 'BadRequest', httpStatus: 400, reason: 'BadRequest', message });
}

export function methodNotAllowedError(message: string) {
  return new KubeApiError({ code: 'MethodNotAllowed', httpStatus: 405, reason: 'MethodNotAllowed', message });
}

export function expiredError(message: string) {
  return new KubeApiError({ code: 'Expired', httpStatus: 410, reason: 'Expired', message });
}

export function notAcceptableError(accept: string) {
  return new KubeApiError({
    code: 'NotAcceptable',
    httpStatus: 406,
    reason: 'NotAcceptable',
    message: `only the following media types are accepted: application/json, application/json;as=Table;v=v1;g=meta.k8s.io (got ${JSON.stringify(accept)})`,
  });
}

export function internalError(message: string) {
  return new KubeApiError({ code: 'InternalError', httpStatus: 500, reason: 'InternalError', message });
}

export function successStatus(details: StatusDetails): KubeStatus {
  return { kind: 'Status', apiVersion: 'v1', metadata: {}, status: 'Success', details, code: 200 };
}
