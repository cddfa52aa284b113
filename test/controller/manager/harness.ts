// A running controller against the Kubernetes API test server, for integration tests.

import { join } from 'node:path';
import { Writable } from 'node:stream';
import {
  ControllerManager,
  type ControllerManagerOptions,
} from '../../../controller/manager/controller-manager.ts';
import { createLogger } from '../../../controller/observability/logger.ts';
import { grantProcess, processUser } from '../../support/chaoscraft-rbac.ts';
import {
  type KubeApiServer,
  type KubeApiServerOptions,
  kubeConfigFor,
  makeWorkload,
  startKubeApiServer,
  type WatchDelay,
} from '../../support/kube-api-server/index.ts';
import { waitFor } from '../../support/wait.ts';

export const crdDirectory = join(import.meta.dirname, '../../../charts/chaoscraft/crds');

export interface Harness {
  server: KubeApiServer;
  manager: ControllerManager;
  logs: string[];
  close(): Promise<void>;
}

/**
 * What every controller test runs against unless it says otherwise: a server as strict as a cluster.
 * Watches lag a few milliseconds behind writes, with jitter, as a real watch cache does; objects in
 * missing or terminating namespaces are refused; a replacement pod is Pending, then Running, then
 * Ready, not Ready the instant it exists.
 */
export const clusterDefaults = {
  crdDirectory,
  replicaSetRecreateDelayMs: 20,
  watchDelay: { baseMs: 1, jitterMs: 5 },
  namespaceLifecycle: 'enforce',
  podStartDelays: { startDelayMs: 5, readyDelayMs: 10 },
} satisfies KubeApiServerOptions;

export async function startCluster(
  options: {
    replicas?: number;
    optIn?: boolean;
    /** Cache lag of watch events; `server.setWatchDelay` changes it later. */
    watchDelay?: WatchDelay;
    /** Leniency a test asks for explicitly (say why where you pass it). */
    server?: Partial<KubeApiServerOptions>;
  } = {},
): Promise<KubeApiServer> {
  const server = await startKubeApiServer({
    ...clusterDefaults,
    ...(options.watchDelay ? { watchDelay: options.watchDelay } : {}),
    ...options.server,
  });
  server.create({
    apiVersion: 'v1',
    kind: 'Namespace',
    metadata: { name: 'shop', labels: options.optIn === false ? {} : { 'chaoscraft.io/allow': 'true' } },
  });
  server.seed(
    makeWorkload({ name: 'web', namespace: 'shop', replicas: options.replicas ?? 3, labels: { app: 'web' } })
      .objects,
  );
  return server;
}

export interface ControllerHarnessOptions extends Partial<ControllerManagerOptions> {
  /**
   * Who the controller is: `controller` (default), the service account bound to
   * charts/chaoscraft/rbac/controller.yaml, as deployed; `admin` is cluster-admin, leniency a test asks
   * for (say why). Ignored when `kubeConfig` is given.
   */
  identity?: 'controller' | 'admin';
  /**
   * `close()` fails when the server refused one of the controller's requests with 403 (its rules miss
   * something), unless this is set by a test that expects refusals.
   */
  allowForbidden?: boolean;
}

export async function startController(
  server: KubeApiServer,
  options: ControllerHarnessOptions = {},
): Promise<Omit<Harness, 'server'> & { server: KubeApiServer }> {
  const { identity = 'controller', allowForbidden = false, ...overrides } = options;
  const logs: string[] = [];
  const destination = new Writable({
    write(chunk, _encoding, done) {
      logs.push(String(chunk));
      done();
    },
  });
  if (identity === 'controller' && !overrides.kubeConfig) await grantProcess(server, 'controller');
  const manager = new ControllerManager({
    kubeConfig: kubeConfigFor(server, { user: identity }),
    namespace: 'chaoscraft-system',
    logger: createLogger({ level: 'debug', destination }),
    workers: 4,
    ...overrides,
  });
  await manager.start();
  const close = async () => {
    await manager.stop({ drainTimeoutMs: 5000 });
    const refused = server.forbiddenRequests({ user: processUser('controller').username });
    if (identity === 'controller' && !allowForbidden && refused.length > 0) {
      const lines = refused
        .slice(0, 10)
        .map(
          (r) =>
            `${r.verb} ${r.resource}${r.subresource ? `/${r.subresource}` : ''} ${r.namespace ?? ''}/${r.name ?? ''}`,
        );
      throw new Error(
        `the API server refused ${refused.length} request(s) of the controller with 403; charts/chaoscraft/rbac/controller.yaml misses a rule (or the product asks for too much):\n${lines.join('\n')}`,
      );
    }
  };
  return { server, manager, logs, close };
}

export function experiment(name: string, spec: Record<string, unknown>) {
  return {
    apiVersion: 'chaoscraft.io/v1alpha1',
    kind: 'ChaosExperiment',
    metadata: { name, namespace: 'shop' },
    spec: {
      selector: { labelSelector: { matchLabels: { app: 'web' } } },
      faults: [{ podKill: { gracePeriodSeconds: 0 } }],
      duration: '1s',
      ...spec,
    },
  };
}

type Json = Record<string, unknown> & { status?: Record<string, unknown>; metadata: Record<string, unknown> };

/** Polls (bounded) until `check` passes on the experiment, returning it. */
export function waitForExperiment(
  server: KubeApiServer,
  name: string,
  check: (object: Json) => boolean,
  timeoutMs = 15_000,
): Promise<Json> {
  return waitFor({
    condition: () => {
      const object = getExperiment(server, name);
      return object && check(object) ? object : undefined;
    },
    timeoutMs,
    what: `experiment ${name}; last seen ${JSON.stringify(getExperiment(server, name)?.status)}`,
  });
}

export function getExperiment(server: KubeApiServer, name: string): Json | undefined {
  return server.get({
    apiVersion: 'chaoscraft.io/v1alpha1',
    kind: 'ChaosExperiment',
    namespace: 'shop',
    name,
  }) as Json | undefined;
}

export function condition(object: Json | undefined, type: string): Record<string, string> | undefined {
  const conditions = (object?.status?.conditions ?? []) as Record<string, string>[];
  return conditions.find((c) => c.type === type);
}

export function finished(object: Json): boolean {
  const succeeded = condition(object, 'Succeeded');
  return succeeded !== undefined && succeeded.status !== 'Unknown';
}
