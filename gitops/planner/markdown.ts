// Small Markdown builders for the plan comment. Everything that came from a manifest is escaped:
// a name or message must never open a link, an HTML tag, a table column or an @-mention.

const maxTextLength = 300;

/** Plain text, safe inside paragraphs and table cells, one line, bounded. */
export function text(value: string): string {
  const oneLine = value.replace(/\s+/g, ' ').trim();
  const bounded = oneLine.length > maxTextLength ? `${oneLine.slice(0, maxTextLength - 1)}…` : oneLine;
  // Markdown punctuation first, then entities (whose own `#` must stay unescaped).
  return (
    bounded
      .replace(/([\\`*_[\]#|~!])/g, '\\$1')
      .replace(/&/g, '&amp;')
      .replace(/</g, '&lt;')
      .replace(/>/g, '&gt;')
      // A zero-width space after @: GitHub finds mentions in the rendered text, where an entity
      // such as &#64; is already a plain @ again.
      .replace(/@/g, '@&#8203;')
  );
}

// Inside a code span only a backtick, a table pipe or a line break can escape; the rest is literal.
const plainCode = /^[^`|\r\n\u2028\u2029]{1,120}$/;

/** An inline code span for identifiers and short values; anything else becomes escaped text. */
export function code(value: string): string {
  return plainCode.test(value) ? `\`${value}\`` : text(value);
}

export function table(header: readonly string[], rows: readonly (readonly string[])[]): string {
  const line = (cells: readonly string[]) => `| ${cells.join(' | ')} |`;
  return [line(header), line(header.map(() => '---')), ...rows.map(line)].join('\n');
}

/** A table that shows at most `cap` rows and says how many it left out. */
export function cappedTable(
  header: readonly string[],
  rows: readonly (readonly string[])[],
  cap: number,
): string {
  const shown = table(header, rows.slice(0, cap));
  return rows.length > cap ? `${shown}\n\n…and ${rows.length - cap} more.` : shown;
}

export function details(summary: string, body: string): string {
  return `<details><summary>${summary}</summary>\n\n${body}\n\n</details>`;
}

/** Where a line of a file in the PR head is: relative, so it works on any GitHub host. */
export function fileUrl(options: { linkBase: string; path: string; line?: number }): string {
  const encoded = options.path.split('/').map(encodeURIComponent).join('/');
  return `${options.linkBase}${encoded}${options.line ? `#L${options.line}` : ''}`;
}

/** A link to a line of a file in the PR head, labelled path:line. */
export function fileLink(options: { linkBase: string; path: string; line?: number }): string {
  const label = options.line ? `${options.path}:${options.line}` : options.path;
  return `[${text(label)}](${fileUrl(options)})`;
}

export function plural(count: number, singular: string, pluralForm = `${singular}s`): string {
  return `${count} ${count === 1 ? singular : pluralForm}`;
}
