// Reads the ChaosPolicies of one commit under one folder, through the same checks as
// `chaoscraft validate` and the PR planner (byte checks, YAML, schema). A commit is either
// accepted whole or refused whole: a set read from a broken commit is never put in force,
// because a policy missing from it might only be missing because its file no longer parses.
import type { ChaosPolicySpec } from '../api/types.generated.ts';
import type { Diagnostic } from '../manifests/diagnostic.ts';
import { decodeManifestBytes } from '../manifests/read-source.ts';
import { validateText } from '../manifests/validate.ts';

/** What the reader needs of a repository (gitops/repository's GitRepository has it). */
export interface PolicyTree {
  changedFiles(options: {
    base: string | undefined;
    head: string;
  }): Promise<{ path: string; change: string; headOid?: string }[]>;
  readBlob(oid: string): Promise<Uint8Array>;
}

export interface GitPolicy {
  /** metadata.name as written in Git. */
  name: string;
  spec: ChaosPolicySpec;
  file: string;
}

export type PolicyRead =
  | { ok: true; policies: GitPolicy[]; files: number }
  | {
      ok: false;
      /** Why the commit is refused: one line per finding, file:line first. */
      problems: string[];
      /** Valid ChaosPolicies of the refused commit with `suspend: true`: adding them only tightens. */
      suspended: GitPolicy[];
    };

/** Beyond this many manifest files under the folder the commit is refused (bounded work per poll). */
export const maxPolicyFiles = 2000;

/**
 * Our other kinds may live next to the policies (a --policy-path of the whole GitOps repository);
 * their mistakes are for `chaoscraft validate` and the PR plan, not a reason to refuse policies.
 * Anything else with an error (a policy, an unknown kind, a document that does not parse and so
 * might be a policy) refuses the commit.
 */
const otherKinds = new Set(['ChaosExperiment', 'ChaosSchedule', 'ChaosInjection']);

function concerns(diagnostic: Diagnostic): boolean {
  if (diagnostic.severity !== 'error') return false;
  const kind = diagnostic.object?.split('/')[0];
  return !(kind && otherKinds.has(kind));
}

function describe(diagnostic: Diagnostic): string {
  const at = diagnostic.line ? `${diagnostic.file}:${diagnostic.line}` : diagnostic.file;
  const field = diagnostic.field ? ` ${diagnostic.field}:` : '';
  return `${at}:${field} ${diagnostic.message}`;
}

/** `policies/` for "policies", "" for the whole repository. */
export function folderPrefix(path: string): string {
  const trimmed = path.replace(/^\.?\/+/, '').replace(/\/+$/, '');
  return trimmed === '' || trimmed === '.' ? '' : `${trimmed}/`;
}

export async function readGitPolicies(options: {
  repository: PolicyTree;
  commit: string;
  /** Folder inside the repository; "" for all of it. */
  path: string;
}): Promise<PolicyRead> {
  const prefix = folderPrefix(options.path);
  const where = prefix ? `under ${prefix}` : 'in the repository';
  // Against the empty tree every manifest file of the commit is "added": the listing with the
  // planner's rules (.yaml/.yml/.json, no hidden folders, no node_modules).
  const files = (await options.repository.changedFiles({ base: undefined, head: options.commit })).filter(
    (file) => file.path.startsWith(prefix) && file.headOid,
  );
  if (files.length === 0) {
    return {
      ok: false,
      problems: [
        `no .yaml, .yml or .json file ${where}; a missing folder is taken for a mistake (to have no Git policies, keep a file without ChaosPolicy objects there)`,
      ],
      suspended: [],
    };
  }
  if (files.length > maxPolicyFiles) {
    return {
      ok: false,
      problems: [`${files.length} manifest files ${where}; at most ${maxPolicyFiles} are read`],
      suspended: [],
    };
  }
  const problems: string[] = [];
  const policies: GitPolicy[] = [];
  for (const file of files) {
    const read = decodeManifestBytes({
      file: file.path,
      bytes: await options.repository.readBlob(file.headOid!),
    });
    if (!read.ok) {
      problems.push(describe(read.diagnostic));
      continue;
    }
    const report = validateText({ file: file.path, text: read.text });
    problems.push(...report.diagnostics.filter(concerns).map(describe));
    for (const object of report.validObjects) {
      if (object.kind !== 'ChaosPolicy') continue;
      policies.push({
        name: object.name,
        spec: ((object.object as { spec?: ChaosPolicySpec }).spec ?? {}) as ChaosPolicySpec,
        file: file.path,
      });
    }
  }
  if (problems.length > 0)
    return { ok: false, problems, suspended: policies.filter((p) => p.spec.suspend === true) };
  return { ok: true, policies, files: files.length };
}
