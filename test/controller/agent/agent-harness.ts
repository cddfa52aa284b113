// Shared pieces of the agent tests: the API test server with our CRDs and the controller harness's
// strict defaults, ChaosInjection objects as the controller would create them, bounded waiting, and a
// TargetResolver over the tests' own namespaces.
import { randomBytes, randomUUID } from 'node:crypto';
import type { TargetResolver } from '../../../controller/agent/target-resolver.ts';
import { TargetNotFoundError } from '../../../controller/agent/target-resolver.ts';
import type { Target } from '../../../controller/faults/fault.ts';
import type { RuntimeLogger } from '../../../controller/runtime/logger.ts';
import {
  type KubeApiServer,
  type KubeApiServerOptions,
  startKubeApiServer,
} from '../../support/kube-api-server/index.ts';
import { waitFor as sharedWaitFor } from '../../support/wait.ts';
import { clusterDefaults } from '../manager/harness.ts';

export const NAMESPACE = 'shop';

type Json = Record<string, unknown>;
export type InjectionJson = Json & {
  metadata: Json & { name: string; uid?: string; finalizers?: string[]; resourceVersion?: string };
  spec: Json;
  status?: { conditions?: { type: string; status: string; reason: string; message: string }[] } & Json;
};

/**
 * The API test server as strict as a cluster (`clusterDefaults`: cache lag with jitter, namespace
 * lifecycle, pods that start over time), with the `shop` and `chaoscraft-system` namespaces.
 * `leniency` is for a test that needs it explicitly (say why where you pass it).
 */
export async function startServer(leniency: Partial<KubeApiServerOptions> = {}): Promise<KubeApiServer> {
  const server = await startKubeApiServer({ ...clusterDefaults, bookmarkIntervalMs: 500, ...leniency });
  server.create({ apiVersion: 'v1', kind: 'Namespace', metadata: { name: NAMESPACE } });
  server.create({ apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'chaoscraft-system' } });
  return server;
}

export function newTag(): string {
  return `cc${randomBytes(6).toString('hex')}`;
}

export function injection(options: {
  name: string;
  node: string;
  fault: Json;
  podUid: string;
  containerIDs?: string[];
  deadlineMs: number;
  tag?: string;
}): InjectionJson {
  return {
    apiVersion: 'chaoscraft.io/v1alpha1',
    kind: 'ChaosInjection',
    metadata: {
      name: options.name,
      namespace: NAMESPACE,
      labels: { 'chaoscraft.io/node': options.node, 'chaoscraft.io/experiment': 'exp' },
    },
    spec: {
      experiment: { name: 'exp', uid: randomUUID() },
      node: options.node,
      fault: options.fault,
      target: {
        pod: { namespace: NAMESPACE, name: 'web-0', uid: options.podUid },
        ...(options.containerIDs ? { containerIDs: options.containerIDs } : {}),
      },
      deadline: new Date(options.deadlineMs).toISOString(),
      tag: options.tag ?? newTag(),
    },
  };
}

export function getInjection(server: KubeApiServer, name: string): InjectionJson | undefined {
  return server.get({
    apiVersion: 'chaoscraft.io/v1alpha1',
    kind: 'ChaosInjection',
    namespace: NAMESPACE,
    name,
  }) as InjectionJson | undefined;
}

export function condition(object: InjectionJson | undefined, type: string) {
  return object?.status?.conditions?.find((c) => c.type === type);
}

/** The shared bounded wait, polling every 50 ms; a check that throws counts as "not yet" and its last error is reported. */
export async function waitFor<T>(options: {
  what: string;
  timeoutMs: number;
  check: () => T | undefined | false | Promise<T | undefined | false>;
}): Promise<T> {
  let last: unknown;
  try {
    return await sharedWaitFor({
      what: options.what,
      timeoutMs: options.timeoutMs,
      intervalMs: 50,
      condition: async () => {
        try {
          return await options.check();
        } catch (error) {
          last = error;
          return undefined;
        }
      },
    });
  } catch (error) {
    throw last ? new Error(`${(error as Error).message}: ${last}`) : error;
  }
}

/** Targets the test made itself (pod UID → namespace/cgroup), and the scopes the sweep looks at. */
export function staticResolver(targets: Map<string, Target>): TargetResolver {
  return {
    async resolve({ podUid }) {
      const target = targets.get(podUid);
      if (!target) throw new TargetNotFoundError('no such test pod', { podUid });
      return target;
    },
    async listScopes() {
      return [...targets.values()].map((target) => ({
        ...(target.netnsPath ? { netnsPath: target.netnsPath } : {}),
      }));
    },
  };
}

/** A logger that keeps records for assertions and failure reports. */
export function recordingLogger(): RuntimeLogger & { lines: string[] } {
  const lines: string[] = [];
  const write = (level: string) => (data: object, message?: string) => {
    lines.push(`${level} ${message ?? ''} ${JSON.stringify(data)}`);
  };
  return { lines, debug: () => {}, info: write('info'), warn: write('warn'), error: write('error') };
}
