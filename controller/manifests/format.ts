// Renders a validation report for people (text), programs (json) and GitHub Actions (github).
import type { Diagnostic } from './diagnostic.ts';
import type { ValidationReport } from './validate.ts';

export type ReportFormat = 'text' | 'json' | 'github';
export const reportFormats: readonly ReportFormat[] = ['text', 'json', 'github'];

export interface FormatOptions {
  report: ValidationReport;
  format: ReportFormat;
  verbose?: boolean;
}

export function formatReport({ report, format, verbose = false }: FormatOptions): string {
  if (format === 'json') return `${JSON.stringify(toJson(report, verbose), null, 2)}\n`;
  const shown = verbose ? [...report.diagnostics, ...report.ignored] : report.diagnostics;
  const lines = shown.map(format === 'github' ? githubLine : textLine);
  lines.push(summary(report));
  return `${lines.join('\n')}\n`;
}

function toJson(report: ValidationReport, verbose: boolean) {
  return {
    valid: !report.diagnostics.some((d) => d.severity === 'error'),
    files: report.files,
    objects: report.objects.map((o) => ({
      kind: o.kind,
      name: o.name,
      namespace: o.namespace,
      file: o.file,
      line: o.line,
    })),
    diagnostics: report.diagnostics,
    ...(verbose ? { ignored: report.ignored } : {}),
  };
}

function where(d: Diagnostic): string {
  return d.line ? `${d.file}:${d.line}:${d.column}` : d.file;
}

function textLine(d: Diagnostic): string {
  const field = d.field ? `${d.field}: ` : '';
  const object = d.object ? ` (${d.object})` : '';
  return `${where(d)}: ${d.severity} [${d.code}] ${field}${d.message}${object}`;
}

/** GitHub workflow command syntax: data and property values need their own escaping. */
function escapeData(text: string): string {
  return text.replace(/%/g, '%25').replace(/\r/g, '%0D').replace(/\n/g, '%0A');
}
function escapeProperty(text: string): string {
  return escapeData(text).replace(/:/g, '%3A').replace(/,/g, '%2C');
}

function githubLine(d: Diagnostic): string {
  const command = d.severity === 'error' ? 'error' : d.severity === 'warning' ? 'warning' : 'notice';
  const properties = [`file=${escapeProperty(d.file)}`];
  if (d.line) {
    properties.push(`line=${d.line}`, `col=${d.column}`);
    if (d.endLine) properties.push(`endLine=${d.endLine}`);
    if (d.endColumn && d.endLine === d.line) properties.push(`endColumn=${d.endColumn}`);
  }
  properties.push(`title=${escapeProperty(`chaoscraft ${d.code}`)}`);
  const field = d.field ? `${d.field}: ` : '';
  return `::${command} ${properties.join(',')}::${escapeData(`${field}${d.message}`)}`;
}

function summary(report: ValidationReport): string {
  const errors = report.diagnostics.filter((d) => d.severity === 'error');
  const badFiles = new Set(errors.map((d) => d.file)).size;
  const counts = `${report.files} file${report.files === 1 ? '' : 's'}, ${report.objects.length} ChaosCraft object${report.objects.length === 1 ? '' : 's'}`;
  if (errors.length === 0) return `ok: ${counts}, all valid`;
  return `invalid: ${errors.length} error${errors.length === 1 ? '' : 's'} in ${badFiles} file${badFiles === 1 ? '' : 's'} (${counts})`;
}
