// An in-process kube-apiserver for tests: `startKubeApiServer(options)` and its test controls.
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { ADMIN_USER, Authenticator, type UserSpec } from './authentication.ts';
import { Cluster, defaultIdentity } from './cluster.ts';
import { loadCrdDirectory, resourceTypesFromCrd, servedCrd } from './crd-loader.ts';
import { DeleteCounter, type DeleteRecord } from './delete-counter.ts';
import { type DeleteOptionsBody, deleteObject } from './delete-operations.ts';
import { startDeploymentController } from './deployment-controller.ts';
import { alreadyExistsError, badRequestError } from './errors.ts';
import { startGarbageCollector } from './garbage-collector.ts';
import { createHttpFront } from './http-server.ts';
import { startKubelet } from './kubelet.ts';
import { metadataOf } from './object-store.ts';
import { defaultRbacObjects } from './rbac-defaults.ts';
import { startReplicaSetController } from './replicaset-controller.ts';
import { ResourceRegistry } from './resource-registry.ts';
import {
  builtinResourceTypes,
  type JsonObject,
  qualifiedResourceOf,
  type ResourceType,
  storageKeyOf,
} from './resource-types.ts';
import {
  type FailNextOptions,
  type RequestMatch,
  type RequestRecord,
  TestControls,
} from './test-controls.ts';
import { testServerCertificate } from './tls-certificate.ts';
import type { WatchDelay } from './watch-delay.ts';
import { createObject, type PatchType, patchObject } from './write-operations.ts';

export type { UserInfo, UserSpec } from './authentication.ts';
export type { DeleteRecord } from './delete-counter.ts';
export { KubeApiError } from './errors.ts';
export { type KubeconfigOptions, kubeConfigFor, writeKubeconfigFile } from './kubeconfig.ts';
export { readManifestFile } from './manifest-files.ts';
export { makeRunningPod, type RunningPodOptions } from './pod-factory.ts';
export type { FailNextOptions, RequestMatch, RequestRecord } from './test-controls.ts';
export type { WatchDelay } from './watch-delay.ts';
export { makeWorkload, type Workload, type WorkloadOptions } from './workload-factory.ts';

export interface KubeApiServerOptions {
  /** Every CustomResourceDefinition YAML in this directory is served (e.g. charts/chaoscraft/crds). */
  crdDirectory?: string;
  /** CRD objects to serve in addition to `crdDirectory`. */
  crds?: JsonObject[];
  /** Watch events kept per resource for resuming watches (default 1000). */
  historySize?: number;
  /** How often watches with allowWatchBookmarks get a BOOKMARK (default 1000 ms). */
  bookmarkIntervalMs?: number;
  /**
   * `enforce` (default) refuses objects in missing or terminating namespaces, as a cluster does;
   * `off` is leniency a test asks for.
   */
  namespaceLifecycle?: 'enforce' | 'off';
  /** Namespaces that exist at start (default default, kube-system, kube-public, kube-node-lease). */
  initialNamespaces?: string[];
  /** Pods created through the API start `running` (Ready) or stay `pending` (default `running`). */
  podStartup?: 'running' | 'pending';
  /** Simulated kubelet: how long a gracefully deleted pod lingers (default 0 ms). */
  podTerminationDelayMs?: number;
  /**
   * Simulated kubelet: a pod created through the API is Pending, Running (not Ready) `startDelayMs`
   * later, and Ready `readyDelayMs` after that (default 0 and 0: Running and Ready at once).
   */
  podStartDelays?: { startDelayMs: number; readyDelayMs: number };
  /**
   * Reaction time of the ReplicaSet and Deployment controllers (default 50 ms); `false` disables both,
   * so nothing replaces deleted pods or rolls Deployments out.
   */
  replicaSetRecreateDelayMs?: number | false;
  /** Delay of the garbage collector and namespace controller (default 0 ms). */
  gcDelayMs?: number;
  /** Clock for timestamps and Age columns. */
  now?: () => Date;
  randomSuffix?: () => string;
  newUid?: () => string;
  /** Bound of `requestLog` (counters are not bounded; default 10000). */
  maxRequestLogEntries?: number;
  /**
   * Cache lag: each watch event waits `baseMs` plus up to `jitterMs` (random) before it is sent; events
   * of one watch stream keep their order. Default none; `setWatchDelay` changes it at runtime.
   */
  watchDelay?: WatchDelay;
  /** Port to listen on, on 127.0.0.1 (default 0: any free port). */
  port?: number;
  /**
   * Users with bearer tokens, besides `admin` (kubernetes-admin, system:masters). What they may do is
   * decided by the RBAC objects stored in the server; without bindings, only discovery and self-reviews.
   */
  users?: UserSpec[];
}

export interface ObjectAddress {
  apiVersion: string;
  kind: string;
  namespace?: string;
  name: string;
}

