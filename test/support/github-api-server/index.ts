// Public entry of the GitHub API test server. See docs/testing/github-api-server.md.

export { createTestAppCredentials, type TestAppCredentials } from './auth.ts';
export { GitHubContract, OPENAPI_FIXTURE_PATH } from './contract.ts';
export { type ContractViolation, ContractViolationError, GitHubApiError } from './errors.ts';
export {
  type GitHubApiServer,
  type GitHubApiServerControls,
  type RequestLogEntry,
  type StartGitHubApiServerOptions,
  startGitHubApiServer,
} from './server.ts';
export { GitHubState, GitHubStateError } from './state.ts';
