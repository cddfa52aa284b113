// How ChaosCraft authenticates to GitHub: a GitHub App installation (preferred: short-lived tokens,
// check runs allowed) or a token read from a file (a mounted Secret). Credentials come from files,
// never from argv (visible in `ps`) and are wrapped in SecretValue so they cannot be printed.
import { readFile } from 'node:fs/promises';
import { GitHubIntegrationError } from './errors.ts';
import { SecretValue } from './secret.ts';

export type GitHubAuthConfig =
  | { kind: 'token'; token: SecretValue }
  | { kind: 'app'; appId: number; installationId: number; privateKey: SecretValue };

export interface LoadGitHubAuthOptions {
  /** A file holding a token (a PAT or a workflow GITHUB_TOKEN). */
  tokenFile?: string;
  appId?: string | number;
  installationId?: string | number;
  /** A file holding the GitHub App's private key (PEM). */
  privateKeyFile?: string;
}

async function readSecretFile(path: string, what: string): Promise<SecretValue> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (error) {
    // The path is configuration, not a secret; the file's content never appears in the message.
    throw new GitHubIntegrationError({
      code: 'AuthFileUnreadable',
      message: `cannot read the ${what} file ${path}: ${(error as NodeJS.ErrnoException).code ?? 'error'}`,
      data: { path, what },
    });
  }
  const value = text.trim();
  if (!value) {
    throw new GitHubIntegrationError({
      code: 'AuthConfig',
      message: `the ${what} file ${path} is empty`,
      data: { path, what },
    });
  }
  return new SecretValue(value);
}

function positiveInteger(value: string | number | undefined, name: string): number {
  const parsed = typeof value === 'number' ? value : Number(value);
  if (!Number.isSafeInteger(parsed) || parsed <= 0) {
    throw new GitHubIntegrationError({
      code: 'AuthConfig',
      message: `${name} must be a positive integer`,
      data: { field: name },
    });
  }
  return parsed;
}

/** Reads the configured credentials. Exactly one of a token file or the App settings is needed. */
export async function loadGitHubAuth(options: LoadGitHubAuthOptions): Promise<GitHubAuthConfig> {
  const wantsApp =
    options.appId !== undefined ||
    options.installationId !== undefined ||
    options.privateKeyFile !== undefined;
  if (options.tokenFile && wantsApp) {
    throw new GitHubIntegrationError({
      code: 'AuthConfig',
      message: 'configure either a token file or a GitHub App, not both',
    });
  }
  if (options.tokenFile) return { kind: 'token', token: await readSecretFile(options.tokenFile, 'token') };
  if (!wantsApp) {
    throw new GitHubIntegrationError({
      code: 'AuthConfig',
      message: 'no GitHub credentials: give a token file or an App id, installation id and private key file',
    });
  }
  if (!options.privateKeyFile) {
    throw new GitHubIntegrationError({
      code: 'AuthConfig',
      message: 'a GitHub App needs a private key file',
    });
  }
  const appId = positiveInteger(options.appId, 'appId');
  const installationId = positiveInteger(options.installationId, 'installationId');
  const privateKey = await readSecretFile(options.privateKeyFile, 'private key');
  if (!/-----BEGIN [A-Z ]*PRIVATE KEY-----/.test(privateKey.reveal())) {
    throw new GitHubIntegrationError({
      code: 'AuthConfig',
      message: `the private key file ${options.privateKeyFile} does not hold a PEM private key`,
      data: { path: options.privateKeyFile },
    });
  }
  return { kind: 'app', appId, installationId, privateKey };
}
