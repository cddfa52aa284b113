// The names the controller, the node agent and the PR planner must agree on: finalizers, label
// keys, how injection names and tags are derived, who carries out which fault kind, and the
// controller's lease. One home, so a rename cannot reach one side and miss the other. Pure (no
// I/O, no clock): controller/core may import it.
import { createHash } from 'node:crypto';
import { injectionTagPattern as injectionTagSource } from '../../schemas/chaos-injection.ts';
import { type FaultKindName, type FaultKindOf, faultKindsRunBy } from '../../schemas/faults.ts';

/** Held on a ChaosExperiment by the controller until every fault it injected is recovered. */
export const experimentFinalizer = 'chaoscraft.io/recover-faults';
/** Held on a ChaosInjection by the agent from before it changes the node until it undid the change. */
export const agentFinalizer = 'chaoscraft.io/agent-recover';

/** A namespace opts in to experiments with this label set to "true". */
export const optInLabel = 'chaoscraft.io/allow';
/** On a ChaosInjection: the node whose agent carries it out (the agent watches by this label). */
export const nodeLabel = 'chaoscraft.io/node';
/** On a ChaosInjection: the experiment it belongs to (see experimentLabelValue). */
export const experimentLabel = 'chaoscraft.io/experiment';

/** Where the controller runs by default; the PR planner protects it like kube-system. */
export const controllerNamespace = 'chaoscraft-system';
/** The controller's leader-election Lease, which the agent watches to notice a controller gone silent. */
export const controllerLease = { namespace: controllerNamespace, name: 'chaoscraft-controller' } as const;

export type FaultKind = FaultKindName;
/** Fault kinds the controller carries out itself, through the Kubernetes API. */
export const podFaultKinds: readonly FaultKindOf<'controller'>[] = faultKindsRunBy('controller');
/** Fault kinds a node agent carries out, through ChaosInjections. */
export const nodeFaultKinds: readonly FaultKindOf<'agent'>[] = faultKindsRunBy('agent');

/** Whether the controller carries the kind out itself (else a node agent does). */
export function isPodFaultKind(kind: string): kind is FaultKindOf<'controller'> {
  return (podFaultKinds as readonly string[]).includes(kind);
}

const sha256 = (text: string) => createHash('sha256').update(text).digest('hex');

/**
 * A ChaosInjection's name: the experiment's, then a hash of the target record's key, so a replayed
 * injection finds the object it created before. A cut name loses trailing dots, which may not precede
 * the "-" of the hash in a DNS subdomain.
 */
export function injectionName(experimentName: string, recordKey: string): string {
  return `${experimentName.slice(0, 200).replace(/\.+$/, '')}-${sha256(recordKey).slice(0, 10)}`;
}

/**
 * The tag the agent names every change of an injection with (nft table, tc handle, stress processes):
 * `cc` + 12 hex digits of the SHA-256 of the experiment UID and the target record's key.
 */
export function injectionTag(experimentUid: string, recordKey: string): string {
  return `cc${sha256(`${experimentUid}/${recordKey}`).slice(0, 12)}`;
}

/** What every injection tag looks like: the schema's pattern for `spec.tag`. */
export const injectionTagPattern = new RegExp(injectionTagSource);

const labelValuePattern = /^(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])?$/;

/**
 * A name as a label value. A label value holds at most 63 characters, starting and ending with a
 * letter or digit, while object and node names may be 253 long: a name that does not fit becomes its
 * first 52 characters (up to their last letter or digit) and 10 hex digits of its SHA-256, so two long
 * names never share a value and the result is always valid. Only for selecting: ownership is read from
 * owner references, which hold the exact name.
 */
export function labelValueOf(name: string): string {
  if (name.length <= 63 && labelValuePattern.test(name)) return name;
  const head = name
    .slice(0, 52)
    .replace(/[^A-Za-z0-9]+$/, '')
    .replace(/^[^A-Za-z0-9]+/, '');
  return `${head ? `${head}-` : ''}${sha256(name).slice(0, 10)}`;
}

/** The experiment label's value (labelValueOf). */
export const experimentLabelValue = labelValueOf;
/** The node label's value, which the agent selects its injections by (labelValueOf). */
export const nodeLabelValue = labelValueOf;

/** Held on a ChaosSchedule by the controller until every run it created is gone (their faults recovered). */
export const scheduleFinalizer = 'chaoscraft.io/remove-runs';
/** On a ChaosExperiment a schedule created: the schedule's name (labelValueOf); ownership is the owner reference. */
export const scheduleLabel = 'chaoscraft.io/schedule';
/** On a ChaosExperiment a schedule created: the fire time it was created for (RFC 3339). */
export const scheduledTimeAnnotation = 'chaoscraft.io/scheduled-time';

const dnsLabelPattern = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/;
/** The part of a run's name that the schedule's name may take: 63 less "-" and 10 digits of seconds. */
const runNamePrefixLength = 52;

/**
 * The name of the run a schedule creates for a fire time: the schedule's name, "-", and the fire
 * time in Unix seconds, so a controller that restarts finds the run it created and never creates it
 * twice. Always a DNS label (at most 63 characters): a schedule name that is longer than 52
 * characters or is not a DNS label itself (dots) becomes its first 41 characters (letters, digits and
 * "-" only) and 10 hex digits of its SHA-256, so two long names never share runs.
 */
export function scheduledRunName(scheduleName: string, scheduledTime: Date): string {
  const seconds = Math.floor(scheduledTime.getTime() / 1000);
  if (scheduleName.length <= runNamePrefixLength && dnsLabelPattern.test(scheduleName))
    return `${scheduleName}-${seconds}`;
  const head = scheduleName
    .slice(0, 41)
    .toLowerCase()
    .replace(/[^a-z0-9-]/g, '-')
    .replace(/^-+|-+$/g, '');
  return `${head ? `${head}-` : ''}${sha256(scheduleName).slice(0, 10)}-${seconds}`;
}
