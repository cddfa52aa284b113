// Server-side apply of custom resources as a cluster does it: field ownership per manager in
// managedFields, conflicts (409) naming fields and managers, force, removal of fields a manager stops
// applying, list merging by the schema's list types, create-on-apply, and the PatchOptions checks.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { type KubeApiServer, startKubeApiServer } from './index.ts';
import { createNamespaces } from './test-support.ts';

const GROUP = 'ssa.chaoscraft.io';
const API_VERSION = `${GROUP}/v1`;

/** A kind with every list type: map list (by name), set, atomic list, a map, and a status subresource. */
const widgetCrd = {
  apiVersion: 'apiextensions.k8s.io/v1',
  kind: 'CustomResourceDefinition',
  metadata: { name: `widgets.${GROUP}` },
  spec: {
    group: GROUP,
    scope: 'Namespaced',
    names: { plural: 'widgets', singular: 'widget', kind: 'Widget', listKind: 'WidgetList' },
    versions: [
      {
        name: 'v1',
        served: true,
        storage: true,
        subresources: { status: {} },
        schema: {
          openAPIV3Schema: {
            type: 'object',
            properties: {
              spec: {
                type: 'object',
                properties: {
                  replicas: { type: 'integer' },
                  mode: { type: 'string', default: 'safe' },
                  ports: {
                    type: 'array',
                    'x-kubernetes-list-type': 'map',
                    'x-kubernetes-list-map-keys': ['name'],
                    items: {
                      type: 'object',
                      required: ['name'],
                      properties: { name: { type: 'string' }, port: { type: 'integer' } },
                    },
                  },
                  tags: { type: 'array', 'x-kubernetes-list-type': 'set', items: { type: 'string' } },
                  args: { type: 'array', items: { type: 'string' } },
                  settings: { type: 'object', additionalProperties: { type: 'string' } },
                },
              },
              status: {
                type: 'object',
                properties: { phase: { type: 'string' }, ready: { type: 'integer' } },
              },
            },
          },
        },
      },
    ],
  },
};

interface Answer {
  status: number;
  body: Record<string, unknown> & {
    message?: string;
    reason?: string;
    details?: { causes?: { reason: string; message: string; field: string }[] };
    metadata?: Record<string, unknown> & {
      managedFields?: Record<string, unknown>[];
      resourceVersion?: string;
    };
    spec?: Record<string, unknown>;
    status?: Record<string, unknown>;
  };
}

