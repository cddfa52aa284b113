// From an experiment to the Git commit it came from: `status.revision` when the controller recorded
// one, else Argo CD's tracking annotation `<app>:<group>/<kind>:<namespace>/<name>` → that
// Application's `status.sync.revision`, and its source repository URL → the GitHub repository.
import type { KubeHttp } from '../../controller/kube/kube-http.ts';
import { resourcePath } from '../../controller/kube/paths.ts';
import type { ExperimentObject } from './experiment-view.ts';

export const trackingAnnotation = 'argocd.argoproj.io/tracking-id';

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

export interface TrackingId {
  application: string;
  /** Set for Argo CD's "apps in any namespace" form `<namespace>_<app>`. */
  applicationNamespace?: string;
  group: string;
  kind: string;
  namespace: string;
  name: string;
}

const shaPattern = /^[0-9a-f]{40}$/;

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

/** owner/repo from https://github.com/owner/repo(.git), git@github.com:owner/repo.git, or a GHE host. */
export function parseGitHubRepositoryUrl(url: string): GitHubRepositoryName | undefined {
  const match =
    /^(?:https?:\/\/[^/]+\/|git@[^:]+:|ssh:\/\/git@[^/]+\/)([A-Za-z0-9_.-]+)\/([A-Za-z0-9_.-]+?)(?:\.git)?\/?$/.exec(
      url.trim(),
    );
  return match ? { owner: match[1]!, repo: match[2]! } : undefined;
}

interface ApplicationObject {
  spec?: { source?: { repoURL?: string }; sources?: Array<{ repoURL?: string }> };
  status?: { sync?: { revision?: string; revisions?: string[] } };
}

export async function resolveRevision(options: {
  experiment: ExperimentObject;
  kube: KubeHttp;
  /** Where Applications live when the tracking id does not say (default `argocd`). */
  argocdNamespace?: string;
}): Promise<ResolvedRevision | undefined> {
  const { experiment, kube } = options;
  const recorded = experiment.status?.revision;
  const tracking = parseTrackingId(experiment.metadata.annotations?.[trackingAnnotation] ?? '');
  // A tracking id copied onto another object must not borrow that object's history.
  const tracksThis =
    tracking !== undefined &&
    tracking.kind === 'ChaosExperiment' &&
    tracking.name === experiment.metadata.name &&
    (tracking.namespace === '' || tracking.namespace === experiment.metadata.namespace);
  let application: ApplicationObject | undefined;
  let applicationName: string | undefined;
  if (tracksThis) {
    const namespace = tracking.applicationNamespace ?? options.argocdNamespace ?? 'argocd';
    applicationName = `${namespace}/${tracking.application}`;
    application = await kube
      .request<ApplicationObject>({
        method: 'GET',
        path: resourcePath({
          group: 'argoproj.io',
          version: 'v1alpha1',
          plural: 'applications',
          namespace,
          name: tracking.application,
        }),
      })
      .catch((error: { statusCode?: number }) => {
        if (error.statusCode === 404) return undefined;
        throw error;
      });
  }
  const repoUrl = application?.spec?.source?.repoURL ?? application?.spec?.sources?.[0]?.repoURL;
  const repository = repoUrl ? parseGitHubRepositoryUrl(repoUrl) : undefined;
  if (recorded && shaPattern.test(recorded)) {
    return {
      sha: recorded,
      source: 'status',
      ...(applicationName ? { application: applicationName } : {}),
      ...(repository ? { repository } : {}),
    };
  }
  const synced = application?.status?.sync?.revision ?? application?.status?.sync?.revisions?.[0];
  if (synced && shaPattern.test(synced)) {
    return {
      sha: synced,
      source: 'argocd',
      application: applicationName,
      ...(repository ? { repository } : {}),
    };
  }
  return undefined;
}
