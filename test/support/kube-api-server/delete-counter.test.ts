// deletesByUid and deleteRecords: what each DELETE that reached the server hit, by UID.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { type KubeApiServer, makeRunningPod, startKubeApiServer } from './index.ts';
import { adminFetch } from './test-support.ts';

let server: KubeApiServer;
before(async () => {
  server = await startKubeApiServer({ replicaSetRecreateDelayMs: false });
});
after(() => server.close());

const deletePod = (name: string, body?: unknown) =>
  adminFetch(server, `/api/v1/namespaces/default/pods/${name}`, {
    method: 'DELETE',
    headers: { 'Content-Type': 'application/json' },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });

const uidOf = (name: string) =>
  (server.get({ apiVersion: 'v1', kind: 'Pod', namespace: 'default', name }) as { metadata: { uid: string } })
    .metadata.uid;

test('a delete counts for the UID it hit; a name taken over by a new pod is told apart', async () => {
  server.seed([makeRunningPod({ name: 'db-0' })]);
  const first = uidOf('db-0');
  const options = { kind: 'DeleteOptions', apiVersion: 'v1', gracePeriodSeconds: 0 };
  assert.equal((await deletePod('db-0', { ...options, preconditions: { uid: first } })).status, 200);

  // A StatefulSet-style replacement: the same name, a new UID.
  server.seed([makeRunningPod({ name: 'db-0' })]);
  const second = uidOf('db-0');
  assert.notEqual(second, first);
  const replay = await deletePod('db-0', { ...options, preconditions: { uid: first } });
  assert.equal(replay.status, 409, 'a replay with the old UID is refused');
  assert.equal((await deletePod('db-0', options)).status, 200, 'a blind replay deletes the new pod');
  assert.equal((await deletePod('db-0')).status, 404);

  assert.deepEqual(
    server.deletesByUid({ resource: 'pods' }),
    new Map([
      [first, 1],
      [second, 1],
    ]),
  );
  assert.deepEqual(
    server.deleteRecords.map((r) => [r.resource, r.name, r.uid, r.preconditionUid, r.status]),
    [
      ['pods', 'db-0', first, first, 200],
      ['pods', 'db-0', second, first, 409],
      ['pods', 'db-0', second, undefined, 200],
      ['pods', 'db-0', undefined, undefined, 404],
    ],
  );
  assert.equal(server.deletesByUid({ resource: 'configmaps' }).size, 0);
});
