// Authentication as GitHub does it: `token X` / `Bearer X` for tokens, RS256 JWTs signed with a GitHub
// App's private key for the app endpoints. Token values never go into errors or logs.

import { generateKeyPairSync, randomBytes, verify } from 'node:crypto';
import { GitHubApiError } from './errors.ts';
import type { GitHubState, Identity } from './state.ts';

/** Longest JWT lifetime GitHub accepts. */
const MAX_JWT_LIFETIME_SECONDS = 600;
/** Clock drift tolerated for `iat` in the future. */
const CLOCK_SKEW_SECONDS = 60;

export interface TestAppCredentials {
  appId: number;
  /** PKCS#1 PEM, the format GitHub hands out. */
  privateKey: string;
  publicKey: string;
}

/** A fresh RSA key pair for a test GitHub App (2048 bits, generated at runtime, never committed). */
export function createTestAppCredentials(options: { appId: number }): TestAppCredentials {
  const { privateKey, publicKey } = generateKeyPairSync('rsa', {
    modulusLength: 2048,
    privateKeyEncoding: { type: 'pkcs1', format: 'pem' },
    publicKeyEncoding: { type: 'spki', format: 'pem' },
  });
  return { appId: options.appId, privateKey, publicKey };
}

function unauthorized(message: string): GitHubApiError {
  return new GitHubApiError({ status: 401, message, code: 'Unauthorized' });
}

/** Splits an Authorization header into scheme and credential; undefined when absent. */
export function parseAuthorization(
  header: string | undefined,
): { scheme: 'token' | 'bearer'; credential: string } | undefined {
  if (header === undefined) return undefined;
  const match = /^(token|bearer)\s+(\S+)\s*$/i.exec(header);
  if (!match) throw unauthorized('Bad credentials');
  return { scheme: match[1]!.toLowerCase() as 'token' | 'bearer', credential: match[2]! };
}

function looksLikeJwt(credential: string): boolean {
  return /^[\w-]+\.[\w-]+\.[\w-]+$/.test(credential);
}

function decodeSegment(segment: string): Record<string, unknown> {
  try {
    const value = JSON.parse(Buffer.from(segment, 'base64url').toString('utf8')) as unknown;
    if (typeof value === 'object' && value !== null && !Array.isArray(value))
      return value as Record<string, unknown>;
  } catch {}
  throw unauthorized('A JSON web token could not be decoded');
}

/** Verifies a GitHub App JWT: RS256 signature by a known app, `iss` naming it, sane `iat`/`exp`. */
export function verifyAppJwt(options: { jwt: string; state: GitHubState; now: Date }): Identity {
  const [headerPart, payloadPart, signaturePart] = options.jwt.split('.') as [string, string, string];
  const header = decodeSegment(headerPart);
  const payload = decodeSegment(payloadPart);
  if (header.alg !== 'RS256') throw unauthorized("'Expiration time' claim ('exp') or algorithm is invalid");
  const appId = Number(payload.iss);
  const app = options.state.apps.get(appId);
  if (!app) throw unauthorized(`'Issuer' claim ('iss') must be an Integer`);
  const signedOk = verify(
    'RSA-SHA256',
    Buffer.from(`${headerPart}.${payloadPart}`),
    app.publicKey,
    Buffer.from(signaturePart, 'base64url'),
  );
  if (!signedOk) throw unauthorized('A JSON web token could not be decoded');
  const now = Math.floor(options.now.getTime() / 1000);
  const { iat, exp } = payload;
  if (typeof iat !== 'number' || typeof exp !== 'number') {
    throw unauthorized("'Issued at' claim ('iat') and 'Expiration time' claim ('exp') are required");
  }
  if (iat > now + CLOCK_SKEW_SECONDS)
    throw unauthorized("'Issued at' claim ('iat') must be an Integer representing a time in the past");
  if (exp <= now)
    throw unauthorized(
      "'Expiration time' claim ('exp') must be a numeric value representing the future time at which the assertion expires",
    );
  if (exp - iat > MAX_JWT_LIFETIME_SECONDS)
    throw unauthorized("'Expiration time' claim ('exp') is too far in the future");
  return { kind: 'app', appId };
}

/** Resolves the caller; throws 401 for missing or unknown credentials. */
export function authenticate(options: {
  authorization: string | undefined;
  state: GitHubState;
  now: Date;
}): Identity {
  const parsed = parseAuthorization(options.authorization);
  if (!parsed) throw unauthorized('Requires authentication');
  if (parsed.scheme === 'bearer' && looksLikeJwt(parsed.credential)) {
    return verifyAppJwt({ jwt: parsed.credential, state: options.state, now: options.now });
  }
  const record = options.state.tokens.get(parsed.credential);
  if (!record) throw unauthorized('Bad credentials');
  if (record.expiresAt && record.expiresAt.getTime() <= options.now.getTime())
    throw unauthorized('Bad credentials');
  return record.identity;
}

/** Mints an installation access token (`ghs_` + 36 characters, one hour), as GitHub does. */
export function mintInstallationToken(options: {
  state: GitHubState;
  installationId: number;
  now: Date;
  repositories?: string[];
}): {
  token: string;
  expiresAt: Date;
} {
  const installation = options.state.installations.get(options.installationId)!;
  const app = options.state.apps.get(installation.appId)!;
  const token = `ghs_${randomBytes(27).toString('base64url')}`;
  const expiresAt = new Date(options.now.getTime() + 3600_000);
  options.state.tokens.set(token, {
    identity: {
      kind: 'installation',
      installationId: installation.id,
      appId: app.id,
      login: `${app.slug}[bot]`,
      ...(options.repositories ? { repositories: options.repositories } : {}),
    },
    expiresAt,
  });
  return { token, expiresAt };
}
