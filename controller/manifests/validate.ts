// Validation of manifest files and text: the one pipeline behind `chaoscraft validate`, the PR
// planner and the standalone mode's repository reader.
import type { promises as fsPromises } from 'node:fs';
import { checkDocument, type ManifestObject } from './check-document.ts';
import type { Diagnostic } from './diagnostic.ts';
import { parseDocuments } from './parse-documents.ts';
import { readManifestSource } from './read-source.ts';
import { findManifestFiles } from './walk.ts';

export interface ValidationReport {
  files: number;
  /** ChaosCraft objects found (valid or not). */
  objects: ManifestObject[];
  /** Objects that are ChaosCraft objects and have no error. */
  validObjects: ManifestObject[];
  diagnostics: Diagnostic[];
  /** Documents that are not ours or are empty, with why (for --verbose). */
  ignored: Diagnostic[];
}

export function validateText({ file, text }: { file: string; text: string }): ValidationReport {
  const report = emptyReport();
  report.files = 1;
  addText(report, file, text);
  return report;
}

export interface ValidatePathsOptions {
  paths: readonly string[];
  fs?: Pick<typeof fsPromises, 'stat' | 'readdir' | 'realpath' | 'readFile'>;
}

export async function validatePaths({ paths, fs }: ValidatePathsOptions): Promise<ValidationReport> {
  const report = emptyReport();
  const walk = await findManifestFiles({ paths, fs });
  report.diagnostics.push(...walk.diagnostics);
  for (const file of walk.skipped)
    report.ignored.push(info(file, 0, 'not a .yaml, .yml or .json file; skipped'));
  for (const file of walk.files) {
    report.files++;
    const source = await readManifestSource({ file, fs });
    if (!source.ok) {
      report.diagnostics.push(source.diagnostic);
      continue;
    }
    addText(report, file, source.text);
  }
  return report;
}

function addText(report: ValidationReport, file: string, text: string): void {
  const parsed = parseDocuments({ file, text });
  report.diagnostics.push(...parsed.diagnostics);
  for (const document of parsed.documents) {
    const verdict = checkDocument(file, document);
    if (verdict.status === 'empty') {
      report.ignored.push(info(file, document.position.line, `document ${document.index + 1} is empty`));
    } else if (verdict.status === 'ignored') {
      report.ignored.push(
        info(file, document.position.line, `document ${document.index + 1} ${verdict.reason}`),
      );
    } else {
      report.objects.push(verdict.object);
      report.diagnostics.push(...verdict.diagnostics);
      if (!verdict.diagnostics.some((d) => d.severity === 'error')) report.validObjects.push(verdict.object);
    }
  }
}

function emptyReport(): ValidationReport {
  return { files: 0, objects: [], validObjects: [], diagnostics: [], ignored: [] };
}

function info(file: string, line: number, message: string): Diagnostic {
  return { severity: 'info', code: 'ignored', file, line, column: line ? 1 : 0, message };
}