export interface KubeApiServer {
  /** `http://127.0.0.1:<port>` */
  readonly url: string;
  /**
   * The same server over HTTPS (a fixed self-signed certificate: skip verification). kubectl sends
   * credentials only over TLS, so its kubeconfigs point here; over plain HTTP it is system:anonymous.
   */
  readonly tlsUrl: string;
  readonly port: number;
  /** The current (latest) resourceVersion. */
  readonly resourceVersion: string;
  readonly openWatchCount: number;
  readonly requestLog: readonly RequestRecord[];
  /** Ends every open watch; abruptly (socket destroyed) unless `graceful`. Returns how many. */
  dropWatches(options?: { graceful?: boolean }): number;
  failNext(options: FailNextOptions): void;
  setLatency(milliseconds: number): void;
  /** Changes the cache lag of watch events queued from now on (open watches included). */
  setWatchDelay(delay: WatchDelay): void;
  readonly watchDelay: WatchDelay;
  /** Forgets watch history and continue tokens: resuming from an older version gets 410. */
  compactHistory(): void;
  requestCounts(): Record<string, number>;
  countRequests(match?: RequestMatch): number;
  resetRequestLog(): void;
  /**
   * Applied DELETE requests per UID of the object they hit (HTTP requests only, not `delete()` or the
   * server's own controllers), optionally for one resource such as `pods`. Never reset.
   */
  deletesByUid(match?: { resource?: string }): Map<string, number>;
  /** Every DELETE of one object that reached the server: the UID it hit, its UID precondition, its status. */
  readonly deleteRecords: readonly DeleteRecord[];
  /** Bulk insert without HTTP or validation; keeps given uid/status. Emits ADDED events. */
  seed(objects: JsonObject[]): JsonObject[];
  /** Same semantics as POST, without HTTP (no latency or injected failures). */
  create(object: JsonObject): JsonObject;
  get(address: ObjectAddress): JsonObject | undefined;
  list(options: { apiVersion: string; kind: string; namespace?: string }): JsonObject[];
  patch(
    address: ObjectAddress & { patch: unknown; patchType?: PatchType; subresource?: 'status' },
  ): JsonObject;
  delete(address: ObjectAddress & { options?: DeleteOptionsBody }): void;
  /** Registers a user (again: same token) and returns its bearer token, which `kubeConfigFor(server, { user })` carries. */
  addUser(user: UserSpec): string;
  /** The bearer token of a registered user (throws for unknown users). */
  tokenFor(user: string): string;
  /** Requests refused by authorization (RBAC 403s, not injected failures), from the bounded request log. */
  forbiddenRequests(match?: { user?: string }): RequestRecord[];
  close(): Promise<void>;
}

function resolveType(cluster: Cluster, address: { apiVersion: string; kind: string }): ResourceType {
  const type = cluster.registry.byKind(address);
  if (!type) throw badRequestError(`no resource serves ${address.apiVersion} ${address.kind}`);
  return type;
}

function seedObjects(cluster: Cluster, objects: JsonObject[]): JsonObject[] {
  return objects.map((input) => {
    const type = resolveType(cluster, { apiVersion: String(input.apiVersion), kind: String(input.kind) });
    const metadata: JsonObject = { ...(input.metadata as JsonObject) };
    const name = String(metadata.name);
    if (!type.namespaced) delete metadata.namespace;
    else metadata.namespace ??= 'default';
    if (cluster.find(type, metadata.namespace as string | undefined, name)) {
      throw alreadyExistsError({
        qualifiedResource: qualifiedResourceOf(type),
        group: type.group,
        kind: type.plural,
        name,
      });
    }
    metadata.uid ??= cluster.options.newUid();
    metadata.creationTimestamp ??= cluster.timestamp();
    metadata.generation ??= 1;
    if (type.kind === 'Namespace' && type.source === 'builtin') {
      metadata.labels = { ...(metadata.labels as object), 'kubernetes.io/metadata.name': name };
      return cluster.commitCreate(type, {
        spec: { finalizers: ['kubernetes'] },
        status: { phase: 'Active' },
        ...input,
        metadata,
      });
    }
    return cluster.commitCreate(type, { ...input, metadata });
  });
}

