// The JSONPath subset CRD printer columns use: `.a.b`, `['a.b']`, `[0]`, `[*]`, and filters such as
// `[?(@.type=="Succeeded")]` (==, !=, <, <=, >, >=, or bare existence). Dots inside names escape as `\.`.

export class JsonPathError extends Error {
  readonly code = 'JsonPathError';
  readonly expression: string;

  constructor(options: { expression: string; message: string }) {
    super(`invalid JSONPath ${JSON.stringify(options.expression)}: ${options.message}`);
    this.name = 'JsonPathError';
    this.expression = options.expression;
  }
}

type Step =
  | { kind: 'field'; name: string }
  | { kind: 'index'; index: number }
  | { kind: 'wildcard' }
  | { kind: 'filter'; path: string[]; operator?: string; literal?: unknown };

function readName(text: string, start: number): { name: string; end: number } {
  let name = '';
  let index = start;
  while (index < text.length) {
    const char = text[index]!;
    if (char === '\\' && index + 1 < text.length) {
      name += text[index + 1];
      index += 2;
      continue;
    }
    if (char === '.' || char === '[') break;
    name += char;
    index += 1;
  }
  return { name, end: index };
}

function parseLiteral(raw: string, expression: string): unknown {
  const text = raw.trim();
  if (/^".*"$/.test(text) || /^'.*'$/.test(text)) return text.slice(1, -1);
  if (text === 'true' || text === 'false') return text === 'true';
  const number = Number(text);
  if (text !== '' && !Number.isNaN(number)) return number;
  throw new JsonPathError({ expression, message: `cannot parse literal ${text}` });
}

function parseFilter(body: string, expression: string): Step {
  const match = /^@((?:\.[^.=!<>\s]+)+)\s*(?:(==|!=|<=|>=|<|>)\s*(.+))?$/.exec(body.trim());
  if (!match) throw new JsonPathError({ expression, message: `unsupported filter ${body}` });
  const path = match[1]!.slice(1).split('.');
  if (!match[2]) return { kind: 'filter', path };
  return { kind: 'filter', path, operator: match[2], literal: parseLiteral(match[3]!, expression) };
}

export function parseJsonPath(expression: string): Step[] {
  let text = expression.trim();
  if (text.startsWith('{') && text.endsWith('}')) text = text.slice(1, -1).trim();
  if (text.startsWith('$')) text = text.slice(1);
  const steps: Step[] = [];
  let index = 0;
  while (index < text.length) {
    const char = text[index];
    if (char === '.') {
      const { name, end } = readName(text, index + 1);
      if (name === '') throw new JsonPathError({ expression, message: 'empty field name' });
      steps.push({ kind: 'field', name });
      index = end;
    } else if (char === '[') {
      const close = text.indexOf(']', index);
      if (close < 0) throw new JsonPathError({ expression, message: 'unclosed [' });
      let body = text.slice(index + 1, close);
      if (body.startsWith('?(')) {
        // Filters may contain ']' inside quotes only rarely; find the closing ')]'.
        const filterEnd = text.indexOf(')]', index);
        if (filterEnd < 0) throw new JsonPathError({ expression, message: 'unclosed filter' });
        body = text.slice(index + 3, filterEnd);
        steps.push(parseFilter(body, expression));
        index = filterEnd + 2;
        continue;
      }
      if (body === '*') steps.push({ kind: 'wildcard' });
      else if (/^-?\d+$/.test(body)) steps.push({ kind: 'index', index: Number(body) });
      else if (/^'.*'$|^".*"$/.test(body)) steps.push({ kind: 'field', name: body.slice(1, -1) });
      else throw new JsonPathError({ expression, message: `unsupported subscript [${body}]` });
      index = close + 1;
    } else {
      throw new JsonPathError({ expression, message: `unexpected ${JSON.stringify(char)} at ${index}` });
    }
  }
  return steps;
}

function lookup(value: unknown, path: string[]): unknown {
  let current = value;
  for (const name of path) {
    if (typeof current !== 'object' || current === null || Array.isArray(current)) return undefined;
    current = (current as Record<string, unknown>)[name];
  }
  return current;
}

function compare(left: unknown, operator: string, right: unknown): boolean {
  switch (operator) {
    case '==':
      return left === right;
    case '!=':
      return left !== right;
    case '<':
      return typeof left === typeof right && (left as number) < (right as number);
    case '<=':
      return typeof left === typeof right && (left as number) <= (right as number);
    case '>':
      return typeof left === typeof right && (left as number) > (right as number);
    case '>=':
      return typeof left === typeof right && (left as number) >= (right as number);
    default:
      return false;
  }
}

function applyStep(values: unknown[], step: Step): unknown[] {
  const next: unknown[] = [];
  for (const value of values) {
    if (step.kind === 'field') {
      if (typeof value === 'object' && value !== null && !Array.isArray(value)) {
        const child = (value as Record<string, unknown>)[step.name];
        if (child !== undefined) next.push(child);
      }
    } else if (step.kind === 'index') {
      if (Array.isArray(value)) {
        const child = value[step.index < 0 ? value.length + step.index : step.index];
        if (child !== undefined) next.push(child);
      }
    } else if (step.kind === 'wildcard') {
      if (Array.isArray(value)) next.push(...value);
      else if (typeof value === 'object' && value !== null) next.push(...Object.values(value));
    } else if (Array.isArray(value)) {
      for (const item of value) {
        const found = lookup(item, step.path);
        const keep = step.operator ? compare(found, step.operator, step.literal) : found !== undefined;
        if (keep) next.push(item);
      }
    }
  }
  return next;
}

/** All values the expression selects (empty when nothing matches). */
export function evaluateJsonPath(options: { expression: string; value: unknown }): unknown[] {
  let values: unknown[] = [options.value];
  for (const step of parseJsonPath(options.expression)) values = applyStep(values, step);
  return values;
}
