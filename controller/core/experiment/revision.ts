// Which Git commit a generation of an experiment's spec came from, decided from what the object and
// its Argo CD Application say: no I/O, no clock. The controller asks when a run starts and records
// the answer in status.revision; the reporter asks only when the controller recorded none.
//
// The rule, in order:
// 1. A revision stamped into the manifest at render time (`chaoscraft.io/revision`, Argo CD's
//    $ARGOCD_APP_REVISION), if it is a full 40-hex commit SHA.
// 2. The Argo CD sync that applied this generation: the sync (a `status.history` entry, or the
//    current `status.operationState`) whose start and end enclose the time the spec was written.
//    Two syncs of different revisions that both may enclose it: no answer. No sync encloses it
//    (written by hand, or the sync is not recorded yet): no answer.
// 3. Only when the Application records no syncs at all, or the time the spec was written is not
//    known: the Application's current revision, if it is Synced.

/** Stamped into a manifest by Argo CD at render time, e.g. `chaoscraft.io/revision: ${ARGOCD_APP_REVISION}`. */
export const revisionAnnotation = 'chaoscraft.io/revision';
/** Argo CD's annotation tracking: `<app>:<group>/<kind>:<namespace>/<name>`. */
export const trackingAnnotation = 'argocd.argoproj.io/tracking-id';
/**
 * Slack when comparing the API server's timestamps (whole seconds) with Argo CD's (another clock):
 * a sync ending within this of the write may have applied it. Ambiguity then means no answer.
 */
export const defaultClockToleranceMs = 1000;

const shaPattern = /^[0-9a-f]{40}$/;

export function isCommitSha(value: unknown): value is string {
  return typeof value === 'string' && shaPattern.test(value);
}

export interface TrackingId {
  application: string;
  /** Set for Argo CD's "apps in any namespace" form `<namespace>_<app>`. */
  applicationNamespace?: string;
  group: string;
  kind: string;
  namespace: string;
  name: string;
}

export function parseTrackingId(value: string): TrackingId | undefined {
  const match = /^([^:]+):([^/:]*)\/([^:]+):([^/]*)\/(.+)$/.exec(value);
  if (!match) return undefined;
  const [, app, group, kind, namespace, name] = match as unknown as [
    string,
    string,
    string,
    string,
    string,
    string,
  ];
  const split = app.indexOf('_');
  return split > 0
    ? {
        application: app.slice(split + 1),
        applicationNamespace: app.slice(0, split),
        group,
        kind,
        namespace,
        name,
      }
    : { application: app, group, kind, namespace, name };
}

/**
 * The Application named by an experiment's tracking id, if the id names this very experiment: a
 * tracking id copied onto another object must not borrow that object's history.
 */
export function trackedApplication(experiment: {
  metadata: { name?: string; namespace?: string; annotations?: Record<string, string> };
}): { namespace?: string; name: string } | undefined {
  const tracking = parseTrackingId(experiment.metadata.annotations?.[trackingAnnotation] ?? '');
  if (
    tracking?.kind !== 'ChaosExperiment' ||
    tracking.name !== experiment.metadata.name ||
    (tracking.namespace !== '' && tracking.namespace !== (experiment.metadata.namespace ?? 'default'))
  ) {
    return undefined;
  }
  return tracking.applicationNamespace
    ? { namespace: tracking.applicationNamespace, name: tracking.application }
    : { name: tracking.application };
}

interface Revisions {
  revision?: string;
  /** Multi-source Applications: one per source; the first source is the one read. */
  revisions?: string[];
}

/** The part of an Argo CD Application the choice reads. */
export interface ApplicationSyncs {
  status?: {
    sync?: Revisions & { status?: string };
    history?: Array<Revisions & { id?: number; deployStartedAt?: string; deployedAt?: string }>;
    operationState?: {
      phase?: string;
      startedAt?: string;
      finishedAt?: string;
      operation?: { sync?: Revisions };
      syncResult?: Revisions;
    };
  };
}

export interface ManagedFieldsEntry {
  manager?: string;
  operation?: string;
  time?: string;
  subresource?: string;
  fieldsV1?: Record<string, unknown>;
}

/**
 * When the current generation of the spec was written (epoch ms), or undefined when the object
 * cannot tell: generation 1 was written when the object was created; a later one no earlier than
 * the newest managedFields entry that owns fields of `spec` (status writes have their own entries).
 */
export function specWrittenAt(metadata: {
  generation?: number;
  creationTimestamp?: string;
  managedFields?: ManagedFieldsEntry[];
}): number | undefined {
  if (metadata.generation === 1) return timeOf(metadata.creationTimestamp);
  let latest: number | undefined;
  for (const entry of metadata.managedFields ?? []) {
    if (entry.subresource || !entry.fieldsV1 || !('f:spec' in entry.fieldsV1)) continue;
    const time = timeOf(entry.time);
    if (time !== undefined && (latest === undefined || time > latest)) latest = time;
  }
  return latest;
}

export type RevisionSource = 'annotation' | 'history' | 'operation' | 'application';

export type RevisionChoice =
  | { revision: string; source: RevisionSource }
  | {
      revision?: undefined;
      /** `unknown`: nothing to go by; `ambiguous`/`unapplied`: the history says no single sync applied it. */
      outcome: 'unknown' | 'ambiguous' | 'unapplied';
      reason: string;
    };