export async function startKubeApiServer(options: KubeApiServerOptions = {}): Promise<KubeApiServer> {
  const types = builtinResourceTypes();
  const crds: JsonObject[] = [];
  if (options.crdDirectory) {
    const loaded = await loadCrdDirectory({ directory: options.crdDirectory });
    types.push(...loaded.types);
    crds.push(...loaded.crds);
  }
  for (const crd of options.crds ?? []) {
    types.push(...resourceTypesFromCrd({ crd, source: 'options.crds' }));
    crds.push(crd);
  }
  const cluster = new Cluster({
    registry: new ResourceRegistry(types),
    historySize: options.historySize ?? 1000,
    now: options.now ?? (() => new Date()),
    randomSuffix: options.randomSuffix ?? defaultIdentity.randomSuffix,
    newUid: options.newUid ?? defaultIdentity.newUid,
    namespaceLifecycle: options.namespaceLifecycle ?? 'enforce',
    podStartup: options.podStartup ?? 'running',
    podTerminationDelayMs: options.podTerminationDelayMs ?? 0,
    podStartDelays: options.podStartDelays ?? { startDelayMs: 0, readyDelayMs: 0 },
  });
  startGarbageCollector(cluster, { delayMs: options.gcDelayMs ?? 0 });
  startKubelet(cluster);
  if (options.replicaSetRecreateDelayMs !== false) {
    const delayMs = options.replicaSetRecreateDelayMs ?? 50;
    startReplicaSetController(cluster, { recreateDelayMs: delayMs });
    startDeploymentController(cluster, { delayMs });
  }
  const initialNamespaces = options.initialNamespaces ?? [
    'default',
    'kube-system',
    'kube-public',
    'kube-node-lease',
  ];
  seedObjects(
    cluster,
    initialNamespaces.map((name) => ({ apiVersion: 'v1', kind: 'Namespace', metadata: { name } })),
  );
  seedObjects(cluster, crds.map(servedCrd));
  seedObjects(cluster, defaultRbacObjects());
  const authenticator = new Authenticator([ADMIN_USER, ...(options.users ?? [])]);

  const deletes = new DeleteCounter();
  const controls = new TestControls({
    maxLogEntries: options.maxRequestLogEntries ?? 10_000,
    watchDelay: options.watchDelay,
  });
  let address = '127.0.0.1:0';
  const front = {
    cluster,
    controls,
    authenticator,
    deletes,
    bookmarkIntervalMs: options.bookmarkIntervalMs ?? 1000,
    serverAddress: () => address,
  };
  const httpServer = createHttpFront(front);
  const tlsServer = createHttpFront(front, await testServerCertificate());
  const listen = (server: Server, port: number) =>
    new Promise<number>((resolve, reject) => {
      server.once('error', reject);
      server.listen(port, '127.0.0.1', () => resolve((server.address() as AddressInfo).port));
    });
  const port = await listen(httpServer, options.port ?? 0);
  const tlsPort = await listen(tlsServer, 0);
  address = `127.0.0.1:${port}`;

  return {
    url: `http://${address}`,
    port,
    tlsUrl: `https://127.0.0.1:${tlsPort}`,
    get resourceVersion() {
      return String(cluster.store.currentRevision);
    },
    get openWatchCount() {
      return cluster.hub.openWatchCount;
    },
    get requestLog() {
      return controls.requestLog;
    },
    dropWatches: (dropOptions = {}) => cluster.hub.dropAll({ abrupt: dropOptions.graceful !== true }),
    failNext: (failure) => controls.failNext(failure),
    setLatency: (milliseconds) => controls.setLatency(milliseconds),
    setWatchDelay: (delay) => controls.setWatchDelay(delay),
    get watchDelay() {
      return controls.watchDelay;
    },
    compactHistory: () => cluster.compact(),
    requestCounts: () => controls.requestCounts(),
    countRequests: (match) => controls.countRequests(match),
    resetRequestLog: () => controls.resetRequestLog(),
    deletesByUid: (match) => deletes.deletesByUid(match),
    get deleteRecords() {
      return deletes.records;
    },
    seed: (objects) => seedObjects(cluster, objects),
    create: (object) => {
      const type = resolveType(cluster, { apiVersion: String(object.apiVersion), kind: String(object.kind) });
      const namespace = (object.metadata as { namespace?: string } | undefined)?.namespace;
      return createObject(cluster, {
        type,
        namespace: type.namespaced ? (namespace ?? 'default') : undefined,
        body: object,
      });
    },
    get: (target) => cluster.find(resolveType(cluster, target), target.namespace, target.name),
    list: (target) => {
      const type = resolveType(cluster, target);
      return cluster.store
        .storage(storageKeyOf(type))
        .listSorted(type.namespaced ? target.namespace : undefined);
    },
    patch: (target) =>
      patchObject(cluster, {
        type: resolveType(cluster, target),
        namespace: target.namespace,
        name: target.name,
        patch: target.patch,
        patchType: target.patchType ?? 'merge',
        subresource: target.subresource,
      }),
    delete: (target) => {
      const type = resolveType(cluster, target);
      deleteObject(cluster, {
        type,
        namespace: target.namespace,
        name: target.name,
        options: target.options ?? {},
      });
    },
    addUser: (user) => authenticator.addUser(user),
    tokenFor: (user) => authenticator.tokenFor(user),
    forbiddenRequests: (match = {}) =>
      controls.requestLog.filter(
        (record) => record.forbidden && (match.user === undefined || record.user === match.user),
      ),
    close: async () => {
      cluster.close();
      cluster.hub.dropAll({ abrupt: false });
      for (const server of [httpServer, tlsServer]) server.closeAllConnections();
      await Promise.all(
        [httpServer, tlsServer].map(
          (server) => new Promise<void>((resolve) => server.close(() => resolve())),
        ),
      );
    },
  };
}

export { metadataOf };
