// Authentication and RBAC as a cluster applies them: bearer tokens per user, 401 for unknown tokens,
// 403 worded as kube-apiserver words it, bindings read on every request.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { CoreV1Api } from '@kubernetes/client-node';
import { type KubeApiServer, kubeConfigFor, startKubeApiServer } from './index.ts';
import { FIXTURE_CRD_DIRECTORY } from './test-support.ts';

const RBAC = 'rbac.authorization.k8s.io';
const SA = 'system:serviceaccount:chaoscraft-system:controller';

interface Answer {
  status: number;
  body: { message?: string; reason?: string; details?: Record<string, unknown>; [key: string]: unknown };
}

describe('authentication and RBAC', () => {
  let server: KubeApiServer;

  /** A request as `user` (a registered name), or anonymous without one. */
  const call = async (
    user: string | undefined,
    method: string,
    path: string,
    body?: unknown,
    contentType = 'application/json',
  ): Promise<Answer> => {
    const headers: Record<string, string> = { 'Content-Type': contentType };
    if (user) headers.Authorization = `Bearer ${server.tokenFor(user)}`;
    const response = await fetch(`${server.url}${path}`, {
      method,
      headers,
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    return { status: response.status, body: (await response.json().catch(() => ({}))) as Answer['body'] };
  };

  const clusterRole = (name: string, rules: unknown[]) =>
    server.create({ apiVersion: `${RBAC}/v1`, kind: 'ClusterRole', metadata: { name }, rules });
  const bindCluster = (name: string, role: string, subject: Record<string, string>) =>
    server.create({
      apiVersion: `${RBAC}/v1`,
      kind: 'ClusterRoleBinding',
      metadata: { name },
      roleRef: { apiGroup: RBAC, kind: 'ClusterRole', name: role },
      subjects: [subject],
    });
  const bindInNamespace = (name: string, namespace: string, roleRef: Record<string, string>, user: string) =>
    server.create({
      apiVersion: `${RBAC}/v1`,
      kind: 'RoleBinding',
      metadata: { name, namespace },
      roleRef: { apiGroup: RBAC, ...roleRef },
      subjects: [{ apiGroup: RBAC, kind: 'User', name: user }],
    });

  before(async () => {
    server = await startKubeApiServer({
      crdDirectory: FIXTURE_CRD_DIRECTORY,
      users: [
        { name: 'controller', username: SA },
        { name: 'nobody', username: 'nobody' },
        { name: 'reader', username: 'reader' },
        { name: 'ops', username: 'ops', groups: ['operators'] },
      ],
    });
    for (const name of ['shop', 'other', 'chaoscraft-system']) {
      server.create({ apiVersion: 'v1', kind: 'Namespace', metadata: { name } });
    }
  });
  after(() => server.close());

  it('refuses an unknown token with 401; without a token a request is system:anonymous', async () => {
    const forged = await fetch(`${server.url}/api`, { headers: { Authorization: 'Bearer forged' } });
    assert.equal(forged.status, 401);
    assert.deepEqual(await forged.json(), {
      kind: 'Status',
      apiVersion: 'v1',
      metadata: {},
      status: 'Failure',
      message: 'Unauthorized',
      reason: 'Unauthorized',
      code: 401,
    });
    assert.equal((await call(undefined, 'GET', '/version')).status, 200, 'public info is public');
    assert.equal((await call(undefined, 'GET', '/healthz')).status, 200);
    const discovery = await call(undefined, 'GET', '/api');
    assert.equal(discovery.status, 403);
    assert.equal(discovery.body.message, 'forbidden: User "system:anonymous" cannot get path "/api"');
    assert.deepEqual(discovery.body.details, {});
    const pods = await call(undefined, 'GET', '/api/v1/namespaces/shop/pods');
    assert.equal(
      pods.body.message,
      'pods is forbidden: User "system:anonymous" cannot list resource "pods" in API group "" in the namespace "shop"',
    );
  });

  it('lets an identity without bindings discover and review itself, and nothing else', async () => {
    for (const path of [
      '/api',
      '/api/v1',
      '/apis',
      '/apis/apps',
      '/apis/apps/v1',
      '/openapi/v3',
      '/version',
    ]) {
      assert.equal((await call('nobody', 'GET', path)).status, 200, path);
    }
    const nodes = await call('nobody', 'GET', '/api/v1/nodes');
    assert.equal(nodes.status, 403);
    assert.equal(
      nodes.body.message,
      'nodes is forbidden: User "nobody" cannot list resource "nodes" in API group "" at the cluster scope',
    );
    const created = await call('nobody', 'POST', '/api/v1/namespaces/shop/configmaps', {
      metadata: { name: 'x' },
    });
    assert.equal(created.status, 403);
    // Refused before routing, like a cluster: a resource nobody serves is 403, not 404, to the unprivileged.
    const unknown = await call('nobody', 'GET', '/apis/example.com/v1/namespaces/shop/widgets/w');
    assert.equal(unknown.status, 403);
    assert.equal((await call('admin', 'GET', '/apis/example.com/v1/namespaces/shop/widgets/w')).status, 404);
  });

  it('names the subresource in a refusal: a rule for drills does not grant drills/status', async () => {
    clusterRole('experiments', [
      {
        apiGroups: ['fixtures.chaoscraft.io', 'chaoscraft.io'],
        resources: ['drills', 'chaosexperiments'],
        verbs: ['get', 'patch'],
      },
    ]);
    bindCluster('controller-experiments', 'experiments', {
      kind: 'ServiceAccount',
      name: 'controller',
      namespace: 'chaoscraft-system',
    });
    server.create({
      apiVersion: 'fixtures.chaoscraft.io/v1alpha1',
      kind: 'Drill',
      metadata: { name: 'x', namespace: 'shop' },
      spec: { mode: 'one', duration: '1s' },
    });
    const path = '/apis/fixtures.chaoscraft.io/v1alpha1/namespaces/shop/drills/x';
    assert.equal((await call('controller', 'GET', path)).status, 200);
    const status = await call(
      'controller',
      'PATCH',
      `${path}/status`,
      { status: {} },
      'application/merge-patch+json',
    );
    assert.equal(status.status, 403);
    assert.equal(
      status.body.message,
      `drills.fixtures.chaoscraft.io "x" is forbidden: User "${SA}" cannot patch resource "drills/status" in API group "fixtures.chaoscraft.io" in the namespace "shop"`,
    );
    assert.deepEqual(status.body.details, { name: 'x', group: 'fixtures.chaoscraft.io', kind: 'drills' });
    assert.equal(status.body.reason, 'Forbidden');
    // Judged before routing, so the same words for our own kind (whose CRD this server does not load).
    const experiment = await call(
      'controller',
      'PATCH',
      '/apis/chaoscraft.io/v1alpha1/namespaces/shop/chaosexperiments/x/status',
      { status: {} },
      'application/merge-patch+json',
    );
    assert.equal(
      experiment.body.message,
      `chaosexperiments.chaoscraft.io "x" is forbidden: User "${SA}" cannot patch resource "chaosexperiments/status" in API group "chaoscraft.io" in the namespace "shop"`,
    );

    clusterRole('any-status', [{ apiGroups: ['*'], resources: ['*/status'], verbs: ['patch'] }]);
    bindCluster('controller-any-status', 'any-status', {
      kind: 'ServiceAccount',
      name: 'controller',
      namespace: 'chaoscraft-system',
    });
    const allowed = await call(
      'controller',
      'PATCH',
      `${path}/status`,
      { status: {} },
      'application/merge-patch+json',
    );
    assert.equal(allowed.status, 200, 'a binding created through the API applies to the next request');
    assert.equal(
      (await call('controller', 'PATCH', path, { spec: {} }, 'application/merge-patch+json')).status,
      200,
    );
    assert.equal((await call('controller', 'DELETE', path)).status, 403, 'delete was never granted');
  });

  it('grants a RoleBinding only in its namespace, with a Role or a ClusterRole', async () => {
    clusterRole('pod-reader', [{ apiGroups: [''], resources: ['pods'], verbs: ['get', 'list', 'watch'] }]);
    bindInNamespace('read-pods', 'shop', { kind: 'ClusterRole', name: 'pod-reader' }, 'reader');
    assert.equal((await call('reader', 'GET', '/api/v1/namespaces/shop/pods')).status, 200);
    assert.equal((await call('reader', 'GET', '/api/v1/namespaces/other/pods')).status, 403);
    const everywhere = await call('reader', 'GET', '/api/v1/pods');
    assert.equal(
      everywhere.body.message,
      'pods is forbidden: User "reader" cannot list resource "pods" in API group "" at the cluster scope',
    );
    server.create({
      apiVersion: `${RBAC}/v1`,
      kind: 'Role',
      metadata: { name: 'cm-writer', namespace: 'other' },
      rules: [{ apiGroups: [''], resources: ['configmaps'], verbs: ['create'] }],
    });
    bindInNamespace('write-cm', 'other', { kind: 'Role', name: 'cm-writer' }, 'reader');
    const body = { metadata: { name: 'c' } };
    assert.equal((await call('reader', 'POST', '/api/v1/namespaces/other/configmaps', body)).status, 201);
    assert.equal((await call('reader', 'POST', '/api/v1/namespaces/shop/configmaps', body)).status, 403);
  });

  it('limits a rule with resourceNames to those names, also for a list by metadata.name', async () => {
    server.create({
      apiVersion: `${RBAC}/v1`,
      kind: 'Role',
      metadata: { name: 'one-lease', namespace: 'chaoscraft-system' },
      rules: [
        {
          apiGroups: ['coordination.k8s.io'],
          resources: ['leases'],
          resourceNames: ['chaoscraft-controller'],
          verbs: ['get', 'list', 'create'],
        },
      ],
    });
    bindInNamespace('one-lease', 'chaoscraft-system', { kind: 'Role', name: 'one-lease' }, 'ops');
    for (const name of ['chaoscraft-controller', 'other']) {
      server.create({
        apiVersion: 'coordination.k8s.io/v1',
        kind: 'Lease',
        metadata: { name, namespace: 'chaoscraft-system' },
        spec: {},
      });
    }
    const base = '/apis/coordination.k8s.io/v1/namespaces/chaoscraft-system/leases';
    assert.equal((await call('ops', 'GET', `${base}/chaoscraft-controller`)).status, 200);
    const other = await call('ops', 'GET', `${base}/other`);
    assert.equal(
      other.body.message,
      'leases.coordination.k8s.io "other" is forbidden: User "ops" cannot get resource "leases" in API group "coordination.k8s.io" in the namespace "chaoscraft-system"',
    );
    assert.equal((await call('ops', 'GET', base)).status, 403, 'a list names no object');
    const byName = await call('ops', 'GET', `${base}?fieldSelector=metadata.name%3Dchaoscraft-controller`);
    assert.equal(byName.status, 200);
    const create = await call('ops', 'POST', base, {
      metadata: { name: 'chaoscraft-controller-2' },
      spec: {},
    });
    assert.equal(create.status, 403, 'a create cannot match resourceNames: the name is not known yet');
  });

  it('matches Group subjects, and says which role a binding misses', async () => {
    bindCluster('operators-missing', 'does-not-exist', { apiGroup: RBAC, kind: 'Group', name: 'operators' });
    const refused = await call('ops', 'GET', '/api/v1/nodes');
    assert.equal(
      refused.body.message,
      `nodes is forbidden: User "ops" cannot list resource "nodes" in API group "" at the cluster scope: RBAC: clusterrole.${RBAC} "does-not-exist" not found`,
    );
    clusterRole('does-not-exist', [{ apiGroups: [''], resources: ['nodes'], verbs: ['list'] }]);
    assert.equal((await call('ops', 'GET', '/api/v1/nodes')).status, 200);
  });

  it('authorizes watches as watch, and client-node carries the token', async () => {
    const core = kubeConfigFor(server, { user: 'nobody' }).makeApiClient(CoreV1Api);
    await assert.rejects(core.listNamespacedPod({ namespace: 'shop' }), (error: { code?: number }) => {
      assert.equal(error.code, 403);
      return true;
    });
    const watch = await call('reader', 'GET', '/api/v1/namespaces/shop/configmaps?watch=true');
    assert.equal(watch.status, 403);
    assert.match(String(watch.body.message), /cannot watch resource "configmaps"/);
  });

  it('impersonates for those allowed to (kubectl --as), and refuses the others', async () => {
    const asController = await fetch(`${server.url}/api/v1/namespaces/shop/pods`, {
      headers: { Authorization: `Bearer ${server.tokenFor('admin')}`, 'Impersonate-User': SA },
    });
    assert.equal(asController.status, 403, 'the controller cannot list pods in this test');
    assert.match(((await asController.json()) as { message: string }).message, /User "system:serviceaccount/);
    const byNobody = await fetch(`${server.url}/api`, {
      headers: { Authorization: `Bearer ${server.tokenFor('nobody')}`, 'Impersonate-User': 'admin' },
    });
    assert.equal(byNobody.status, 403);
    assert.equal(
      ((await byNobody.json()) as { message: string }).message,
      'users "admin" is forbidden: User "nobody" cannot impersonate resource "users" in API group "" at the cluster scope',
    );
  });

  it('refuses RBAC objects a cluster refuses (422), and names roles by path segment', async () => {
    const invalid = async (object: Record<string, unknown>, field: string, message: RegExp) => {
      await assert.rejects(
        async () => server.create(object),
        (error: { httpStatus?: number; details?: { causes?: { field?: string; message: string }[] } }) => {
          assert.equal(error.httpStatus, 422);
          const cause = error.details?.causes?.find((c) => c.field === field);
          assert.ok(cause, `a cause for ${field}: ${JSON.stringify(error.details)}`);
          assert.match(cause.message, message);
          return true;
        },
      );
    };
    const role = (kind: string, rule: Record<string, unknown>) => ({
      apiVersion: `${RBAC}/v1`,
      kind,
      metadata: { name: 'bad', ...(kind === 'Role' ? { namespace: 'shop' } : {}) },
      rules: [rule],
    });
    await invalid(
      role('ClusterRole', { apiGroups: [''], resources: ['pods'] }),
      'rules[0].verbs',
      /at least one/,
    );
    await invalid(
      role('ClusterRole', { verbs: ['get'], resources: ['pods'] }),
      'rules[0].apiGroups',
      /api group/,
    );
    await invalid(
      role('Role', { verbs: ['get'], nonResourceURLs: ['/healthz'] }),
      'rules[0].nonResourceURLs',
      /^Invalid value: \[\]string\{"\/healthz"\}: namespaced rules cannot apply to non-resource URLs$/,
    );
    await invalid(
      role('ClusterRole', { verbs: ['get'], apiGroups: [''], resources: ['pods'], nonResourceURLs: ['/x'] }),
      'rules[0].nonResourceURLs',
      /both regular resources and non-resource URLs/,
    );
    const binding = (roleRef: Record<string, string>, subject: Record<string, string>) => ({
      apiVersion: `${RBAC}/v1`,
      kind: 'ClusterRoleBinding',
      metadata: { name: 'bad' },
      roleRef: { apiGroup: RBAC, ...roleRef },
      subjects: [subject],
    });
    await invalid(
      binding({ kind: 'Role', name: 'x' }, { apiGroup: RBAC, kind: 'User', name: 'u' }),
      'roleRef.kind',
      /Unsupported value: "Role": supported values: "ClusterRole"/,
    );
    await invalid(
      binding({ kind: 'ClusterRole', name: 'x' }, { kind: 'ServiceAccount', name: 'sa' }),
      'subjects[0].namespace',
      /Required value/,
    );
    await invalid(
      binding({ kind: 'ClusterRole', name: 'x' }, { kind: 'Robot', name: 'r' }),
      'subjects[0].kind',
      /Unsupported value: "Robot"/,
    );
    clusterRole('system:chaoscraft-viewer', [{ apiGroups: [''], resources: ['pods'], verbs: ['get'] }]);
    bindCluster('system:chaoscraft-viewer', 'system:chaoscraft-viewer', {
      apiGroup: RBAC,
      kind: 'User',
      name: 'viewer',
    });
    const changed = await call(
      'admin',
      'PATCH',
      `/apis/${RBAC}/v1/clusterrolebindings/system:chaoscraft-viewer`,
      { roleRef: { name: 'cluster-admin' } },
      'application/merge-patch+json',
    );
    assert.equal(changed.status, 422);
    assert.match(String(changed.body.message), /roleRef: Invalid value: .*cannot change roleRef/);
  });

  it('starts with the RBAC objects that decide what an unbound identity may do', () => {
    const names = server
      .list({ apiVersion: `${RBAC}/v1`, kind: 'ClusterRoleBinding' })
      .map((binding) => (binding.metadata as { name: string }).name);
    for (const name of [
      'cluster-admin',
      'system:discovery',
      'system:basic-user',
      'system:public-info-viewer',
    ]) {
      assert.ok(names.includes(name), name);
    }
  });

  it('logs who made each request, and which were refused by authorization rather than injected', async () => {
    server.resetRequestLog();
    server.failNext({ count: 1, status: 403, match: { resource: 'configmaps' } });
    assert.equal((await call('admin', 'GET', '/api/v1/namespaces/shop/configmaps')).status, 403);
    await call('nobody', 'GET', '/api/v1/namespaces/shop/services/web');
    const refused = server.forbiddenRequests();
    assert.deepEqual(
      refused.map((record) => [record.user, record.verb, record.resource, record.namespace, record.name]),
      [['nobody', 'get', 'services', 'shop', 'web']],
    );
    assert.equal(server.requestLog[0]?.user, 'kubernetes-admin');
    assert.deepEqual(server.forbiddenRequests({ user: 'kubernetes-admin' }), []);
  });
});
