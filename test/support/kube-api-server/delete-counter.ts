// Which objects the DELETE requests that reached the server hit: per request, the UID of the object
// that had the name when the request came in, the UID precondition the request carried, and whether
// the server applied it. A test of "never hits a target twice" counts applied deletes per UID
// (`deletesByUid`), and "every delete names the pod it means" checks `preconditionUid`. Only HTTP
// requests count; the server's own controllers (ReplicaSet scale-down, garbage collector, kubelet)
// and `server.delete()` do not.
import type { Cluster } from './cluster.ts';
import { metadataOf } from './object-store.ts';
import type { ResourceType } from './resource-types.ts';

export interface DeleteRecord {
  /** Plural resource name, e.g. `pods`. */
  resource: string;
  namespace?: string;
  name: string;
  /** UID of the object that had this name when the request arrived; undefined when there was none. */
  uid?: string;
  /** `preconditions.uid` of the request's DeleteOptions, if it had one. */
  preconditionUid?: string;
  /** HTTP status of the answer: 200 (applied), 404, 409 (precondition failed), ... */
  status: number;
}

export class DeleteCounter {
  readonly #records: DeleteRecord[] = [];

  /** Every DELETE of one object that reached the server, oldest first (deletecollection excluded). */
  get records(): readonly DeleteRecord[] {
    return this.#records;
  }

  /** Applied deletes per UID of the object they hit. */
  deletesByUid(match: { resource?: string } = {}): Map<string, number> {
    const counts = new Map<string, number>();
    for (const record of this.#records) {
      if (record.status >= 300 || !record.uid) continue;
      if (match.resource && record.resource !== match.resource) continue;
      counts.set(record.uid, (counts.get(record.uid) ?? 0) + 1);
    }
    return counts;
  }

  /**
   * Notes a DELETE before the server handles it; call the returned function with the answer's status.
   * Reads the body leniently: a body the server refuses is still a request that reached it.
   */
  begin(options: {
    cluster: Cluster;
    type: ResourceType;
    namespace?: string;
    name: string;
    bodyText: string;
  }): (status: number) => void {
    const existing = options.cluster.find(options.type, options.namespace, options.name);
    const record: DeleteRecord = {
      resource: options.type.plural,
      ...(options.namespace === undefined ? {} : { namespace: options.namespace }),
      name: options.name,
      ...(existing ? { uid: metadataOf(existing).uid } : {}),
      status: 0,
    };
    const preconditionUid = preconditionUidOf(options.bodyText);
    if (preconditionUid !== undefined) record.preconditionUid = preconditionUid;
    return (status) => {
      record.status = status;
      this.#records.push(record);
    };
  }
}

function preconditionUidOf(bodyText: string): string | undefined {
  if (bodyText.trim() === '') return undefined;
  try {
    const uid = (JSON.parse(bodyText) as { preconditions?: { uid?: unknown } } | null)?.preconditions?.uid;
    return typeof uid === 'string' ? uid : undefined;
  } catch {
    return undefined;
  }
}
