// Policies as the plan sees them. The PR's own policy changes apply to its plan: the policies in
// force after the merge are the cluster's, with each ChaosPolicy this PR adds or changes taking
// the place of the cluster's copy, and each one it removes dropped. Policies the PR does not
// touch are taken from the cluster (Argo CD keeps them in sync with Git).
import type { ChaosPolicySpec } from '../../controller/api/types.generated.ts';
import type { ClusterPolicy } from './cluster-reader.ts';
import type { ObjectChange } from './collect-changes.ts';

export interface PolicyFieldChange {
  field: string;
  before?: string;
  after?: string;
}

export function effectivePolicies(options: {
  clusterPolicies: readonly ClusterPolicy[];
  changes: readonly ObjectChange[];
}): ClusterPolicy[] {
  const byName = new Map(options.clusterPolicies.map((p) => [p.name, p]));
  for (const change of options.changes) {
    if (change.kind !== 'ChaosPolicy') continue;
    if (change.change === 'removed') byName.delete(change.name);
    // An invalid policy cannot be applied by Argo CD; the cluster's copy stays in force.
    else if (change.head && change.valid)
      byName.set(change.name, { name: change.name, spec: specOf(change.head.object) });
  }
  return [...byName.values()].sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
}

export function specOf(object: Record<string, unknown>): ChaosPolicySpec {
  return (object.spec ?? {}) as ChaosPolicySpec;
}

/** Field-by-field differences, leaves as dotted paths; lists compare whole. */
export function policyFieldChanges(
  before: ChaosPolicySpec | undefined,
  after: ChaosPolicySpec | undefined,
): PolicyFieldChange[] {
  const left = flatten(before ?? {}, 'spec');
  const right = flatten(after ?? {}, 'spec');
  const fields = [...new Set([...left.keys(), ...right.keys()])].sort();
  return fields
    .filter((field) => left.get(field) !== right.get(field))
    .map((field) => ({
      field,
      ...(left.has(field) ? { before: left.get(field) } : {}),
      ...(right.has(field) ? { after: right.get(field) } : {}),
    }));
}

function flatten(value: unknown, prefix: string, into = new Map<string, string>()): Map<string, string> {
  if (value && typeof value === 'object' && !Array.isArray(value)) {
    for (const [key, child] of Object.entries(value)) flatten(child, `${prefix}.${key}`, into);
  } else {
    into.set(prefix, JSON.stringify(value));
  }
  return into;
}