describe('server-side apply of custom resources', () => {
  let server: KubeApiServer;

  const request = async (
    method: string,
    path: string,
    options: { body?: string; contentType?: string; query?: Record<string, string>; user?: string } = {},
  ): Promise<Answer> => {
    const url = new URL(`${server.url}/apis/${API_VERSION}/namespaces/shop/widgets${path}`);
    for (const [key, value] of Object.entries(options.query ?? {})) url.searchParams.set(key, value);
    const response = await fetch(url, {
      method,
      headers: {
        Authorization: `Bearer ${server.tokenFor(options.user ?? 'admin')}`,
        'Content-Type': options.contentType ?? 'application/apply-patch+yaml',
      },
      body: options.body,
    });
    return { status: response.status, body: (await response.json()) as Answer['body'] };
  };
  const apply = (name: string, manifest: string, manager: string, extra: Record<string, string> = {}) =>
    request('PATCH', `/${name}`, { body: manifest, query: { fieldManager: manager, ...extra } });
  const widget = (name: string, spec: string) =>
    `apiVersion: ${API_VERSION}\nkind: Widget\nmetadata:\n  name: ${name}\nspec:\n${spec}`;
  const entry = (answer: Answer, manager: string, operation = 'Apply') =>
    answer.body.metadata?.managedFields?.find((e) => e.manager === manager && e.operation === operation);

  before(async () => {
    server = await startKubeApiServer({
      crds: [widgetCrd],
      users: [{ name: 'patcher', username: 'patcher' }],
    });
    createNamespaces(server, 'shop');
  });
  after(() => server.close());

  it('creates on apply, and records what the manager applied as an Apply entry', async () => {
    const created = await apply(
      'a',
      widget('a', '  replicas: 2\n  ports: [{name: http, port: 80}]\n  tags: [blue]\n  settings: {x: "1"}'),
      'argocd-controller',
    );
    assert.equal(created.status, 201, JSON.stringify(created.body));
    assert.equal(created.body.spec?.mode, 'safe', 'defaults apply');
    const applied = entry(created, 'argocd-controller');
    assert.deepEqual(
      { ...applied, time: undefined },
      {
        manager: 'argocd-controller',
        operation: 'Apply',
        apiVersion: API_VERSION,
        time: undefined,
        fieldsType: 'FieldsV1',
        fieldsV1: {
          'f:spec': {
            'f:replicas': {},
            'f:ports': { 'k:{"name":"http"}': { '.': {}, 'f:name': {}, 'f:port': {} } },
            'f:tags': { 'v:"blue"': {} },
            'f:settings': { 'f:x': {} },
          },
        },
      },
      'a defaulted field is owned by nobody',
    );
    assert.match(String(applied?.time), /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/);
  });

  it('needs fieldManager for an apply, and refuses force on other patches', async () => {
    const missing = await request('PATCH', '/a', { body: widget('a', '  replicas: 2') });
    assert.equal(missing.status, 422);
    assert.equal(
      missing.body.message,
      'PatchOptions.meta.k8s.io "" is invalid: fieldManager: Required value: is required for apply patch',
    );
    const forced = await request('PATCH', '/a', {
      body: '{"spec":{"replicas":3}}',
      contentType: 'application/merge-patch+json',
      query: { force: 'true' },
    });
    assert.equal(forced.status, 422);
    assert.match(String(forced.body.message), /force: Forbidden: may not be specified for non-apply patch/);
  });

  it('changes nothing when the same configuration is applied again', async () => {
    const before = server.get({ apiVersion: API_VERSION, kind: 'Widget', namespace: 'shop', name: 'a' });
    const again = await apply(
      'a',
      widget('a', '  replicas: 2\n  ports: [{name: http, port: 80}]\n  tags: [blue]\n  settings: {x: "1"}'),
      'argocd-controller',
    );
    assert.equal(again.status, 200);
    assert.deepEqual(again.body.metadata, (before as { metadata: unknown }).metadata, 'no write at all');
  });

  it('shares a field applied with the same value, and refuses another value owned by someone else', async () => {
    const shared = await apply('a', widget('a', '  replicas: 2'), 'helm');
    assert.equal(shared.status, 200, JSON.stringify(shared.body));
    assert.deepEqual(entry(shared, 'helm')?.fieldsV1, { 'f:spec': { 'f:replicas': {} } });
    assert.ok(entry(shared, 'argocd-controller'), 'argocd keeps its fields');

    const conflict = await apply('a', widget('a', '  replicas: 5\n  tags: [red]'), 'autoscaler');
    assert.equal(conflict.status, 409);
    assert.equal(conflict.body.reason, 'Conflict');
    assert.equal(
      conflict.body.message,
      'Apply failed with 2 conflicts: conflicts with "argocd-controller":\n- .spec.replicas\nconflicts with "helm":\n- .spec.replicas',
    );
    assert.deepEqual(conflict.body.details?.causes, [
      {
        reason: 'FieldManagerConflict',
        message: 'conflict with "argocd-controller"',
        field: '.spec.replicas',
      },
      { reason: 'FieldManagerConflict', message: 'conflict with "helm"', field: '.spec.replicas' },
    ]);
    const one = await apply('a', widget('a', '  settings: {x: "2"}'), 'autoscaler');
    assert.equal(
      one.body.message,
      'Apply failed with 1 conflict: conflict with "argocd-controller": .spec.settings.x',
    );
  });

  it('takes the fields over with force', async () => {
    const forced = await apply('a', widget('a', '  replicas: 5'), 'autoscaler', { force: 'true' });
    assert.equal(forced.status, 200, JSON.stringify(forced.body));
    assert.equal(forced.body.spec?.replicas, 5);
    assert.deepEqual(entry(forced, 'autoscaler')?.fieldsV1, { 'f:spec': { 'f:replicas': {} } });
    assert.equal(entry(forced, 'helm'), undefined, 'a manager left with no fields has no entry');
    const argocd = entry(forced, 'argocd-controller')?.fieldsV1 as { 'f:spec': Record<string, unknown> };
    assert.ok(!('f:replicas' in argocd['f:spec']), 'argocd no longer owns replicas');
  });

  it('lets an update take a field without conflict; the next apply of the old value conflicts with it', async () => {
    const edited = await request('PATCH', '/a', {
      body: '{"spec":{"settings":{"x":"9"}}}',
      contentType: 'application/merge-patch+json',
      query: { fieldManager: 'kubectl-edit' },
    });
    assert.equal(edited.status, 200);
    const update = entry(edited, 'kubectl-edit', 'Update');
    assert.deepEqual(update?.fieldsV1, { 'f:spec': { 'f:settings': { 'f:x': {} } } });
    const reapplied = await apply(
      'a',
      widget('a', '  ports: [{name: http, port: 80}]\n  tags: [blue]\n  settings: {x: "1"}'),
      'argocd-controller',
    );
    assert.equal(reapplied.status, 409);
    assert.equal(
      reapplied.body.message,
      `Apply failed with 1 conflict: conflict with "kubectl-edit" using ${API_VERSION} at ${String(update?.time)}: .spec.settings.x`,
    );
  });

  it('removes what a manager stops applying, unless another manager owns it; merges lists by their type', async () => {
    await apply(
      'b',
      widget('b', '  ports: [{name: a, port: 1}, {name: b, port: 2}]\n  tags: [x, y]\n  args: [one]'),
      'first',
    );
    const second = await apply(
      'b',
      widget('b', '  ports: [{name: c, port: 3}]\n  tags: [z]\n  args: [two]'),
      'second',
      {
        force: 'true',
      },
    );
    assert.deepEqual(second.body.spec?.ports, [
      { name: 'a', port: 1 },
      { name: 'b', port: 2 },
      { name: 'c', port: 3 },
    ]);
    assert.deepEqual(second.body.spec?.tags, ['x', 'y', 'z'], 'a set is a union');
    assert.deepEqual(
      second.body.spec?.args,
      ['two'],
      'an atomic list is replaced (and taken over with force)',
    );
    const shrunk = await apply('b', widget('b', '  ports: [{name: a, port: 1}]\n  tags: [x]'), 'first');
    assert.equal(shrunk.status, 200, JSON.stringify(shrunk.body));
    assert.deepEqual(shrunk.body.spec?.ports, [
      { name: 'a', port: 1 },
      { name: 'c', port: 3 },
    ]);
    assert.deepEqual(shrunk.body.spec?.tags, ['x', 'z']);
    assert.deepEqual(shrunk.body.spec?.args, ['two'], 'owned by second: stays');
  });

  it('applies status only through /status, and ignores status on the main endpoint', async () => {
    const main = await apply('a', `${widget('a', '  replicas: 5')}\nstatus:\n  phase: Broken`, 'autoscaler');
    assert.equal(main.status, 200);
    assert.equal(main.body.status, undefined);
    const status = await request('PATCH', '/a/status', {
      body: JSON.stringify({
        apiVersion: API_VERSION,
        kind: 'Widget',
        metadata: { name: 'a' },
        status: { phase: 'Ready' },
      }),
      query: { fieldManager: 'widget-controller' },
    });
    assert.equal(status.status, 200, JSON.stringify(status.body));
    assert.equal(status.body.status?.phase, 'Ready');
    const owner = status.body.metadata?.managedFields?.find((e) => e.manager === 'widget-controller');
    assert.equal(owner?.subresource, 'status');
    assert.deepEqual(owner?.fieldsV1, { 'f:status': { 'f:phase': {} } });
  });

  it('records Update entries for creates and status merge patches, by fieldManager or User-Agent', async () => {
    const created = await request('POST', '', {
      body: JSON.stringify({
        apiVersion: API_VERSION,
        kind: 'Widget',
        metadata: { name: 'c' },
        spec: { replicas: 1 },
      }),
      contentType: 'application/json',
      query: { fieldManager: 'kubectl-create' },
    });
    assert.deepEqual(entry(created, 'kubectl-create', 'Update')?.fieldsV1, {
      'f:spec': { 'f:mode': {}, 'f:replicas': {} },
    });
    const status = await request('PATCH', '/c/status', {
      body: '{"status":{"ready":1}}',
      contentType: 'application/merge-patch+json',
    });
    const byAgent = status.body.metadata?.managedFields?.find((e) => e.subresource === 'status');
    assert.equal(byAgent?.manager, 'node', 'fetch says User-Agent: node');
    assert.equal(byAgent?.operation, 'Update');
  });

  it('creates by apply only for those allowed to create', async () => {
    server.create({
      apiVersion: 'rbac.authorization.k8s.io/v1',
      kind: 'ClusterRole',
      metadata: { name: 'widget-patcher' },
      rules: [{ apiGroups: [GROUP], resources: ['widgets'], verbs: ['patch'] }],
    });
    server.create({
      apiVersion: 'rbac.authorization.k8s.io/v1',
      kind: 'ClusterRoleBinding',
      metadata: { name: 'widget-patcher' },
      roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'ClusterRole', name: 'widget-patcher' },
      subjects: [{ apiGroup: 'rbac.authorization.k8s.io', kind: 'User', name: 'patcher' }],
    });
    const refused = await request('PATCH', '/new', {
      body: widget('new', '  replicas: 1'),
      query: { fieldManager: 'patcher' },
      user: 'patcher',
    });
    assert.equal(refused.status, 403);
    assert.equal(
      refused.body.message,
      `widgets.${GROUP} "new" is forbidden: User "patcher" cannot create resource "widgets" in API group "${GROUP}" in the namespace "shop"`,
    );
    assert.equal(server.forbiddenRequests({ user: 'patcher' }).length, 1);
    const existing = await request('PATCH', '/c', {
      body: widget('c', '  replicas: 4'),
      query: { fieldManager: 'patcher', force: 'true' },
      user: 'patcher',
    });
    assert.equal(existing.status, 200);
  });

  it('refuses an applied configuration naming another object or setting managedFields', async () => {
    const other = await apply('a', widget('b', '  replicas: 1'), 'x');
    assert.equal(other.status, 400);
    const managed = await apply(
      'a',
      `${widget('a', '  replicas: 1')}\n`.replace('  name: a', '  name: a\n  managedFields: []'),
      'x',
    );
    assert.equal(managed.status, 422);
  });

  it('refuses server-side apply of built-in kinds with 415 (not modelled)', async () => {
    const response = await fetch(`${server.url}/api/v1/namespaces/shop/configmaps/x?fieldManager=x`, {
      method: 'PATCH',
      headers: {
        Authorization: `Bearer ${server.tokenFor('admin')}`,
        'Content-Type': 'application/apply-patch+yaml',
      },
      body: 'apiVersion: v1\nkind: ConfigMap\nmetadata: {name: x}',
    });
    assert.equal(response.status, 415);
  });
});
