// Which changes to a ChaosPolicy weaken a guardrail. Every policy must allow a run (they combine
// by AND), so a policy the PR adds can only tighten, except where one policy alone opens
// something: naming a protected namespace in namespaces.allow. Each finding is one sentence a
// reviewer can check against the before/after table.
import type { ChaosPolicySpec } from '../../controller/api/types.generated.ts';

export interface LooseningInput {
  name: string;
  before?: ChaosPolicySpec;
  /** Undefined when the PR removes the policy. */
  after?: ChaosPolicySpec;
  /** kube-system and friends, and the controller's namespace. */
  protectedNamespaces: readonly string[];
  /** How many ChaosPolicies are in force once the PR merges. */
  policiesAfter: number;
}

export function policyLoosenings(input: LooseningInput): string[] {
  const { before, after } = input;
  const found: string[] = [];
  const opened = (after?.namespaces?.allow ?? []).filter(
    (ns) => input.protectedNamespaces.includes(ns) && !(before?.namespaces?.allow ?? []).includes(ns),
  );
  if (opened.length) found.push(`opens protected namespace ${opened.join(', ')} (namespaces.allow)`);
  if (!before) return found;
  if (!after) {
    found.push(
      input.policiesAfter === 0
        ? 'removes the only ChaosPolicy: no policy guards any experiment after the merge'
        : 'removes this policy: its guardrails no longer apply',
    );
    return found;
  }
  if (before.suspend === true && after.suspend !== true) found.push('ends the suspension (suspend)');
  const allowAfter = after.namespaces?.allow?.filter((ns) => !opened.includes(ns));
  found.push(...widened('namespaces.allow', before.namespaces?.allow, allowAfter, 'namespaces'));
  found.push(...narrowed('namespaces.deny', before.namespaces?.deny, after.namespaces?.deny, 'namespaces'));
  if (before.namespaces?.allowCrossNamespace !== true && after.namespaces?.allowCrossNamespace === true)
    found.push('allows targeting other namespaces (namespaces.allowCrossNamespace)');
  found.push(...widened('allowedFaults', before.allowedFaults, after.allowedFaults, 'fault kinds'));
  found.push(...narrowed('deniedFaults', before.deniedFaults, after.deniedFaults, 'fault kinds'));
  found.push(...raised('maxTargetsPercent', before.maxTargetsPercent, after.maxTargetsPercent, '%'));
  found.push(
    ...raised(
      'maxConcurrentExperiments',
      before.maxConcurrentExperiments,
      after.maxConcurrentExperiments,
      '',
    ),
  );
  const kept = new Set((after.blackoutWindows ?? []).map((w) => JSON.stringify(w)));
  const dropped = (before.blackoutWindows ?? []).filter((w) => !kept.has(JSON.stringify(w)));
  if (dropped.length) {
    const names = dropped.map((w, i) => w.name ?? `#${i + 1}`).join(', ');
    found.push(`removes or changes blackout window ${names} (blackoutWindows)`);
  }
  return found;
}

/** An allow-list: dropping it allows everything, adding entries allows more. */
function widened(
  field: string,
  before: readonly string[] | undefined,
  after: readonly string[] | undefined,
  noun: string,
): string[] {
  if (!before) return [];
  if (!after) return [`drops the list of allowed ${noun}: every one is allowed (${field})`];
  const added = after.filter((x) => !before.includes(x));
  return added.length ? [`allows ${added.join(', ')} (${field})`] : [];
}

/** A deny-list: removing entries denies less. */
function narrowed(
  field: string,
  before: readonly string[] | undefined,
  after: readonly string[] | undefined,
  noun: string,
): string[] {
  const removed = (before ?? []).filter((x) => !(after ?? []).includes(x));
  return removed.length ? [`no longer denies ${noun} ${removed.join(', ')} (${field})`] : [];
}

function raised(
  field: string,
  before: number | undefined,
  after: number | undefined,
  unit: string,
): string[] {
  if (before === undefined) return [];
  if (after === undefined) return [`drops the limit of ${before}${unit} (${field})`];
  return after > before ? [`raises ${field} from ${before}${unit} to ${after}${unit}`] : [];
}
