// A source of ChaosPolicies besides the cluster's own (e.g. a Git repository). Every policy of
// every source applies together with the cluster's; the strictest answer wins (core/policy.ts).
import type { ChaosPolicySpec } from '../api/types.generated.ts';

export interface PolicySource {
  /** The source's kind, e.g. "git": the `source` label of its metrics. */
  readonly kind: string;
  /** The policies in force from this source, with names that say where they come from. */
  policies(): readonly { name: string; spec: ChaosPolicySpec }[];
  /** One sentence per problem (unreachable, refused commit); empty when all is well. */
  problems(): string[];
  /** Called whenever policies() changes; returns a function that unsubscribes. */
  onChange(listener: () => void): () => void;
  /** Runs until `signal` aborts, then releases what it holds. */
  run(options: { signal: AbortSignal }): Promise<void>;
  /** True once the first attempt to read the source ended, successful or not. */
  hasSynced(): boolean;
  waitForSync(options: { signal?: AbortSignal }): Promise<boolean>;
}
