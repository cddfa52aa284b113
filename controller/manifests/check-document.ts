// Decides whether a parsed document is one of ours and, if so, checks it against its schema.
import { closest } from 'fastest-levenshtein';
import { apiVersion, group, kinds, objectSchema } from '../../schemas/kinds.ts';
import { explainSchemaErrors, fieldPath } from '../api/explain-schema-errors.ts';
import { semanticIssuesIn } from '../api/fault-semantics.ts';
import { manifestValidators } from '../api/validator.ts';
import type { Diagnostic } from './diagnostic.ts';
import type { ParsedDocument } from './parse-documents.ts';

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
  | { status: 'ignored'; reason: string }
  | { status: 'empty' };

const ourKinds = new Set(kinds.map((k) => k.kind));
/** The whole-manifest schema of each kind, built once: the semantic walk follows it for every document. */
const manifestSchemas = new Map(kinds.map((k) => [k.kind, objectSchema(k, 'manifest')]));

export function checkDocument(file: string, document: ParsedDocument): DocumentVerdict {
  const value = document.value;
  if (value === null || value === undefined) return { status: 'empty' };
  if (typeof value !== 'object' || Array.isArray(value)) {
    return { status: 'ignored', reason: 'not a mapping, so not a Kubernetes object' };
  }
  const object = value as Record<string, unknown>;
  const declaredVersion = typeof object.apiVersion === 'string' ? object.apiVersion : undefined;
  const declaredKind = typeof object.kind === 'string' ? object.kind : undefined;
  const ourGroup = declaredVersion?.split('/')[0] === group;
  if (!ourGroup && !(declaredKind && ourKinds.has(declaredKind))) {
    return {
      status: 'ignored',
      reason: declaredKind
        ? `${declaredVersion ?? '(no apiVersion)'} ${declaredKind} is not a ChaosCraft object`
        : 'has no kind',
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
  const diagnostics = explainSchemaErrors(errors, validator.schema, object).map((finding) =>
    diagnostic(finding.path, finding.code, finding.message, finding.atKey),
  );
  // The rules no schema can state, exactly as the agent runs them; only on a schema-valid object.
  if (diagnostics.length === 0) {
    const schema =
      manifestSchemas.get(validator.definition.kind) ?? objectSchema(validator.definition, 'manifest');
    for (const issue of semanticIssuesIn(schema, object))
      diagnostics.push(diagnostic(issue.path, 'schema', issue.message));
  }
  return { status: 'ours', object: manifest, diagnostics };
}
