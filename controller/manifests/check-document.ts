// Decides whether a parsed document is one of ours and, if so, checks it against its schema.
import { closest, distance } from 'fastest-levenshtein';
import { apiVersion, group, kinds, objectSchema } from '../../schemas/kinds.ts';
import { explainSchemaErrors, fieldPath } from '../api/explain-schema-errors.ts';
import { semanticIssuesIn } from '../api/fault-semantics.ts';
import { manifestValidators } from '../api/validator.ts';
import type { Diagnostic } from './diagnostic.ts';
import type { ParsedDocument } from './parse-documents.ts';
import { nonFiniteIssues, planIssues } from './plan-checks.ts';
import { maxNestingDepth, screenValues } from './screen.ts';

export interface ManifestObject {
  kind: string;
  name: string;
  namespace?: string;
  /** The plain object as written. */
  object: Record<string, unknown>;
  file: string;
  documentIndex: number;
  line: number;
}

export type DocumentVerdict =
  | { status: 'ours'; object: ManifestObject; diagnostics: Diagnostic[] }
  | { status: 'ignored'; reason: string; line: number }
  | { status: 'empty' };

const ourKinds = new Set(kinds.map((k) => k.kind));
/** The whole-manifest schema of each kind, built once: the semantic walk follows it for every document. */
const manifestSchemas = new Map(kinds.map((k) => [k.kind, objectSchema(k, 'manifest')]));

/** The API group of an apiVersion ("" for the core group, as in `v1`). */
export function groupOf(apiVersion: string): string {
  const slash = apiVersion.indexOf('/');
  return slash === -1 ? '' : apiVersion.slice(0, slash);
}

/** A group that is almost ours: a typo such as chaoscraft.oi or chaoscrafts.io. */
export function isNearMissGroup(candidate: string): boolean {
  if (candidate === group || candidate === '') return false;
  const lower = candidate.toLowerCase();
  return lower === group || lower.includes('chaoscraft') || distance(lower, group) <= 2;
}

/**
 * The verdicts of one parsed document: one, or one per item of a `kind: List` (as `kubectl get
 * -o yaml` writes), each item checked as if it were a document of its own.
 */
export function checkDocument(file: string, document: ParsedDocument): DocumentVerdict[] {
  const value = document.value;
  if (isRecord(value) && value.kind === 'List' && Array.isArray(value.items)) {
    const items = value.items;
    if (items.length === 0) return [{ status: 'empty' }];
    return items.flatMap((item, index) =>
      checkDocument(file, {
        index: document.index,
        value: item,
        position: document.locate(['items', index]),
        locate: (path, options) => document.locate(['items', index, ...path], options),
      }),
    );
  }
  return [checkObject(file, document)];
}

