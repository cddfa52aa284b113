// GitHub App authentication against the test server with the real @octokit/auth-app: RS256 JWTs signed by
// a key generated at runtime, installation lookup, installation token minting and use.

import assert from 'node:assert/strict';
import { after, afterEach, before, test } from 'node:test';
import { createAppAuth } from '@octokit/auth-app';
import { Octokit } from '@octokit/rest';
import {
  createTestAppCredentials,
  type GitHubApiServer,
  startGitHubApiServer,
  type TestAppCredentials,
} from './index.ts';

const REPO = { owner: 'acme', repo: 'chaos' };
const quiet = { debug() {}, info() {}, warn() {}, error() {} };

let server: GitHubApiServer;
let app: TestAppCredentials;
let clockOffsetMs = 0;

before(async () => {
  server = await startGitHubApiServer({ now: () => new Date(Date.now() + clockOffsetMs) });
  server.state.addRepo({ owner: 'acme', name: 'chaos' });
  server.state.addRepo({ owner: 'acme', name: 'secret' });
  server.state.addIssue({ repo: 'acme/chaos', title: 'results' });
  app = createTestAppCredentials({ appId: 314 });
  server.state.addApp({ id: app.appId, publicKey: app.publicKey, slug: 'chaoscraft' });
  server.state.addInstallation({ id: 2718, appId: app.appId, account: 'acme', repositories: ['acme/chaos'] });
});

after(async () => {
  await server.close();
});

afterEach(() => {
  clockOffsetMs = 0;
  assert.deepEqual(server.contractViolations, []);
});

function appClient(auth: Record<string, unknown>): InstanceType<typeof Octokit> {
  return new Octokit({ authStrategy: createAppAuth, auth, baseUrl: server.url, log: quiet });
}

async function statusOf(promise: Promise<unknown>): Promise<number> {
  return promise.then(
    () => 200,
    (error: { status?: number }) => error.status ?? -1,
  );
}

test('as the app (JWT): find the installation of a repository', async () => {
  const octokit = appClient({ appId: app.appId, privateKey: app.privateKey });
  const { data } = await octokit.rest.apps.getRepoInstallation(REPO);
  assert.equal(data.id, 2718);
  assert.equal(data.app_slug, 'chaoscraft');
  assert.equal(await statusOf(octokit.rest.apps.getRepoInstallation({ owner: 'acme', repo: 'secret' })), 404);
});

test('as the installation: a token is minted once, used, and scoped to the installation', async () => {
  const octokit = appClient({ appId: app.appId, privateKey: app.privateKey, installationId: 2718 });
  const first = await octokit.rest.issues.createComment({
    ...REPO,
    issue_number: 1,
    body: 'verdict: passed',
  });
  assert.equal(first.data.user?.login, 'chaoscraft[bot]');
  assert.equal(first.data.user?.type, 'Bot');
  await octokit.rest.issues.listComments({ ...REPO, issue_number: 1 });
  const minted = server.requests.filter(
    (entry) => entry.operationId === 'apps/create-installation-access-token',
  );
  assert.equal(minted.length, 1, 'auth-app caches the installation token');
  assert.equal(minted[0]!.status, 201);
  assert.equal(await statusOf(octokit.rest.pulls.list({ owner: 'acme', repo: 'secret' })), 404);
  const check = await octokit.rest.checks.create({
    ...REPO,
    name: 'chaoscraft/plan',
    head_sha: 'a'.repeat(40),
  });
  assert.equal(check.data.app?.id, app.appId);
});

test('a JWT signed with another key is refused', async () => {
  const impostor = createTestAppCredentials({ appId: app.appId });
  const octokit = appClient({ appId: app.appId, privateKey: impostor.privateKey });
  assert.equal(await statusOf(octokit.rest.apps.getRepoInstallation(REPO)), 401);
});

test('an expired JWT is refused (server clock 20 minutes ahead)', async () => {
  clockOffsetMs = 20 * 60_000;
  const octokit = appClient({ appId: app.appId, privateKey: app.privateKey });
  assert.equal(await statusOf(octokit.rest.apps.getRepoInstallation(REPO)), 401);
});

test('installations of other apps are not reachable, and a JWT cannot call repository endpoints', async () => {
  const other = createTestAppCredentials({ appId: 999 });
  server.state.addApp({ id: 999, publicKey: other.publicKey });
  const octokit = appClient({ appId: other.appId, privateKey: other.privateKey, installationId: 2718 });
  assert.equal(await statusOf(octokit.rest.issues.listComments({ ...REPO, issue_number: 1 })), 404);
  const { token } = (await createAppAuth({ appId: app.appId, privateKey: app.privateKey })({
    type: 'app',
  })) as {
    token: string;
  };
  const jwtOnRepo = await fetch(`${server.url}/repos/acme/chaos/pulls`, {
    headers: { authorization: `Bearer ${token}` },
  });
  assert.equal(jwtOnRepo.status, 401);
});

test('installation tokens expire after an hour', async () => {
  const octokit = appClient({ appId: app.appId, privateKey: app.privateKey });
  const { data } = await octokit.rest.apps.createInstallationAccessToken({ installation_id: 2718 });
  assert.match(data.token, /^ghs_[\w-]{36}$/);
  const withToken = new Octokit({ auth: data.token, baseUrl: server.url, log: quiet });
  assert.equal(await statusOf(withToken.rest.pulls.list(REPO)), 200);
  clockOffsetMs = 61 * 60_000;
  assert.equal(await statusOf(withToken.rest.pulls.list(REPO)), 401);
});
