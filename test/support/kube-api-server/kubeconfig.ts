// Client configuration for the test server: a client-node KubeConfig, or a kubeconfig file for kubectl.
import { writeFile } from 'node:fs/promises';
import { KubeConfig } from '@kubernetes/client-node';
import { stringify } from 'yaml';

export interface ServerLocation {
  url: string;
}

function kubeconfigDocument(options: { server: ServerLocation; namespace?: string }) {
  const context: Record<string, string> = { cluster: 'chaoscraft-test', user: 'chaoscraft-test' };
  if (options.namespace) context.namespace = options.namespace;
  return {
    apiVersion: 'v1',
    kind: 'Config',
    // client-node 2.x refuses plain http:// unless TLS verification is explicitly skipped.
    clusters: [
      { name: 'chaoscraft-test', cluster: { server: options.server.url, 'insecure-skip-tls-verify': true } },
    ],
    users: [{ name: 'chaoscraft-test', user: {} }],
    contexts: [{ name: 'chaoscraft-test', context }],
    'current-context': 'chaoscraft-test',
    preferences: {},
  };
}

/** A KubeConfig pointing at the test server over plain HTTP, without credentials. */
export function kubeConfigFor(server: ServerLocation, options: { namespace?: string } = {}): KubeConfig {
  const config = new KubeConfig();
  config.loadFromString(JSON.stringify(kubeconfigDocument({ server, namespace: options.namespace })));
  return config;
}

/** Writes a kubeconfig file (for `kubectl --kubeconfig` or KUBECONFIG) and returns its path. */
export async function writeKubeconfigFile(options: {
  server: ServerLocation;
  path: string;
  namespace?: string;
}): Promise<string> {
  await writeFile(options.path, stringify(kubeconfigDocument(options)), { mode: 0o600 });
  return options.path;
}
