// Client configuration for the test server: a client-node KubeConfig, or a kubeconfig file for kubectl.
// Each carries the bearer token of one user the server knows: `admin` (cluster-admin) unless asked.
import { writeFile } from 'node:fs/promises';
import { KubeConfig } from '@kubernetes/client-node';
import { stringify } from 'yaml';

export interface ServerLocation {
  url: string;
  /** The HTTPS address; kubectl sends the token only over TLS. */
  tlsUrl?: string;
  /** The bearer token the server issued to a user (server.addUser). */
  tokenFor(user: string): string;
}

export interface KubeconfigOptions {
  namespace?: string;
  /** A user the server knows (`server.addUser`); default `admin`, which is in system:masters. */
  user?: string;
  /** Point at `tlsUrl` (for kubectl, which drops credentials over plain HTTP); default plain HTTP. */
  tls?: boolean;
}

function kubeconfigDocument(server: ServerLocation, options: KubeconfigOptions) {
  const user = options.user ?? 'admin';
  if (options.tls && !server.tlsUrl) throw new Error('this server has no HTTPS address');
  const url = options.tls ? server.tlsUrl : server.url;
  const context: Record<string, string> = { cluster: 'chaoscraft-test', user };
  if (options.namespace) context.namespace = options.namespace;
  return {
    apiVersion: 'v1',
    kind: 'Config',
    // client-node 2.x refuses plain http:// unless TLS verification is explicitly skipped.
    clusters: [{ name: 'chaoscraft-test', cluster: { server: url, 'insecure-skip-tls-verify': true } }],
    users: [{ name: user, user: { token: server.tokenFor(user) } }],
    contexts: [{ name: 'chaoscraft-test', context }],
    'current-context': 'chaoscraft-test',
    preferences: {},
  };
}

/** A KubeConfig pointing at the test server over plain HTTP, as `options.user` (default `admin`). */
export function kubeConfigFor(server: ServerLocation, options: KubeconfigOptions = {}): KubeConfig {
  const config = new KubeConfig();
  config.loadFromString(JSON.stringify(kubeconfigDocument(server, options)));
  return config;
}

/** Writes a kubeconfig file (for `kubectl --kubeconfig` or KUBECONFIG) and returns its path. */
export async function writeKubeconfigFile(
  options: KubeconfigOptions & { server: ServerLocation; path: string },
): Promise<string> {
  await writeFile(options.path, stringify(kubeconfigDocument(options.server, options)), { mode: 0o600 });
  return options.path;
}