function checkObject(file: string, document: ParsedDocument): DocumentVerdict {
  const value = document.value;
  const line = document.position.line;
  if (value === null || value === undefined) return { status: 'empty' };
  if (!isRecord(value)) {
    return { status: 'ignored', reason: 'not a mapping, so not a Kubernetes object', line };
  }
  const object = value;
  const declaredVersion = typeof object.apiVersion === 'string' ? object.apiVersion : undefined;
  const declaredKind = typeof object.kind === 'string' ? object.kind : undefined;
  const declaredGroup = declaredVersion === undefined ? undefined : groupOf(declaredVersion);
  // Ours by group only: other tools have kinds named like ours (LitmusChaos's ChaosExperiment).
  // An object with no apiVersion but one of our kinds is most likely ours with a line missing.
  const ours =
    declaredGroup === group ||
    (declaredGroup !== undefined && isNearMissGroup(declaredGroup)) ||
    (declaredVersion === undefined && declaredKind !== undefined && ourKinds.has(declaredKind));
  if (!ours) {
    return {
      status: 'ignored',
      reason: declaredKind
        ? `${declaredVersion ?? '(no apiVersion)'} ${declaredKind} is not a ChaosCraft object`
        : 'has no kind',
      line,
    };
  }
  const name =
    typeof (object.metadata as Record<string, unknown> | undefined)?.name === 'string'
      ? String((object.metadata as Record<string, unknown>).name)
      : '(unnamed)';
  const namespace = (object.metadata as Record<string, unknown> | undefined)?.namespace;
  const label = `${declaredKind ?? '(no kind)'}/${name}`;
  const diagnostic = (
    path: (string | number)[],
    code: Diagnostic['code'],
    message: string,
    atKey = false,
  ): Diagnostic => {
    const at = document.locate(path, { key: atKey });
    return {
      severity: 'error',
      code,
      file,
      line: at.line,
      column: at.column,
      endLine: at.endLine,
      endColumn: at.endColumn,
      field: fieldPath(path) || undefined,
      message,
      object: label,
    };
  };
  const manifest: ManifestObject = {
    kind: declaredKind ?? '',
    name,
    namespace: typeof namespace === 'string' ? namespace : undefined,
    object,
    file,
    documentIndex: document.index,
    line: document.position.line,
  };
  if (declaredGroup !== undefined && declaredGroup !== group) {
    const message = `API group "${declaredGroup}" is not ${group}; did you mean apiVersion: ${apiVersion}?`;
    return {
      status: 'ours',
      object: manifest,
      diagnostics: [diagnostic(['apiVersion'], 'unknown-group', message)],
    };
  }
  if (declaredVersion !== apiVersion) {
    const message = declaredVersion
      ? `apiVersion "${declaredVersion}" is not supported; this ChaosCraft reads ${apiVersion}`
      : `missing apiVersion; use ${apiVersion}`;
    return {
      status: 'ours',
      object: manifest,
      diagnostics: [diagnostic(['apiVersion'], 'unsupported-api-version', message)],
    };
  }
  // Bounded before any recursive walk (the schema validator, the explainer) sees the object.
  const screened = screenValues(object);
  const { deep } = screened;
  if (deep) {
    const message = `nested more than ${maxNestingDepth} levels deep; a ChaosCraft object needs far fewer`;
    const at = { ...diagnostic(deep, 'nesting-limit', message), field: `${fieldPath(deep.slice(0, 4))}…` };
    return { status: 'ours', object: manifest, diagnostics: [at] };
  }
  const validator = declaredKind ? manifestValidators().get(declaredKind) : undefined;
  if (!validator) {
    const known = [...ourKinds];
    const hint = declaredKind ? `; did you mean "${closest(declaredKind, known)}"?` : '';
    const message = declaredKind
      ? `unknown kind "${declaredKind}" in ${group}${hint} (kinds: ${known.join(', ')})`
      : `missing kind; one of ${known.join(', ')}`;
    return { status: 'ours', object: manifest, diagnostics: [diagnostic(['kind'], 'unknown-kind', message)] };
  }
  const errors = validator.validate(object);
  const diagnostics: Diagnostic[] = [];
  // Most objects pass the schema and hold only finite numbers: nothing to explain then.
  if (errors.length > 0 || screened.nonFinite.length > 0) {
    const infinite = nonFiniteIssues(screened.nonFinite);
    const under = (path: readonly (string | number)[]) =>
      infinite.some((i) => i.path.every((segment, n) => String(path[n]) === String(segment)));
    for (const issue of infinite) diagnostics.push(diagnostic(issue.path, 'schema', issue.message));
    // A schema error about an infinite number repeats the finding above in odd words.
    for (const finding of explainSchemaErrors(errors, validator.schema, object)) {
      if (!under(finding.path))
        diagnostics.push(diagnostic(finding.path, finding.code, finding.message, finding.atKey));
    }
  }
  // The rules no schema can state, exactly as the agent runs them; only on a schema-valid object.
  if (diagnostics.length === 0) {
    const schema =
      manifestSchemas.get(validator.definition.kind) ?? objectSchema(validator.definition, 'manifest');
    for (const issue of semanticIssuesIn(schema, object))
      diagnostics.push(diagnostic(issue.path, 'schema', issue.message));
  }
  // What a PR plan and the controller would refuse, through their own functions.
  if (diagnostics.length === 0) {
    for (const issue of planIssues(validator.definition.kind, object))
      diagnostics.push(diagnostic(issue.path, 'schema', issue.message));
  }
  return { status: 'ours', object: manifest, diagnostics };
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
