// Who sent a request: a bearer token the server issued to a named user (kubeconfigs carry it), or nobody
// (system:anonymous). An unknown token is 401, as a cluster's token authenticator answers. Impersonation
// headers (`kubectl --as`) switch to another user when the caller may `impersonate` it.
import { randomBytes } from 'node:crypto';
import type { IncomingHttpHeaders } from 'node:http';
import { KubeApiError } from './errors.ts';

export interface UserInfo {
  username: string;
  groups: string[];
}

export interface UserSpec {
  /** The kubeconfig user name tests ask for, e.g. `controller`. */
  name: string;
  /** What the server sees, e.g. `system:serviceaccount:chaoscraft-system:controller`. */
  username: string;
  /** Extra groups; service accounts and authenticated users get their implied groups anyway. */
  groups?: string[];
}

export const ANONYMOUS: UserInfo = { username: 'system:anonymous', groups: ['system:unauthenticated'] };

/** The kubeconfig `kubeConfigFor(server)` writes: cluster-admin through the system:masters group. */
export const ADMIN_USER: UserSpec = {
  name: 'admin',
  username: 'kubernetes-admin',
  groups: ['system:masters'],
};

const SERVICE_ACCOUNT_PREFIX = 'system:serviceaccount:';

/** `system:serviceaccount:<namespace>:<name>` → its namespace and name. */
export function serviceAccountOf(username: string): { namespace: string; name: string } | undefined {
  if (!username.startsWith(SERVICE_ACCOUNT_PREFIX)) return undefined;
  const [namespace, name, ...rest] = username.slice(SERVICE_ACCOUNT_PREFIX.length).split(':');
  if (!namespace || !name || rest.length > 0) return undefined;
  return { namespace, name };
}

/** The groups a token authenticator adds: every service account's, and system:authenticated. */
function impliedGroups(username: string, groups: string[]): string[] {
  const all = [...groups];
  const account = serviceAccountOf(username);
  if (account) all.push('system:serviceaccounts', `system:serviceaccounts:${account.namespace}`);
  all.push('system:authenticated');
  return [...new Set(all)];
}

export function unauthorizedError(): KubeApiError {
  return new KubeApiError({
    code: 'Unauthorized',
    httpStatus: 401,
    reason: 'Unauthorized',
    message: 'Unauthorized',
  });
}

export class Authenticator {
  private readonly byToken = new Map<string, UserInfo>();
  private readonly tokens = new Map<string, string>();

  constructor(users: UserSpec[]) {
    for (const user of users) this.addUser(user);
  }

  /**
   * Registers a user and returns the bearer token that authenticates as it. The same user again keeps
   * its token; a changed one gets a new token (the old one becomes 401).
   */
  addUser(spec: UserSpec): string {
    const info = { username: spec.username, groups: impliedGroups(spec.username, spec.groups ?? []) };
    const previous = this.tokens.get(spec.name);
    if (previous) {
      const known = this.byToken.get(previous)!;
      if (known.username === info.username && known.groups.join() === info.groups.join()) return previous;
      this.byToken.delete(previous);
    }
    const token = `${spec.name}-${randomBytes(12).toString('hex')}`;
    this.tokens.set(spec.name, token);
    this.byToken.set(token, info);
    return token;
  }

  tokenFor(name: string): string {
    const token = this.tokens.get(name);
    if (!token) throw new Error(`the API test server has no user "${name}"; add it with server.addUser(...)`);
    return token;
  }

  /** The user behind the request's credentials (before impersonation). */
  authenticate(headers: IncomingHttpHeaders): UserInfo {
    const header = headers.authorization;
    if (header === undefined || header === '') return ANONYMOUS;
    const match = /^Bearer\s+(\S+)\s*$/i.exec(header);
    const user = match ? this.byToken.get(match[1]!) : undefined;
    if (!user) throw unauthorizedError();
    return user;
  }
}

/** Who `Impersonate-User` / `Impersonate-Group` ask to become, or undefined without those headers. */
export function impersonationRequest(
  headers: IncomingHttpHeaders,
): { user: UserInfo; requestedGroups: string[] } | undefined {
  const rawUser = headers['impersonate-user'];
  const rawGroups = headers['impersonate-group'];
  const username = Array.isArray(rawUser) ? rawUser[0] : rawUser;
  const requested = (
    rawGroups === undefined ? [] : Array.isArray(rawGroups) ? rawGroups : rawGroups.split(',')
  )
    .map((group) => group.trim())
    .filter((group) => group !== '');
  if (!username) {
    if (requested.length === 0) return undefined;
    throw new KubeApiError({
      code: 'InternalError',
      httpStatus: 500,
      reason: 'InternalError',
      message: `Internal error occurred: requested ${JSON.stringify(requested)} without impersonating a user`,
    });
  }
  // An impersonated user is authenticated; a service account also gets its groups.
  return { user: { username, groups: impliedGroups(username, requested) }, requestedGroups: requested };
}
