// Errors of the GitHub side. Each has a stable `code` for callers and tests, and structured `data`
// that never holds a credential (only names of things: repositories, files, operations).

export type GitHubErrorCode = 'AuthConfig' | 'AuthFileUnreadable' | 'PublishFailed' | 'InvalidRepositoryName';

export class GitHubIntegrationError extends Error {
  readonly code: GitHubErrorCode;
  readonly data: Record<string, unknown>;
  constructor(options: {
    code: GitHubErrorCode;
    message: string;
    data?: Record<string, unknown>;
    cause?: unknown;
  }) {
    super(options.message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = 'GitHubIntegrationError';
    this.code = options.code;
    this.data = options.data ?? {};
  }
}
