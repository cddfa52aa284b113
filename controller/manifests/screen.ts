// Cheap looks at a file's text before it is parsed: whether it may hold a ChaosCraft object,
// whether it is a template, and whether it stays within the per-file budgets. A repository holds
// many files that are not ours (Helm templates, JSON with comments, vendored CRD bundles); these
// checks let validation pass over them without parsing them, and keep hostile files from costing
// more than a bounded amount of work.

/** At most this many YAML documents in one file (`---` separators counted before parsing). */
export const maxDocuments = 10_000;
/** Objects nest at most this deep (a ChaosCraft object needs about ten levels). */
export const maxNestingDepth = 64;

const marker = /chaoscraft/i;

/**
 * Whether text may hold a ChaosCraft object: it mentions "chaoscraft" in any case (the API group
 * chaoscraft.io, or a near-miss such as chaoscraft.oi or chaoscrafts.io). Only such files are held
 * to the size, encoding, syntax and document limits; any other file that breaks them is skipped.
 */
export function mayHoldOurs(text: string): boolean {
  return marker.test(text);
}

/** The same test on raw bytes (any encoding that keeps ASCII as ASCII). */
export function bytesMayHoldOurs(bytes: Uint8Array): boolean {
  const buffer = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  // latin1 maps every byte to one character, so no byte sequence can fail to decode.
  const chunk = 1 << 20;
  for (let start = 0; start < buffer.length; start += chunk) {
    // Chunks overlap by the marker's length less one, so a marker across a boundary is found.
    if (marker.test(buffer.toString('latin1', Math.max(0, start - 9), start + chunk))) return true;
  }
  return false;
}

const templateAction = /\{\{.*?\}\}/;

/** The line of the first Go/Helm template action (`{{ … }}` on one line), or 0 when there is none. */
export function templateLine(text: string): number {
  if (!text.includes('{{')) return 0;
  const index = text.search(templateAction);
  if (index === -1) return 0;
  return lineAt(text, index);
}

/** Where the (maxDocuments + 1)th document starts, or 0 when the file stays within the budget. */
export function documentOverflowLine(text: string): number {
  // Every document after the first needs a `---` line of at least four characters.
  if (text.length < maxDocuments * 4) return 0;
  let count = 0;
  let line = 1;
  let position = 0;
  // A document starts at the beginning of the file and after each `---` line.
  while (position < text.length) {
    const end = text.indexOf('\n', position);
    const stop = end === -1 ? text.length : end;
    if (text.startsWith('---', position) && (stop === position + 3 || /\s/.test(text[position + 3]!))) {
      count++;
      if (count > maxDocuments) return line;
    }
    position = stop + 1;
    line++;
  }
  return 0;
}

/** What one walk over a parsed object finds: a value nested too deep, and numbers that are not finite. */
export interface ValueScreen {
  /** The path to the first value nested deeper than maxNestingDepth (the walk stops there). */
  deep?: (string | number)[];
  /** Numbers YAML read as infinite (`1e309`, `.inf`) or not a number (`.nan`), in document order. */
  nonFinite: { path: (string | number)[]; nan: boolean }[];
}

/**
 * One iterative walk, before any recursive one (the schema validator, the explainer) sees the object.
 * It keeps no paths: only when it finds something does the walk that names where run.
 */
export function screenValues(value: unknown): ValueScreen {
  if (typeof value === 'number') return screenWithPaths(value);
  // Objects only on the stack (with their depths): numbers and text are judged where they are met.
  const objects: unknown[] = [value];
  const depths: number[] = [0];
  while (objects.length > 0) {
    const current = objects.pop();
    const depth = depths.pop()!;
    if (typeof current !== 'object' || current === null) continue;
    if (depth >= maxNestingDepth) return screenWithPaths(value);
    const children = Array.isArray(current) ? current : Object.values(current);
    for (const child of children) {
      if (typeof child === 'object' && child !== null) {
        objects.push(child);
        depths.push(depth + 1);
      } else if (typeof child === 'number' && !Number.isFinite(child)) return screenWithPaths(value);
    }
  }
  return { nonFinite: [] };
}

/** The walk of screenValues that names where: the first value nested too deep and every non-finite number. */
function screenWithPaths(value: unknown): ValueScreen {
  // Each entry links to its parent, so a path is built only for what is reported; copying the path at
  // every step made the walks cost as much as the schema check.
  interface Entry {
    value: unknown;
    depth: number;
    key: string | number;
    parent: Entry | undefined;
  }
  const pathOf = (entry: Entry) => {
    const path: (string | number)[] = [];
    for (let at: Entry | undefined = entry; at?.parent; at = at.parent) path.unshift(at.key);
    return path;
  };
  const nonFinite: ValueScreen['nonFinite'] = [];
  const stack: Entry[] = [{ value, depth: 0, key: '', parent: undefined }];
  while (stack.length > 0) {
    const entry = stack.pop()!;
    const current = entry.value;
    if (typeof current === 'number') {
      if (!Number.isFinite(current)) nonFinite.push({ path: pathOf(entry), nan: Number.isNaN(current) });
      continue;
    }
    if (typeof current !== 'object' || current === null) continue;
    if (entry.depth >= maxNestingDepth) return { deep: pathOf(entry), nonFinite };
    const depth = entry.depth + 1;
    // Children are pushed last to first, so they are visited (and reported) in document order.
    if (Array.isArray(current)) {
      for (let index = current.length - 1; index >= 0; index--)
        stack.push({ value: current[index], depth, key: index, parent: entry });
    } else {
      const keys = Object.keys(current);
      for (let index = keys.length - 1; index >= 0; index--) {
        const key = keys[index]!;
        stack.push({ value: (current as Record<string, unknown>)[key], depth, key, parent: entry });
      }
    }
  }
  return { nonFinite };
}

/** Whether an error is the JavaScript engine running out of stack (deep nesting in a parser). */
export function isStackOverflow(error: unknown): boolean {
  const message = error instanceof Error ? error.message : String(error);
  return /Maximum call stack size exceeded|stack overflow/i.test(message);
}

export function lineAt(text: string, index: number): number {
  let line = 1;
  for (let i = text.indexOf('\n'); i !== -1 && i < index; i = text.indexOf('\n', i + 1)) line++;
  return line;
}
