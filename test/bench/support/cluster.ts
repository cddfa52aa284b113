// Shared set-up for the controller benchmarks: an API test server with an opted-in namespace
// and workloads, and helpers to wait on it without sleeping longer than needed.
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { ControllerManager } from '../../../controller/manager/controller-manager.ts';
import { createLogger } from '../../../controller/observability/logger.ts';
import {
  type KubeApiServer,
  kubeConfigFor,
  makeWorkload,
  startKubeApiServer,
} from '../../support/kube-api-server/index.ts';
import { waitFor } from '../../support/wait.ts';

export const crdDirectory = join(import.meta.dirname, '../../../charts/chaoscraft/crds');

export async function benchCluster(
  options: { replicaSetRecreateDelayMs?: number | false; historySize?: number } = {},
) {
  const server = await startKubeApiServer({
    crdDirectory,
    replicaSetRecreateDelayMs: options.replicaSetRecreateDelayMs ?? 10,
    historySize: options.historySize ?? 20_000,
  });
  server.create({
    apiVersion: 'v1',
    kind: 'Namespace',
    metadata: { name: 'bench', labels: { 'chaoscraft.io/allow': 'true' } },
  });
  return server;
}

export function seedWorkload(
  server: KubeApiServer,
  name: string,
  replicas: number,
  options: { podSize?: 'minimal' | 'realistic' } = {},
): void {
  server.seed(
    makeWorkload({ name, namespace: 'bench', replicas, labels: { app: name }, podSize: options.podSize })
      .objects,
  );
}

export function runningPods(server: KubeApiServer, app: string): { name: string; uid: string }[] {
  return (
    server.list({ apiVersion: 'v1', kind: 'Pod', namespace: 'bench' }) as {
      metadata: { name: string; uid: string; labels?: Record<string, string>; deletionTimestamp?: string };
      status?: { phase?: string };
    }[]
  )
    .filter(
      (p) => p.metadata.labels?.app === app && !p.metadata.deletionTimestamp && p.status?.phase === 'Running',
    )
    .map((p) => ({ name: p.metadata.name, uid: p.metadata.uid }));
}

/** Polls `check` every millisecond (bounded): a benchmark should not add sleep to what it measures. */
export function until(check: () => boolean, timeoutMs: number, what: string): Promise<boolean> {
  return waitFor({ condition: check, timeoutMs, what, intervalMs: 1 });
}

export async function startBenchController(server: KubeApiServer, workers = 4): Promise<ControllerManager> {
  const quiet = new Writable({ write: (_chunk, _encoding, done) => done() });
  const manager = new ControllerManager({
    kubeConfig: kubeConfigFor(server),
    namespace: 'chaoscraft-system',
    logger: createLogger({ level: 'warn', destination: quiet }),
    workers,
  });
  await manager.start();
  return manager;
}

export function experimentObject(name: string, app: string, spec: Record<string, unknown> = {}) {
  return {
    apiVersion: 'chaoscraft.io/v1alpha1',
    kind: 'ChaosExperiment',
    metadata: { name, namespace: 'bench' },
    spec: {
      selector: { labelSelector: { matchLabels: { app } } },
      mode: 'all',
      faults: [{ podKill: { gracePeriodSeconds: 0 } }],
      duration: '1s',
      ...spec,
    },
  };
}

export function successfulPodDeletes(server: KubeApiServer): number {
  return server.countRequests({ verb: 'delete', resource: 'pods' });
}
