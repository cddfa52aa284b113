// Set-up for the GitOps end-to-end tests: a GitHub test server with the repository, the PR and a
// GitHub App installation whose private key is written to a file, as a mounted Secret would be; and
// Argo CD played against the Kubernetes API test server.

import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { isDeepStrictEqual } from 'node:util';
import {
  createTestAppCredentials,
  type GitHubApiServer,
  startGitHubApiServer,
} from '../support/github-api-server/index.ts';
import type { KubeApiServer } from '../support/kube-api-server/index.ts';

type JsonObject = Parameters<KubeApiServer['create']>[0];

export interface SeededLoop {
  server: GitHubApiServer;
  pullNumber: number;
  fullName: string;
  appId: number;
  privateKey: string;
}

export async function seedGitHub(options: { baseSha: string; headSha: string }): Promise<SeededLoop> {
  const server = await startGitHubApiServer();
  server.state.addRepo({ owner: 'acme', name: 'chaos' });
  const app = createTestAppCredentials({ appId: 90 });
  server.state.addApp({ id: app.appId, publicKey: app.publicKey, slug: 'chaoscraft' });
  server.state.addInstallation({ id: 91, appId: app.appId, account: 'acme', repositories: ['acme/chaos'] });
  const pull = server.state.addPullRequest({
    repo: 'acme/chaos',
    title: 'Add web-kill',
    head: { ref: 'feature', sha: options.headSha },
    base: { ref: 'main', sha: options.baseSha },
  });
  return {
    server,
    pullNumber: pull.number,
    fullName: 'acme/chaos',
    appId: app.appId,
    privateKey: app.privateKey,
  };
}

export async function createGitHubAppCredentialsFor(options: { github: SeededLoop; folder: string }) {
  const privateKeyFile = join(options.folder, 'app.pem');
  await writeFile(privateKeyFile, options.github.privateKey);
  return {
    appId: options.github.appId,
    installationId: 91,
    privateKeyFile,
    privateKeyText: options.github.privateKey,
  };
}

/** An RFC 3339 time in whole seconds, as Argo CD and the API server write them. */
function seconds(date = new Date()): string {
  return date.toISOString().replace(/\.\d{3}Z$/, 'Z');
}

/**
 * Plays Argo CD's application controller syncing one Git revision, the way it records it: the
 * operation is marked Running, the manifests that are new or changed are applied with annotation
 * tracking (`argocd.argoproj.io/tracking-id`), then the sync joins `status.history` (deployStartedAt,
 * deployedAt) and `status.sync` shows the revision. Unchanged objects are not written.
 */
export function playArgoCdSync(options: {
  kube: KubeApiServer;
  application: string;
  revision: string;
  manifests: JsonObject[];
  namespace?: string;
}): { startedAt: string; finishedAt: string } {
  const address = {
    apiVersion: 'argoproj.io/v1alpha1',
    kind: 'Application',
    namespace: options.namespace ?? 'argocd',
    name: options.application,
  };
  const status = (options.kube.get(address)?.status ?? {}) as { history?: Array<{ id: number }> };
  const startedAt = seconds();
  const operation = { sync: { revision: options.revision } };
  options.kube.patch({
    ...address,
    patchType: 'merge',
    patch: { status: { operationState: { operation, phase: 'Running', startedAt } } },
  });
  for (const manifest of options.manifests) {
    const metadata = manifest.metadata as { name: string; namespace: string; annotations?: object };
    const [group] = String(manifest.apiVersion).split('/');
    const tracked: JsonObject = {
      ...manifest,
      metadata: {
        ...metadata,
        annotations: {
          ...metadata.annotations,
          'argocd.argoproj.io/tracking-id': `${options.application}:${group}/${manifest.kind}:${metadata.namespace}/${metadata.name}`,
        },
      },
    };
    const objectAddress = {
      apiVersion: String(manifest.apiVersion),
      kind: String(manifest.kind),
      namespace: metadata.namespace,
      name: metadata.name,
    };
    const live = options.kube.get(objectAddress);
    if (!live) options.kube.create(tracked);
    else if (!isDeepStrictEqual(live.spec, manifest.spec))
      options.kube.patch({ ...objectAddress, patchType: 'merge', patch: { spec: manifest.spec } });
  }
  const finishedAt = seconds();
  const history = status.history ?? [];
  options.kube.patch({
    ...address,
    patchType: 'merge',
    patch: {
      status: {
        sync: { status: 'Synced', revision: options.revision },
        history: [
          ...history,
          {
            id: history.length,
            revision: options.revision,
            deployStartedAt: startedAt,
            deployedAt: finishedAt,
          },
        ],
        operationState: {
          operation,
          phase: 'Succeeded',
          startedAt,
          finishedAt,
          syncResult: { revision: options.revision },
        },
      },
    },
  });
  return { startedAt, finishedAt };
}
