// RBAC as the real kubectl sees it: `auth can-i` (SelfSubjectAccessReview), `auth can-i --list`
// (SelfSubjectRulesReview), `auth whoami`, `--as`, a refusal printed as a cluster's, and RBAC objects
// applied from a file.
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { type KubeApiServer, startKubeApiServer } from './index.ts';
import { type Kubectl, kubectlFor, kubectlMissing } from './kubectl-runner.ts';

const CRDS = join(import.meta.dirname, '../../../charts/chaoscraft/crds');
const CONTROLLER_RULES = join(import.meta.dirname, '../../../charts/chaoscraft/rbac/controller.yaml');
const SA = 'system:serviceaccount:chaoscraft-system:controller';

describe('kubectl auth against RBAC', { skip: kubectlMissing }, () => {
  let server: KubeApiServer;
  let admin: Kubectl;
  let controller: Kubectl;

  before(async () => {
    server = await startKubeApiServer({ crdDirectory: CRDS, users: [{ name: 'controller', username: SA }] });
    for (const name of ['shop', 'chaoscraft-system', 'argocd']) {
      server.create({ apiVersion: 'v1', kind: 'Namespace', metadata: { name } });
    }
    admin = await kubectlFor(server);
    controller = await kubectlFor(server, { user: 'controller' });
  });
  after(async () => {
    await server.close();
    await admin.close();
    await controller.close();
  });

  it('refuses an unbound identity, printing the server’s words', async () => {
    const listed = await controller.run('get', 'pods', '-n', 'shop');
    assert.notEqual(listed.code, 0);
    assert.match(
      listed.stderr,
      /Error from server \(Forbidden\): pods is forbidden: User "system:serviceaccount:chaoscraft-system:controller" cannot list resource "pods" in API group "" in the namespace "shop"/,
    );
    const whoami = await controller.run('auth', 'whoami', '-o', 'jsonpath={.status.userInfo.groups}');
    assert.equal(whoami.code, 0, whoami.stderr);
    assert.deepEqual(JSON.parse(whoami.stdout), [
      'system:serviceaccounts',
      'system:serviceaccounts:chaoscraft-system',
      'system:authenticated',
    ]);
  });

  it('applies the chart’s rules from a file, after which can-i answers from them', async () => {
    const applied = await admin.run('apply', '-f', CONTROLLER_RULES);
    assert.equal(applied.code, 0, applied.stderr);
    assert.match(applied.stdout, /clusterrole\.rbac\.authorization\.k8s\.io\/chaoscraft-controller created/);

    const canPatchStatus = await controller.run(
      'auth',
      'can-i',
      'patch',
      'chaosexperiments',
      '--subresource=status',
      '-n',
      'shop',
    );
    assert.deepEqual([canPatchStatus.code, canPatchStatus.stdout.trim()], [0, 'yes'], canPatchStatus.stderr);
    // The controller deletes runs (a schedule's history) but never a policy.
    const canDelete = await controller.run('auth', 'can-i', 'delete', 'chaospolicies');
    assert.deepEqual([canDelete.code, canDelete.stdout.trim()], [1, 'no']);
    const otherLease = await controller.run(
      'auth',
      'can-i',
      'update',
      'leases/someone-else',
      '-n',
      'chaoscraft-system',
    );
    assert.equal(otherLease.stdout.trim(), 'no', 'resourceNames limit the lease rule');
    const ownLease = await controller.run(
      'auth',
      'can-i',
      'update',
      'leases/chaoscraft-controller',
      '-n',
      'chaoscraft-system',
    );
    assert.equal(ownLease.stdout.trim(), 'yes');

    const asController = await admin.run('auth', 'can-i', 'list', 'pods', '-A', '--as', SA);
    assert.equal(asController.stdout.trim(), 'yes', asController.stderr);
    const asSomeoneElse = await admin.run('auth', 'can-i', 'list', 'pods', '-A', '--as', 'someone-else');
    assert.equal(asSomeoneElse.stdout.trim(), 'no');
  });

  it('lists what the identity may do with can-i --list', async () => {
    const listed = await controller.run('auth', 'can-i', '--list', '-n', 'chaoscraft-system');
    assert.equal(listed.code, 0, listed.stderr);
    const lines = listed.stdout.split('\n');
    const line = (resource: string) => lines.find((l) => l.startsWith(`${resource} `))?.replace(/\s+/g, ' ');
    assert.equal(
      line('chaosexperiments.chaoscraft.io/status'),
      'chaosexperiments.chaoscraft.io/status [] [] [patch]',
    );
    assert.equal(line('leases.coordination.k8s.io'), 'leases.coordination.k8s.io [] [] [create]');
    assert.ok(
      lines.some((l) =>
        /^leases\.coordination\.k8s\.io\s+\[\]\s+\[chaoscraft-controller\]\s+\[get update\]/.test(l),
      ),
      listed.stdout,
    );
    assert.ok(
      lines.some((l) => /^\s+\[\/api\/\*\]\s+\[\]\s+\[get\]/.test(l)),
      'discovery is listed',
    );
  });
});
