// Errors of the repository reader: a stable code, structured data, and messages that have been
// scrubbed of every secret the reader was given (tokens never reach logs, comments or errors).

export type RepositoryErrorCode =
  | 'InvalidOptions'
  | 'InvalidUrl'
  | 'CredentialsInUrl'
  | 'InsecureToken'
  | 'InvalidRef'
  | 'RefNotFound'
  | 'ObjectNotFound'
  | 'FileNotFound'
  | 'AuthenticationFailed'
  | 'FetchFailed'
  | 'ReadFailed';

export class RepositoryError extends Error {
  readonly code: RepositoryErrorCode;
  readonly data: Readonly<Record<string, string | number | undefined>>;
  constructor(options: {
    code: RepositoryErrorCode;
    message: string;
    data?: Record<string, string | number | undefined>;
  }) {
    super(options.message);
    this.name = 'RepositoryError';
    this.code = options.code;
    this.data = options.data ?? {};
  }
}

/**
 * Replaces every form in which a secret could appear in a message (as is, URL-encoded, and inside
 * a basic-auth header) with `***`.
 */
export function scrubSecrets(text: string, secrets: readonly (string | undefined)[]): string {
  let scrubbed = text;
  for (const secret of secrets) {
    if (!secret) continue;
    const forms = new Set([
      secret,
      encodeURIComponent(secret),
      Buffer.from(secret).toString('base64'),
      Buffer.from(`x-access-token:${secret}`).toString('base64'),
      Buffer.from(`:${secret}`).toString('base64'),
    ]);
    for (const form of forms) scrubbed = scrubbed.split(form).join('***');
  }
  return scrubbed;
}
