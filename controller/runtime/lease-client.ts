/**
 * The slice of the coordination.k8s.io/v1 Lease API the leader elector needs, as a small interface so that
 * tests (and the standalone mode) can use an in-memory store and production uses `leaseClientFromKube` (controller/kube/kube-lease-client.ts).
 */
import { ConflictError } from './errors.ts';

/** A Lease flattened to what leader election reads and writes. Times are absolute instants. */
export interface Lease {
  namespace: string;
  name: string;
  /** Set by the server; `replace` must carry the version it read (optimistic concurrency). */
  resourceVersion?: string;
  holderIdentity?: string;
  leaseDurationSeconds?: number;
  acquireTime?: Date;
  renewTime?: Date;
  leaseTransitions?: number;
}

export interface LeaseClient {
  /** The lease, or undefined if it does not exist. */
  get(namespace: string, name: string): Promise<Lease | undefined>;
  /** Creates the lease; rejects with code 'Conflict' if it already exists. */
  create(lease: Lease): Promise<Lease>;
  /** Replaces the lease; rejects with code 'Conflict' if `resourceVersion` is stale. */
  replace(lease: Lease): Promise<Lease>;
}

function copyLease(lease: Lease): Lease {
  return {
    ...lease,
    acquireTime: lease.acquireTime ? new Date(lease.acquireTime.getTime()) : undefined,
    renewTime: lease.renewTime ? new Date(lease.renewTime.getTime()) : undefined,
  };
}

/**
 * An in-memory LeaseClient with the API server's concurrency rules (create conflicts if present, replace
 * conflicts on a stale resourceVersion). Several electors sharing one instance contend like pods would.
 */
export class MemoryLeaseClient implements LeaseClient {
  readonly #leases = new Map<string, Lease>();
  #version = 0;

  async get(namespace: string, name: string): Promise<Lease | undefined> {
    const lease = this.#leases.get(`${namespace}/${name}`);
    return lease ? copyLease(lease) : undefined;
  }

  async create(lease: Lease): Promise<Lease> {
    const key = `${lease.namespace}/${lease.name}`;
    if (this.#leases.has(key)) throw new ConflictError(`lease ${key} already exists`, { data: { key } });
    const stored = { ...copyLease(lease), resourceVersion: String(++this.#version) };
    this.#leases.set(key, stored);
    return copyLease(stored);
  }

  async replace(lease: Lease): Promise<Lease> {
    const key = `${lease.namespace}/${lease.name}`;
    const current = this.#leases.get(key);
    if (!current || current.resourceVersion !== lease.resourceVersion) {
      throw new ConflictError(`lease ${key} was modified`, {
        data: { key, expected: lease.resourceVersion, actual: current?.resourceVersion },
      });
    }
    const stored = { ...copyLease(lease), resourceVersion: String(++this.#version) };
    this.#leases.set(key, stored);
    return copyLease(stored);
  }
}
