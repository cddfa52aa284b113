/**
 * Reads the manifests of one branch of a Git repository (a local folder, or an https:// URL cloned into
 * the state directory) through the same checks as `chaoscraft validate`: byte checks, YAML, the schema.
 * A file with a mistake is reported (one line per finding) and skipped; the valid experiments of the
 * commit still run. Policies are taken whole or not at all (read-git-policies.ts): a commit that breaks a
 * policy file keeps the last policies in force, plus any valid `suspend: true` of the new commit.
 */
import { RepositoryError } from '../../gitops/repository/errors.ts';
import { manifestExtensions, openRepository } from '../../gitops/repository/open-repository.ts';
import type { GitRepository } from '../../gitops/repository/types.ts';
import type { ChaosExperimentSpec, ChaosScheduleSpec } from '../api/types.generated.ts';
import type { Diagnostic } from '../manifests/diagnostic.ts';
import { decodeManifestBytes } from '../manifests/read-source.ts';
import { validateText } from '../manifests/validate.ts';
import { folderPrefix, type PolicyRead, readGitPolicies } from '../policy-sources/read-git-policies.ts';

export type RepoLocation = { dir: string } | { url: string };

export interface ExperimentManifest {
  namespace: string;
  name: string;
  spec: ChaosExperimentSpec;
  file: string;
}

export interface ScheduleManifest {
  namespace: string;
  name: string;
  spec: ChaosScheduleSpec;
  file: string;
}

export interface RepoSnapshot {
  commit: string;
  experiments: ExperimentManifest[];
  schedules: ScheduleManifest[];
  policies: PolicyRead;
  /** One line per finding in a manifest file (file:line: field: message). */
  problems: string[];
}

export class RepoUnreadableError extends Error {
  readonly code = 'RepoUnreadable';
}

/** Beyond this many manifest files under the folder, the commit is not read (bounded work per poll). */
export const maxManifestFiles = 2000;

function describe(diagnostic: Diagnostic): string {
  const at = diagnostic.line ? `${diagnostic.file}:${diagnostic.line}` : diagnostic.file;
  const field = diagnostic.field ? ` ${diagnostic.field}:` : '';
  return `${at}:${field} ${diagnostic.message}`;
}

/** `describe` for a location: a folder as given, a URL without query or credentials. */
export function describeLocation(location: RepoLocation): string {
  if ('dir' in location) return location.dir;
  try {
    const url = new URL(location.url);
    return `${url.origin}${url.pathname}`;
  } catch {
    return 'the repository URL';
  }
}

export async function openLocation(location: RepoLocation, cacheDir: string): Promise<GitRepository> {
  try {
    return 'dir' in location
      ? await openRepository({ dir: location.dir })
      : await openRepository({ url: location.url, cacheDir });
  } catch (error) {
    const why = error instanceof RepositoryError ? error.message : (error as Error).message;
    throw new RepoUnreadableError(`cannot read the repository ${describeLocation(location)}: ${why}`);
  }
}

export async function readSnapshot(options: {
  repository: GitRepository;
  branch: string;
  path: string;
}): Promise<RepoSnapshot> {
  const { repository, branch } = options;
  let commit: string;
  try {
    commit = await repository.resolve(branch);
  } catch {
    throw new RepoUnreadableError(`the repository ${repository.source} has no branch ${branch}`);
  }
  const prefix = folderPrefix(options.path);
  const files = (await repository.changedFiles({ base: undefined, head: commit })).filter(
    (file) =>
      file.path.startsWith(prefix) &&
      file.headOid &&
      manifestExtensions.some((ext) => file.path.endsWith(ext)),
  );
  if (files.length > maxManifestFiles) {
    throw new RepoUnreadableError(
      `${files.length} manifest files under ${prefix || 'the repository'}; at most ${maxManifestFiles} are read`,
    );
  }
  const problems: string[] = [];
  const experiments: ExperimentManifest[] = [];
  const schedules: ScheduleManifest[] = [];
  for (const file of files) {
    const read = decodeManifestBytes({ file: file.path, bytes: await repository.readBlob(file.headOid!) });
    if (!read.ok) {
      problems.push(describe(read.diagnostic));
      continue;
    }
    const report = validateText({ file: file.path, text: read.text });
    problems.push(...report.diagnostics.filter((d) => d.severity === 'error').map(describe));
    for (const object of report.validObjects) {
      if (object.kind === 'ChaosSchedule') {
        schedules.push({
          namespace: object.namespace ?? 'default',
          name: object.name,
          spec: (object.object as { spec: ChaosScheduleSpec }).spec,
          file: file.path,
        });
      }
      if (object.kind !== 'ChaosExperiment') continue;
      experiments.push({
        namespace: object.namespace ?? 'default',
        name: object.name,
        spec: (object.object as { spec: ChaosExperimentSpec }).spec,
        file: file.path,
      });
    }
  }
  const policies = await readGitPolicies({ repository, commit, path: options.path });
  return { commit, experiments, schedules, policies, problems };
}