interface Sync {
  revision?: string;
  start: number;
  end: number;
  source: 'history' | 'operation';
}

function timeOf(value: string | undefined): number | undefined {
  if (!value) return undefined;
  const time = Date.parse(value);
  return Number.isNaN(time) ? undefined : time;
}

function firstRevision(value: Revisions | undefined): string | undefined {
  return value?.revision || value?.revisions?.[0] || undefined;
}

/** Every sync the Application records, with the window in which it may have written objects. */
function recordedSyncs(application: ApplicationSyncs): Sync[] {
  const syncs: Sync[] = [];
  let previousEnd: number | undefined;
  for (const entry of application.status?.history ?? []) {
    const end = timeOf(entry.deployedAt);
    if (end === undefined) continue;
    // Syncs of one Application never overlap: without a start, the previous end bounds it. The
    // oldest entry kept has no previous one: then only its end counts (older history is gone).
    const start = timeOf(entry.deployStartedAt) ?? previousEnd ?? end;
    syncs.push({ revision: firstRevision(entry), start, end, source: 'history' });
    previousEnd = end;
  }
  const operation = application.status?.operationState;
  const started = timeOf(operation?.startedAt);
  if (operation && started !== undefined) {
    // Still running, or finished without a history entry (failed, partial): it may have applied objects.
    syncs.push({
      revision: firstRevision(operation.syncResult) ?? firstRevision(operation.operation?.sync),
      start: started,
      end: timeOf(operation.finishedAt) ?? Number.POSITIVE_INFINITY,
      source: 'operation',
    });
  }
  return syncs;
}

/** The sync that applied a spec written at `writtenAt`, from the Application's own records only. */
export function syncThatApplied(options: {
  writtenAt: number | undefined;
  application: ApplicationSyncs;
  toleranceMs?: number;
}): RevisionChoice {
  const syncs = recordedSyncs(options.application);
  if (options.writtenAt === undefined)
    return { outcome: 'unknown', reason: 'the time this generation was written is not known' };
  if (syncs.length === 0) return { outcome: 'unknown', reason: 'the Application records no syncs' };
  const writtenAt = options.writtenAt;
  const tolerance = options.toleranceMs ?? defaultClockToleranceMs;
  const candidates = syncs.filter(
    (sync) => sync.start - tolerance <= writtenAt && writtenAt <= sync.end + tolerance,
  );
  const when = new Date(writtenAt).toISOString();
  if (candidates.length === 0)
    return {
      outcome: 'unapplied',
      reason: `no recorded sync applied the spec written at ${when} (edited by hand, or the sync is not recorded yet)`,
    };
  const revisions = [...new Set(candidates.map((sync) => sync.revision ?? ''))];
  if (revisions.length > 1)
    return {
      outcome: 'ambiguous',
      reason: `syncs of ${revisions.map((r) => r || 'an unknown revision').join(' and ')} may each have applied the spec written at ${when}`,
    };
  const revision = revisions[0]!;
  if (!isCommitSha(revision))
    return {
      outcome: 'unapplied',
      reason: `the sync that applied the spec written at ${when} names no Git commit (${revision || 'none'})`,
    };
  // A history entry and the finished operation describe the same sync; the history is the record.
  const source = candidates.some((sync) => sync.source === 'history') ? 'history' : 'operation';
  return { revision, source };
}

/** The Application's current revision, if it is a commit and the Application is in sync with it. */
export function currentRevision(application: ApplicationSyncs): string | undefined {
  const sync = application.status?.sync;
  const revision = firstRevision(sync);
  return sync?.status === 'Synced' && isCommitSha(revision) ? revision : undefined;
}

/** When the Application's latest recorded sync started (epoch ms), if it records one. */
export function latestSyncStart(application: ApplicationSyncs): number | undefined {
  const starts = recordedSyncs(application).map((sync) => sync.start);
  return starts.length > 0 ? Math.max(...starts) : undefined;
}

/** The revision a generation of an experiment came from (the rule at the top of this file). */
export function chooseRevision(options: {
  annotations?: Record<string, string>;
  /** When this generation of the spec was written (specWrittenAt). */
  writtenAt: number | undefined;
  /** The Application named by the experiment's tracking id, when it is known. */
  application?: ApplicationSyncs;
  toleranceMs?: number;
}): RevisionChoice {
  const stamped = options.annotations?.[revisionAnnotation];
  if (isCommitSha(stamped)) return { revision: stamped, source: 'annotation' };
  if (!options.application)
    return {
      outcome: 'unknown',
      reason:
        stamped === undefined
          ? 'no revision annotation and no Argo CD Application to ask'
          : `the ${revisionAnnotation} annotation is not a 40-hex commit SHA, and no Argo CD Application to ask`,
    };
  const applied = syncThatApplied({
    writtenAt: options.writtenAt,
    application: options.application,
    toleranceMs: options.toleranceMs,
  });
  if (applied.revision !== undefined || applied.outcome !== 'unknown') return applied;
  const current = currentRevision(options.application);
  return current ? { revision: current, source: 'application' } : applied;
}
