// Errors of the GitHub API test server. `GitHubApiError` becomes an HTTP answer shaped like GitHub's;
// `ContractViolationError` means the server or its client broke the OpenAPI contract.

export const DOCUMENTATION_URL = 'https://docs.github.com/rest';

export interface GitHubValidationErrorItem {
  resource?: string;
  field?: string;
  code: string;
  message?: string;
}

/** An error answer GitHub itself would give (404, 401, 422...). */
export class GitHubApiError extends Error {
  readonly code: string;
  readonly status: number;
  readonly errors: GitHubValidationErrorItem[] | undefined;
  readonly headers: Record<string, string>;
  constructor(options: {
    status: number;
    message: string;
    code: string;
    errors?: GitHubValidationErrorItem[];
    headers?: Record<string, string>;
  }) {
    super(options.message);
    this.name = 'GitHubApiError';
    this.status = options.status;
    this.code = options.code;
    this.errors = options.errors;
    this.headers = options.headers ?? {};
  }

  /** The JSON body GitHub sends for this error. */
  toBody(): Record<string, unknown> {
    const body: Record<string, unknown> = {
      message: this.message,
      documentation_url: DOCUMENTATION_URL,
      status: String(this.status),
    };
    if (this.errors) body.errors = this.errors;
    return body;
  }
}

export function notFound(): GitHubApiError {
  return new GitHubApiError({ status: 404, message: 'Not Found', code: 'NotFound' });
}

export function validationFailed(options: {
  message?: string;
  errors: GitHubValidationErrorItem[];
}): GitHubApiError {
  return new GitHubApiError({
    status: 422,
    message: options.message ?? 'Validation Failed',
    code: 'ValidationFailed',
    errors: options.errors,
  });
}

export type ContractViolationKind = 'request' | 'response';

export interface ContractViolation {
  kind: ContractViolationKind;
  /** Stable code: UnknownOperation, InvalidParameters, InvalidBody, InvalidJson, UndeclaredStatus, InvalidResponse. */
  code: string;
  method: string;
  path: string;
  operationId: string | undefined;
  status: number | undefined;
  /** ajv-style messages: `<instancePath> <message>`. */
  details: string[];
}

/** Thrown inside the server when a response it produced does not match the contract. */
export class ContractViolationError extends Error {
  readonly code: string;
  readonly data: ContractViolation;
  constructor(violation: ContractViolation) {
    super(
      `GitHub contract violation (${violation.kind} ${violation.code}) on ${violation.method} ${violation.path}: ` +
        violation.details.join('; '),
    );
    this.name = 'ContractViolationError';
    this.code = violation.code;
    this.data = violation;
  }
}
