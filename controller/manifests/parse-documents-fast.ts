// The fast path for the common case: a plain YAML file with no anchors, aliases, tags or merge
// keys, that turns out valid. js-yaml builds the values about four times faster than `yaml`
// builds its position-keeping documents. Whenever anything is unusual — syntax errors,
// duplicate keys, empty documents, or any finding at all — the caller re-parses the file with
// parse-documents.ts, so every reported position comes from the careful parser.
import { CORE_SCHEMA, loadAll } from 'js-yaml';
import type { ParsedDocument, ParseResult, Position } from './parse-documents.ts';

/** Anchors (&), aliases (*), tags (!) and merge keys (<<) take the careful path. */
const unusualSyntax = /(^|[\s[{,:-])[&*!]\S|<</m;
const separator = /^(---|\.\.\.)(\s|$)/;
const blankOrComment = /^\s*(#.*)?$/;

/** Quoted scalars on one line: a `*` or `!` inside one (a cron schedule, a message) is text, not syntax. */
const quotedScalar = /"(?:[^"\\\n]|\\.)*"|'(?:[^'\n]|'')*'/g;

const markers = /[&*!]|<</g;

/**
 * Whether the text may hold an anchor, alias, tag or merge key. Only the lines holding a marker are
 * scanned (neither pattern spans a line break, so a line alone gives the verdict the whole text would).
 */
function mayBeUnusual(text: string): boolean {
  if (!(text.includes('&') || text.includes('*') || text.includes('!') || text.includes('<<'))) return false;
  markers.lastIndex = 0;
  for (let found = markers.exec(text); found; found = markers.exec(text)) {
    const start = text.lastIndexOf('\n', found.index) + 1;
    const newline = text.indexOf('\n', found.index);
    const end = newline === -1 ? text.length : newline;
    if (unusualSyntax.test(text.slice(start, end).replace(quotedScalar, '""'))) return true;
    markers.lastIndex = end;
  }
  return false;
}

export function parseDocumentsFast({ text }: { text: string }): ParseResult | undefined {
  if (text.includes('\t') || mayBeUnusual(text)) return undefined;
  let values: unknown[];
  try {
    // CORE_SCHEMA is YAML 1.2's core schema, the one `yaml` uses: no timestamps, no merge keys.
    values = loadAll(text, undefined, { schema: CORE_SCHEMA });
  } catch {
    return undefined;
  }
  const starts = documentStartLines(text);
  if (starts.length !== values.length || values.some((v) => v === null || v === undefined)) return undefined;
  const documents: ParsedDocument[] = values.map((value, index) => {
    const position: Position = { line: starts[index]!, column: 1, endLine: starts[index]!, endColumn: 1 };
    return { index, value, position, locate: () => position };
  });
  return { documents, diagnostics: [] };
}

/**
 * The first content line of each document; documents without content are not counted. Lines are
 * found with indexOf and cut out only when the pattern tests need them (outside a document, or a
 * line starting with - or .): splitting every file into lines cost more than the tests.
 */
function documentStartLines(text: string): number[] {
  const starts: number[] = [];
  let inDocument = false;
  let number = 0;
  for (let start = 0; start <= text.length; number++) {
    const newline = text.indexOf('\n', start);
    const end = newline === -1 ? text.length : newline;
    const lineStart = start;
    start = end + 1;
    // Most lines start with neither "---" nor "...": skip the pattern for them.
    const first = text.charCodeAt(lineStart);
    if (first === 0x2d || first === 0x2e) {
      const line = text.slice(lineStart, end);
      if (separator.test(line)) {
        inDocument = false;
        // `--- value` puts content on the separator line itself.
        if (line.startsWith('---') && !blankOrComment.test(line.slice(3))) {
          starts.push(number + 1);
          inDocument = true;
        }
        continue;
      }
    }
    if (inDocument) continue;
    const line = text.slice(lineStart, end);
    if (blankOrComment.test(line) || line.startsWith('%')) continue;
    starts.push(number + 1);
    inDocument = true;
  }
  return starts;
}
