// Several informers of one kind seen as one cache: a controller restricted to some namespaces runs
// one informer per namespace (namespaced RBAC suffices) and reads them as if they were one.
import type { KubeObject } from '../kube-object.ts';
import type { InformerHandlers, ResilientInformer } from './resilient-informer.ts';

export class InformerGroup<T extends KubeObject> {
  readonly members: readonly ResilientInformer<T>[];
  readonly #byNamespace: ReadonlyMap<string, ResilientInformer<T>> | undefined;

  /** `namespaces[i]` is what `members[i]` watches; omit for a single cluster-wide informer. */
  constructor(members: ResilientInformer<T>[], namespaces?: string[]) {
    this.members = members;
    this.#byNamespace = namespaces ? new Map(namespaces.map((ns, i) => [ns, members[i]!])) : undefined;
  }

  run(options: { signal: AbortSignal }): Promise<unknown> {
    return Promise.all(this.members.map((m) => m.run(options)));
  }

  async waitForSync(options: { signal?: AbortSignal } = {}): Promise<boolean> {
    return (await Promise.all(this.members.map((m) => m.waitForSync(options)))).every(Boolean);
  }

  hasSynced(): boolean {
    return this.members.every((m) => m.hasSynced());
  }

  addHandlers(handlers: InformerHandlers<T>): void {
    for (const member of this.members) member.addHandlers(handlers);
  }

  #member(namespace: string | undefined): ResilientInformer<T> | undefined {
    if (!this.#byNamespace) return this.members[0];
    return this.#byNamespace.get(namespace ?? '');
  }

  getByKey(key: string): T | undefined {
    return this.#member(key.split('/')[0])?.getByKey(key);
  }

  get(options: { namespace?: string; name: string }): T | undefined {
    return this.#member(options.namespace)?.get(options);
  }

  list(options: { namespace?: string } = {}): T[] {
    if (options.namespace !== undefined) return this.#member(options.namespace)?.list(options) ?? [];
    return this.members.flatMap((m) => m.list());
  }

  byIndex(indexName: string, value: string): T[] {
    return this.members.flatMap((m) => m.byIndex(indexName, value));
  }
}
