// Parses multi-document YAML keeping positions, so every finding can name line and column.
import {
  type Document,
  isMap,
  isScalar,
  isSeq,
  LineCounter,
  type Node,
  parseAllDocuments,
  type YAMLMap,
} from 'yaml';
import type { Diagnostic } from './diagnostic.ts';
import { isStackOverflow, maxNestingDepth } from './screen.ts';

/**
 * Aliases are legitimate in YAML, but each one can double the expanded size ("billion laughs").
 * Manifests have no need for many, so expansion stops here with a clear error.
 */
export const maxAliasCount = 100;

export interface Position {
  line: number;
  column: number;
  endLine: number;
  endColumn: number;
}

export interface ParsedDocument {
  /** 0-based index of the document in the file. */
  index: number;
  /** The plain value; undefined when the document is empty or could not be built. */
  value: unknown;
  /** Where the document starts. */
  position: Position;
  /** The position of the node at a path (object keys and array indexes), or its key with `key: true`. */
  locate(path: readonly (string | number)[], options?: { key?: boolean }): Position;
}

export interface ParseResult {
  documents: ParsedDocument[];
  diagnostics: Diagnostic[];
}

export function parseDocuments({ file, text }: { file: string; text: string }): ParseResult {
  const lineCounter = new LineCounter();
  const diagnostics: Diagnostic[] = [];
  const documents: ParsedDocument[] = [];
  const toPosition = (range: readonly number[] | null | undefined): Position => {
    const start = lineCounter.linePos(range?.[0] ?? 0);
    const end = lineCounter.linePos(range?.[1] ?? range?.[0] ?? 0);
    return { line: start.line, column: start.col, endLine: end.line, endColumn: end.col };
  };
  const tooDeep = (line: number, column: number): Diagnostic => ({
    severity: 'error',
    code: 'nesting-limit',
    file,
    line,
    column,
    message: `nesting too deep to read (the parser gave up near here); objects nest at most ${maxNestingDepth} levels`,
  });
  let parsed: ReturnType<typeof parseAllDocuments>;
  try {
    // logLevel error: the library's own warnings (mapAsMap) would go to stderr as Node warnings.
    parsed = parseAllDocuments(text, {
      lineCounter,
      uniqueKeys: true,
      prettyErrors: false,
      logLevel: 'error',
    });
  } catch (error) {
    if (!isStackOverflow(error)) throw error;
    return { documents: [], diagnostics: [tooDeep(1, 1)] };
  }
  const list = Array.isArray(parsed) ? parsed : [];
  list.forEach((doc, index) => {
    const problems = doc.errors.filter((e) => e.code !== 'DUPLICATE_KEY');
    for (const error of doc.errors) {
      const position = toPosition(error.pos);
      if (isStackOverflow(error.message)) {
        diagnostics.push(tooDeep(position.line, position.column));
        continue;
      }
      diagnostics.push({
        severity: 'error',
        code: error.code === 'DUPLICATE_KEY' ? 'duplicate-key' : 'yaml-syntax',
        file,
        line: position.line,
        column: position.column,
        message: plainYamlMessage(error.message),
      });
    }
    // A document with syntax errors is not validated further: its values are guesses.
    if (problems.length > 0 || doc.errors.length > 0) return;
    let value: unknown;
    try {
      value = doc.toJS({ maxAliasCount });
    } catch (error) {
      const position = toPosition(doc.range);
      if (isStackOverflow(error)) {
        diagnostics.push(tooDeep(position.line, position.column));
        return;
      }
      diagnostics.push({
        severity: 'error',
        code: 'alias-limit',
        file,
        line: position.line,
        column: position.column,
        message: `document expands too many aliases (more than ${maxAliasCount}); refused as a possible alias bomb (${(error as Error).message})`,
      });
      return;
    }
    documents.push({
      index,
      value,
      position: toPosition(doc.contents?.range ?? doc.range),
      locate: (path, options) => toPosition(locateRange(doc, path, options?.key ?? false)),
    });
  });
  return { documents, diagnostics };
}

/** The deepest node along `path` that exists: a finding about a missing field points at its parent. */
function locateRange(
  doc: Document,
  path: readonly (string | number)[],
  key: boolean,
): readonly number[] | undefined {
  let node: Node | null | undefined = doc.contents as Node | null;
  let range = node?.range ?? doc.range;
  for (let i = 0; i < path.length; i++) {
    const segment = path[i]!;
    const last = i === path.length - 1;
    if (isMap(node)) {
      const pair = (node as YAMLMap).items.find(
        (item) => isScalar(item.key) && String(item.key.value) === String(segment),
      );
      if (!pair) return range;
      if (last && key && isScalar(pair.key)) return pair.key.range ?? range;
      node = pair.value as Node | null;
      range = node?.range ?? (isScalar(pair.key) ? pair.key.range : undefined) ?? range;
    } else if (isSeq(node)) {
      const item = node.items[Number(segment)] as Node | undefined;
      if (!item) return range;
      node = item;
      range = item.range ?? range;
    } else {
      return range;
    }
  }
  return range;
}

/** yaml's messages end with a code excerpt when prettyErrors is on; we keep only the sentence. */
function plainYamlMessage(message: string): string {
  return message.split('\n')[0]!.replace(/ at line \d+, column \d+:?$/, '');
}
