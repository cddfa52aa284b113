// The ClusterReader over the Kubernetes API test server: pages through lists, maps a missing
// namespace to undefined, and never sends anything but GET.
import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { KubeConfig } from '@kubernetes/client-node';
import { kubeClusterReader, namesCluster } from '../../../gitops/planner/kube-cluster-reader.ts';
import { grantProcess } from '../../support/chaoscraft-rbac.ts';
import {
  type KubeApiServer,
  kubeConfigFor,
  makeWorkload,
  startKubeApiServer,
} from '../../support/kube-api-server/index.ts';

let server: KubeApiServer;

test('namesCluster: a real kubeconfig names one; the localhost stand-in of loadFromDefault does not', async () => {
  const home = await mkdtemp(join(tmpdir(), 'chaoscraft-no-kube-'));
  const saved = { HOME: process.env.HOME, KUBECONFIG: process.env.KUBECONFIG };
  try {
    process.env.HOME = home;
    delete process.env.KUBECONFIG;
    const standIn = new KubeConfig();
    standIn.loadFromDefault();
    assert.equal(
      standIn.getCurrentCluster()?.server,
      'http://localhost:8080',
      'what client-node falls back to',
    );
    assert.equal(namesCluster(standIn), false);
    assert.equal(namesCluster(new KubeConfig()), false);
    const real = new KubeConfig();
    real.loadFromClusterAndUser(
      { name: 'prod', server: 'https://10.0.0.1:6443', skipTLSVerify: false },
      { name: 'ci' },
    );
    assert.equal(namesCluster(real), true);
  } finally {
    for (const [key, value] of Object.entries(saved)) {
      if (value === undefined) delete process.env[key];
      else process.env[key] = value;
    }
    await rm(home, { recursive: true, force: true });
  }
});

describe('kubeClusterReader', () => {
  before(async () => {
    server = await startKubeApiServer({ crdDirectory: 'charts/chaoscraft/crds' });
    await grantProcess(server, 'gitops');
    server.seed([
      {
        apiVersion: 'v1',
        kind: 'Namespace',
        metadata: { name: 'shop', labels: { 'chaoscraft.io/allow': 'true' } },
      },
      { apiVersion: 'v1', kind: 'Node', metadata: { name: 'node-a', labels: { zone: 'a' } } },
      ...makeWorkload({ name: 'checkout', namespace: 'shop', replicas: 7 }).objects,
      ...makeWorkload({ name: 'other', namespace: 'default', replicas: 2 }).objects,
      {
        apiVersion: 'chaoscraft.io/v1alpha1',
        kind: 'ChaosPolicy',
        metadata: { name: 'default' },
        spec: { maxTargetsPercent: 30 },
      },
    ]);
  });

  after(async () => {
    await server?.close();
  });

  test('reads pods of one namespace page by page, as the summaries selection uses', async () => {
    const reader = kubeClusterReader({ kubeConfig: kubeConfigFor(server, { user: 'gitops' }), pageSize: 3 });
    server.resetRequestLog();
    const pods = await reader.pods('shop');
    assert.equal(pods.length, 7);
    assert.ok(pods.every((p) => p.namespace === 'shop' && p.phase === 'Running' && !p.terminating));
    assert.deepEqual(pods[0]!.owner, { kind: 'ReplicaSet', name: 'checkout-5d9c7b8f4' });
    assert.deepEqual(pods[0]!.labels, { app: 'checkout' });
    assert.equal(server.countRequests({ verb: 'list', resource: 'pods' }), 3, 'three pages of at most 3');
  });

  test('namespaces, nodes and policies; a missing namespace is undefined', async () => {
    const reader = kubeClusterReader({ kubeConfig: kubeConfigFor(server, { user: 'gitops' }) });
    assert.deepEqual((await reader.namespace('shop'))?.labels['chaoscraft.io/allow'], 'true');
    assert.equal(await reader.namespace('nope'), undefined);
    assert.deepEqual(await reader.policies(), [{ name: 'default', spec: { maxTargetsPercent: 30 } }]);
    assert.ok((await reader.nodes()).some((n) => n.name === 'node-a' && n.labels.zone === 'a'));
  });

  test('only GET requests, and other errors surface', async () => {
    const reader = kubeClusterReader({ kubeConfig: kubeConfigFor(server, { user: 'gitops' }) });
    server.resetRequestLog();
    await reader.pods('shop');
    await reader.namespace('shop');
    await reader.policies();
    await reader.nodes();
    assert.deepEqual([...new Set(server.requestLog.map((r) => r.method))], ['GET']);
    server.failNext({ count: 1, status: 403, reason: 'Forbidden', match: { resource: 'namespaces' } });
    await assert.rejects(reader.namespace('shop'), { code: 'Forbidden' });
  });

  test('a runaway continue chain ends at maxPages', async () => {
    const reader = kubeClusterReader({
      kubeConfig: kubeConfigFor(server, { user: 'gitops' }),
      pageSize: 1,
      maxPages: 2,
    });
    await assert.rejects(reader.pods('shop'), /more than 2 pages/);
  });
});
