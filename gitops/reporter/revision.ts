// From a finished run to the Git commit its spec came from. `status.revision`, recorded by the
// controller when the run started, is the answer. Without it, the same rule the controller uses
// (controller/core/experiment/revision.ts) is applied to the Argo CD Application named by the
// tracking id, but only through what is bound to this generation: the sync whose window encloses
// the spec write. The Application's current revision (and a stamped annotation, which every sync
// rewrites) counts only if the Application shows no sync started since the run did: a later merge
// must not receive this run's result. No answer means no report, and the log says why.
import {
  type ApplicationSyncs,
  currentRevision,
  defaultClockToleranceMs,
  isCommitSha,
  latestSyncStart,
  parseTrackingId,
  revisionAnnotation,
  specWrittenAt,
  syncThatApplied,
  type TrackingId,
  trackedApplication,
  trackingAnnotation,
} from '../../controller/core/experiment/revision.ts';
import type { KubeHttp } from '../../controller/kube/kube-http.ts';
import { resourcePath } from '../../controller/kube/paths.ts';
import type { ExperimentObject } from './experiment-view.ts';

export { parseTrackingId, type TrackingId, trackingAnnotation };

export interface GitHubRepositoryName {
  owner: string;
  repo: string;
}

export interface ResolvedRevision {
  sha: string;
  source: 'status' | 'argocd';
  /** `namespace/name` of the Argo CD Application, when it came from there. */
  application?: string;
  /** The repository the Application syncs from, when it is on GitHub. */
  repository?: GitHubRepositoryName;
}

export type RevisionResolution = { revision: ResolvedRevision } | { revision?: undefined; reason: string };

/** owner/repo from https://github.com/owner/repo(.git), git@github.com:owner/repo.git, or a GHE host. */
export function parseGitHubRepositoryUrl(url: string): GitHubRepositoryName | undefined {
  const match =
    /^(?:https?:\/\/[^/]+\/|git@[^:]+:|ssh:\/\/git@[^/]+\/)([A-Za-z0-9_.-]+)\/([A-Za-z0-9_.-]+?)(?:\.git)?\/?$/.exec(
      url.trim(),
    );
  return match ? { owner: match[1]!, repo: match[2]! } : undefined;
}

type ApplicationObject = ApplicationSyncs & {
  spec?: { source?: { repoURL?: string }; sources?: Array<{ repoURL?: string }> };
};

function timeOf(value: string | undefined): number | undefined {
  const time = value ? Date.parse(value) : Number.NaN;
  return Number.isNaN(time) ? undefined : time;
}

export async function resolveRevision(options: {
  experiment: ExperimentObject;
  kube: KubeHttp;
  /** Where Applications live when the tracking id does not say (default `argocd`). */
  argocdNamespace?: string;
  /**
   * A run of a ChaosSchedule: no sync applied its spec (the schedule created it), so without
   * status.revision its commit status goes on the Application's synced revision, as before.
   */
  scheduled?: boolean;
}): Promise<RevisionResolution> {
  const { experiment, kube } = options;
  const tracked = trackedApplication(experiment);
  let application: ApplicationObject | undefined;
  let applicationName: string | undefined;
  if (tracked) {
    const namespace = tracked.namespace ?? options.argocdNamespace ?? 'argocd';
    applicationName = `${namespace}/${tracked.name}`;
    application = await kube
      .request<ApplicationObject>({
        method: 'GET',
        path: resourcePath({
          group: 'argoproj.io',
          version: 'v1alpha1',
          plural: 'applications',
          namespace,
          name: tracked.name,
        }),
      })
      .catch((error: { statusCode?: number }) => {
        if (error.statusCode === 404) return undefined;
        throw error;
      });
  }
  const repoUrl = application?.spec?.source?.repoURL ?? application?.spec?.sources?.[0]?.repoURL;
  const repository = repoUrl ? parseGitHubRepositoryUrl(repoUrl) : undefined;
  const found = (sha: string, source: ResolvedRevision['source']): RevisionResolution => ({
    revision: {
      sha,
      source,
      ...(applicationName && application ? { application: applicationName } : {}),
      ...(repository ? { repository } : {}),
    },
  });
  const recorded = experiment.status?.revision;
  if (isCommitSha(recorded)) return found(recorded, 'status');
  if (!application) {
    return {
      reason: applicationName
        ? `no status.revision, and the Argo CD Application ${applicationName} was not found`
        : 'no status.revision, and no Argo CD tracking id naming this experiment',
    };
  }
  const synced = application.status?.sync?.revision ?? application.status?.sync?.revisions?.[0];
  if (options.scheduled) {
    return isCommitSha(synced)
      ? found(synced, 'argocd')
      : { reason: `the Argo CD Application ${applicationName} is not synced to a Git commit` };
  }
  const applied = syncThatApplied({ writtenAt: specWrittenAt(experiment.metadata), application });
  if (applied.revision !== undefined) return found(applied.revision, 'argocd');
  if (applied.outcome !== 'unknown') {
    return { reason: `no status.revision, and in ${applicationName}'s history ${applied.reason}` };
  }
  // The history cannot tell: what the Application (or a stamp) says now was true when the run
  // started only if no sync has started since.
  const stamped = experiment.metadata.annotations?.[revisionAnnotation];
  const now = isCommitSha(stamped) ? stamped : currentRevision(application);
  if (!now) return { reason: `no status.revision, and ${applicationName} is not Synced to a Git commit` };
  const runStart = timeOf(experiment.status?.startTime);
  const lastSync = latestSyncStart(application);
  if (runStart !== undefined && lastSync !== undefined && lastSync + defaultClockToleranceMs < runStart) {
    return found(now, 'argocd');
  }
  const why =
    runStart === undefined
      ? 'the run has no start time'
      : lastSync === undefined
        ? `${applicationName} does not record when it last synced`
        : `${applicationName} synced again at ${new Date(lastSync).toISOString()}, after the run started`;
  return {
    reason: `no status.revision was recorded when the run started and ${why}: not reporting rather than risking the wrong pull request`,
  };
}
