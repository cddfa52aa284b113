// Validation of manifest files and text: the one pipeline behind `chaoscraft validate`, the PR
// planner and the standalone mode's repository reader.
import type { promises as fsPromises } from 'node:fs';
import { mapInOrder } from '../runtime/map-in-order.ts';
import { checkDocument, type ManifestObject } from './check-document.ts';
import type { Diagnostic } from './diagnostic.ts';
import { type ParseResult, parseDocuments } from './parse-documents.ts';
import { parseDocumentsFast } from './parse-documents-fast.ts';
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
  // Reads run a few at a time when an asynchronous file system is injected (one by one they are
  // dominated by thread-pool round trips; the default reads synchronously, read-source.ts);
  // checking stays in file order so the output is deterministic.
  const sources = await mapInOrder(walk.files, readConcurrency, (file) => readManifestSource({ file, fs }));
  walk.files.forEach((file, index) => {
    report.files++;
    const source = sources[index]!;
    if (source.ok) addText(report, file, source.text);
    else report.diagnostics.push(source.diagnostic);
  });
  return report;
}

function addText(report: ValidationReport, file: string, text: string): void {
  const fast = parseDocumentsFast({ text });
  if (fast) {
    const outcome = checkDocuments(file, fast);
    if (outcome.diagnostics.length === 0) {
      merge(report, outcome);
      return;
    }
  }
  merge(report, checkDocuments(file, parseDocuments({ file, text })));
}

interface FileOutcome {
  objects: ManifestObject[];
  validObjects: ManifestObject[];
  diagnostics: Diagnostic[];
  ignored: Diagnostic[];
}

function checkDocuments(file: string, parsed: ParseResult): FileOutcome {
  const outcome: FileOutcome = {
    objects: [],
    validObjects: [],
    diagnostics: [...parsed.diagnostics],
    ignored: [],
  };
  for (const document of parsed.documents) {
    const verdict = checkDocument(file, document);
    if (verdict.status === 'empty') {
      outcome.ignored.push(info(file, document.position.line, `document ${document.index + 1} is empty`));
    } else if (verdict.status === 'ignored') {
      outcome.ignored.push(
        info(file, document.position.line, `document ${document.index + 1} ${verdict.reason}`),
      );
    } else {
      outcome.objects.push(verdict.object);
      outcome.diagnostics.push(...verdict.diagnostics);
      if (!verdict.diagnostics.some((d) => d.severity === 'error')) outcome.validObjects.push(verdict.object);
    }
  }
  // Reading order: a file's findings from top to bottom.
  outcome.diagnostics.sort((a, b) => a.line - b.line || a.column - b.column);
  return outcome;
}

function merge(report: ValidationReport, outcome: FileOutcome): void {
  report.objects.push(...outcome.objects);
  report.validObjects.push(...outcome.validObjects);
  report.diagnostics.push(...outcome.diagnostics);
  report.ignored.push(...outcome.ignored);
}

const readConcurrency = 16;

function emptyReport(): ValidationReport {
  return { files: 0, objects: [], validObjects: [], diagnostics: [], ignored: [] };
}

function info(file: string, line: number, message: string): Diagnostic {
  return { severity: 'info', code: 'ignored', file, line, column: line ? 1 : 0, message };
}
