// What validation reports: one finding, anchored to a file position.

export type Severity = 'error' | 'warning' | 'info';

/** Stable codes, so tools and tests can rely on them rather than on message wording. */
export type DiagnosticCode =
  | 'schema'
  | 'unknown-field'
  | 'yaml-syntax'
  | 'duplicate-key'
  | 'alias-limit'
  | 'unsupported-api-version'
  | 'unknown-kind'
  | 'file-too-large'
  | 'binary-file'
  | 'not-utf8'
  | 'symlink-loop'
  | 'symlink-outside'
  | 'walk-limit'
  | 'unknown-group'
  | 'template'
  | 'document-limit'
  | 'nesting-limit'
  | 'io-error'
  | 'ignored';

export interface Diagnostic {
  severity: Severity;
  code: DiagnosticCode;
  file: string;
  /** 1-based; 0 when the finding is about the whole file. */
  line: number;
  column: number;
  endLine?: number;
  endColumn?: number;
  /** The field, as a dotted path with [index] for list items, e.g. spec.faults[0].podKill. */
  field?: string;
  message: string;
  /** The object the finding belongs to, e.g. ChaosExperiment/checkout-pod-kill. */
  object?: string;
}

/** Codes that mean "could not read", not "read and found invalid": exit code 2. */
const ioCodes = new Set<DiagnosticCode>(['io-error', 'symlink-loop', 'walk-limit']);

export function isIoFailure(diagnostic: Diagnostic): boolean {
  return diagnostic.severity === 'error' && ioCodes.has(diagnostic.code);
}

/** 0 valid, 1 invalid, 2 I/O trouble: I/O wins because the result is incomplete. */
export function exitCodeFor(diagnostics: readonly Diagnostic[]): 0 | 1 | 2 {
  if (diagnostics.some(isIoFailure)) return 2;
  if (diagnostics.some((d) => d.severity === 'error')) return 1;
  return 0;
}
