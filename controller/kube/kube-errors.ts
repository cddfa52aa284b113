// Errors from the Kubernetes API as typed values: the metav1.Status reason becomes a stable code.

export type KubeErrorCode =
  | 'NotFound'
  | 'AlreadyExists'
  | 'Conflict'
  | 'Invalid'
  | 'Gone'
  | 'Forbidden'
  | 'Unauthorized'
  | 'TooManyRequests'
  | 'ServerError'
  | 'Unavailable';

export class KubeApiError extends Error {
  readonly code: KubeErrorCode;
  readonly statusCode: number;
  readonly reason?: string;
  readonly details?: unknown;
  constructor(options: {
    statusCode: number;
    reason?: string;
    message: string;
    details?: unknown;
    method: string;
    path: string;
  }) {
    super(
      `${options.method} ${options.path}: ${options.statusCode} ${options.reason ?? ''} ${options.message}`.trim(),
    );
    this.name = 'KubeApiError';
    this.statusCode = options.statusCode;
    this.reason = options.reason;
    this.details = options.details;
    this.code = codeFor(options.statusCode, options.reason);
  }

  /** Worth retrying with back-off: the server or the network may recover. */
  get transient(): boolean {
    return ['Conflict', 'TooManyRequests', 'ServerError', 'Unavailable'].includes(this.code);
  }
}

function codeFor(status: number, reason?: string): KubeErrorCode {
  if (status === 404) return 'NotFound';
  if (status === 409) return reason === 'AlreadyExists' ? 'AlreadyExists' : 'Conflict';
  if (status === 422) return 'Invalid';
  if (status === 410) return 'Gone';
  if (status === 403) return 'Forbidden';
  if (status === 401) return 'Unauthorized';
  if (status === 429) return 'TooManyRequests';
  if (status === 0) return 'Unavailable';
  return 'ServerError';
}

export function isKubeError(error: unknown, code: KubeErrorCode): boolean {
  return error instanceof KubeApiError && error.code === code;
}
