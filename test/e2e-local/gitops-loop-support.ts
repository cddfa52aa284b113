// Set-up for the GitOps end-to-end test: a GitHub test server with the repository, the PR and a
// GitHub App installation whose private key is written to a file, as a mounted Secret would be.
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import {
  createTestAppCredentials,
  type GitHubApiServer,
  startGitHubApiServer,
} from '../support/github-api-server/index.ts';

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
