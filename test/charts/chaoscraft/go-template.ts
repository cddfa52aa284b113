// A small interpreter for the part of Go's text/template (with Helm's and Sprig's functions) that the
// chaoscraft chart's templates use, so that the chart can be rendered and checked where helm is not
// installed. It is stricter than Helm where that catches mistakes: a field of a missing value, an
// unknown function and printing a map or a list are errors.
//
// Covered: text and actions with `{{-`/`-}}` trimming, comments, `if`/`else if`/`else`, `with`/`else`,
// `range` over lists and maps (with `$v :=` and `$k, $v :=`), `define` and `include`, variables
// (`$x :=`, `$x =`, `$`), field chains (`.Values.a.b`, `$x.a`), parenthesised pipelines, string,
// number and boolean literals, and the functions in FUNCTIONS below plus `.Files.Get`.
// Not covered: `template`, `block`, `break`/`continue`, method calls other than `.Files.Get`,
// `.Capabilities`, `lookup`, `tpl`, the many Sprig functions the chart does not use, Go's printf verbs
// other than %s %d %v %q.
import { stringify } from 'yaml';

type Value = unknown;
type Node =
  | { type: 'text'; text: string }
  | { type: 'action'; pipe: Pipeline }
  | { type: 'if'; branches: Array<{ pipe: Pipeline; body: Node[] }>; otherwise: Node[] }
  | { type: 'with'; pipe: Pipeline; body: Node[]; otherwise: Node[] }
  | { type: 'range'; vars: string[]; pipe: Pipeline; body: Node[]; otherwise: Node[] };
interface Pipeline {
  declare?: { name: string; assign: boolean };
  commands: Operand[][];
}
type Operand =
  | { kind: 'literal'; value: Value }
  | { kind: 'field'; root: string; path: string[] } // root '.' or a variable name like '$' / '$x'
  | { kind: 'func'; name: string }
  | { kind: 'sub'; pipe: Pipeline; path: string[] };

export class TemplateError extends Error {}

export interface Template {
  name: string;
  nodes: Node[];
}

/** Parses one file; its `define`d templates are added to `defines`. */
export function parseTemplate(name: string, source: string, defines: Map<string, Node[]>): Template {
  const tokens = tokenize(name, source);
  let index = 0;
  const parseList = (terminators: string[]): { nodes: Node[]; end: string } => {
    const nodes: Node[] = [];
    while (index < tokens.length) {
      const token = tokens[index++]!;
      if (token.text !== undefined) {
        nodes.push({ type: 'text', text: token.text });
        continue;
      }
      const action = token.action!;
      const keyword = /^(if|else if|else|end|range|with|define)\b\s*/.exec(action);
      const word = keyword?.[1];
      const rest = keyword ? action.slice(keyword[0].length) : action;
      if (word === 'end' || word === 'else' || word === 'else if') {
        if (!terminators.includes(word)) throw new TemplateError(`${name}: unexpected {{${action}}}`);
        index--;
        return { nodes, end: word };
      }
      if (word === 'if') {
        const branches = [{ pipe: parsePipeline(rest, name), body: [] as Node[] }];
        let otherwise: Node[] = [];
        for (;;) {
          const part = parseList(['else if', 'else', 'end']);
          branches[branches.length - 1]!.body = part.nodes;
          const close = tokens[index++]!.action!;
          if (part.end === 'else if') {
            branches.push({ pipe: parsePipeline(close.replace(/^else if\s*/, ''), name), body: [] });
            continue;
          }
          if (part.end === 'else') {
            otherwise = parseList(['end']).nodes;
            index++;
          }
          break;
        }
        nodes.push({ type: 'if', branches, otherwise });
        continue;
      }
      if (word === 'with' || word === 'range') {
        let vars: string[] = [];
        let source = rest;
        const declared = /^(\$\w*)\s*(?:,\s*(\$\w*)\s*)?:=\s*/.exec(rest);
        if (word === 'range' && declared) {
          vars = declared[2] ? [declared[1]!, declared[2]] : [declared[1]!];
          source = rest.slice(declared[0].length);
        }
        const pipe = parsePipeline(source, name);
        const body = parseList(['else', 'end']);
        let otherwise: Node[] = [];
        if (tokens[index++]!.action!.startsWith('else')) {
          otherwise = parseList(['end']).nodes;
          index++;
        }
        nodes.push(
          word === 'with'
            ? { type: 'with', pipe, body: body.nodes, otherwise }
            : { type: 'range', vars, pipe, body: body.nodes, otherwise },
        );
        continue;
      }
      if (word === 'define') {
        const defined = /^"([^"]+)"$/.exec(rest.trim());
        if (!defined) throw new TemplateError(`${name}: bad define: ${action}`);
        defines.set(defined[1]!, parseList(['end']).nodes);
        index++;
        continue;
      }
      nodes.push({ type: 'action', pipe: parsePipeline(action, name) });
    }
    if (terminators.length > 0) throw new TemplateError(`${name}: missing {{end}}`);
    return { nodes, end: '' };
  };
  return { name, nodes: parseList([]).nodes };
}

interface Token {
  text?: string;
  action?: string;
}

function tokenize(name: string, source: string): Token[] {
  const tokens: Token[] = [];
  let position = 0;
  let trimNext = false;
  while (position < source.length) {
    const open = source.indexOf('{{', position);
    let text = source.slice(position, open === -1 ? undefined : open);
    if (trimNext) text = text.replace(/^\s+/, '');
    if (open === -1) {
      if (text) tokens.push({ text });
      break;
    }
    const trimBefore = source.startsWith('{{- ', open);
    if (trimBefore) text = text.replace(/\s+$/, '');
    if (text) tokens.push({ text });
    const close = findClose(source, open + 2);
    if (close === -1) throw new TemplateError(`${name}: unclosed action at offset ${open}`);
    const trimAfter = source.slice(close - 2, close) === ' -';
    const inner = source.slice(open + (trimBefore ? 4 : 2), trimAfter ? close - 2 : close).trim();
    if (!inner.startsWith('/*')) tokens.push({ action: inner });
    else if (!inner.endsWith('*/')) throw new TemplateError(`${name}: bad comment`);
    trimNext = trimAfter;
    position = close + 2;
  }
  return tokens;
}

/** The offset of the `}}` closing an action, skipping string literals. */
function findClose(source: string, from: number): number {
  for (let i = from; i < source.length; i++) {
    const c = source[i];
    if (c === '"') {
      for (i++; i < source.length && source[i] !== '"'; i++) if (source[i] === '\\') i++;
    } else if (c === '`') {
      i = source.indexOf('`', i + 1);
      if (i === -1) return -1;
    } else if (c === '}' && source[i + 1] === '}') return i;
  }
  return -1;
}

function parsePipeline(text: string, name: string): Pipeline {
  const words = lex(text, name);
  let position = 0;
  const pipeline = (closing?: string): Pipeline => {
    const result: Pipeline = { commands: [] };
    const declare = /^(\$\w*)$/.test(words[position] ?? '') && /^:?=$/.test(words[position + 1] ?? '');
    if (declare) {
      result.declare = { name: words[position]!, assign: words[position + 1] === '=' };
      position += 2;
    }
    let command: Operand[] = [];
    while (position < words.length) {
      const word = words[position++]!;
      if (word === closing) break;
      if (word === '|') {
        result.commands.push(command);
        command = [];
      } else if (word === '(') {
        const sub = pipeline(')');
        const path: string[] = [];
        while (/^\.\w+$/.test(words[position] ?? '')) path.push(words[position++]!.slice(1));
        command.push({ kind: 'sub', pipe: sub, path });
      } else command.push(operand(word, name));
    }
    if (command.length === 0) throw new TemplateError(`${name}: empty command in {{${text}}}`);
    result.commands.push(command);
    return result;
  };
  const result = pipeline();
  if (position < words.length) throw new TemplateError(`${name}: unbalanced ( in {{${text}}}`);
  return result;
}

function lex(text: string, name: string): string[] {
  const words: string[] = [];
  const pattern = /\s*("(?:[^"\\]|\\.)*"|`[^`]*`|\(|\)|\||:=|=|[^\s()|]+)/y;
  let match: RegExpExecArray | null;
  pattern.lastIndex = 0;
  for (;;) {
    match = pattern.exec(text);
    if (!match) break;
    words.push(match[1]!);
  }
  if (text.slice(pattern.lastIndex).trim() !== '' && words.join('').length === 0) {
    throw new TemplateError(`${name}: cannot read {{${text}}}`);
  }
  return words;
}

function operand(word: string, name: string): Operand {
  if (word.startsWith('"')) return { kind: 'literal', value: JSON.parse(word) };
  if (word.startsWith('`')) return { kind: 'literal', value: word.slice(1, -1) };
  if (/^-?\d+(\.\d+)?$/.test(word)) return { kind: 'literal', value: Number(word) };
  if (word === 'true' || word === 'false') return { kind: 'literal', value: word === 'true' };
  if (word === 'nil') return { kind: 'literal', value: null };
  if (word === '.') return { kind: 'field', root: '.', path: [] };
  if (word.startsWith('.')) return { kind: 'field', root: '.', path: word.slice(1).split('.') };
  if (word.startsWith('$')) {
    const [root, ...path] = word.split('.');
    return { kind: 'field', root: root!, path };
  }
  if (/^[a-zA-Z]\w*$/.test(word)) return { kind: 'func', name: word };
  throw new TemplateError(`${name}: cannot read "${word}"`);
}

export type Func = (...args: Value[]) => Value;

export interface Renderer {
  defines: Map<string, Node[]>;
  functions: Record<string, Func>;
}

/** Go's truth: false, 0, nil and empty strings, lists and maps are false. */
export function truthy(value: Value): boolean {
  if (value === undefined || value === null || value === false || value === 0 || value === '') return false;
  if (Array.isArray(value)) return value.length > 0;
  if (typeof value === 'object') return Object.keys(value).length > 0;
  return true;
}

function printable(value: Value, where: string): string {
  if (value === undefined || value === null) return '';
  if (typeof value === 'string') return value;
  if (typeof value === 'number' || typeof value === 'boolean') return String(value);
  throw new TemplateError(`${where}: a ${Array.isArray(value) ? 'list' : 'map'} printed as text`);
}

export function execute(renderer: Renderer, template: Template, data: Value): string {
  const out: string[] = [];
  run(renderer, template.name, template.nodes, data, new Map([['$', data]]), out);
  return out.join('');
}

function run(
  renderer: Renderer,
  name: string,
  nodes: Node[],
  dot: Value,
  vars: Map<string, Value>,
  out: string[],
): void {
  for (const node of nodes) {
    if (node.type === 'text') out.push(node.text);
    else if (node.type === 'action') {
      const value = evaluate(renderer, name, node.pipe, dot, vars);
      if (!node.pipe.declare) out.push(printable(value, name));
    } else if (node.type === 'if') {
      const branch = node.branches.find((b) => truthy(evaluate(renderer, name, b.pipe, dot, vars)));
      run(renderer, name, branch ? branch.body : node.otherwise, dot, new Map(vars), out);
    } else if (node.type === 'with') {
      const value = evaluate(renderer, name, node.pipe, dot, vars);
      if (truthy(value)) run(renderer, name, node.body, value, new Map(vars), out);
      else run(renderer, name, node.otherwise, dot, new Map(vars), out);
    } else {
      const value = evaluate(renderer, name, node.pipe, dot, vars);
      const entries: Array<[Value, Value]> = Array.isArray(value)
        ? value.map((v, i) => [i, v])
        : value && typeof value === 'object'
          ? Object.keys(value)
              .sort()
              .map((k) => [k, (value as Record<string, Value>)[k]])
          : value === undefined || value === null
            ? []
            : fail(`${name}: range over ${typeof value}`);
      if (entries.length === 0) run(renderer, name, node.otherwise, dot, new Map(vars), out);
      for (const [key, item] of entries) {
        const scope = new Map(vars);
        if (node.vars.length === 1) scope.set(node.vars[0]!, item);
        if (node.vars.length === 2) {
          scope.set(node.vars[0]!, key);
          scope.set(node.vars[1]!, item);
        }
        run(renderer, name, node.body, item, scope, out);
      }
    }
  }
}

function fail(message: string): never {
  throw new TemplateError(message);
}

function evaluate(
  renderer: Renderer,
  name: string,
  pipe: Pipeline,
  dot: Value,
  vars: Map<string, Value>,
): Value {
  let value: Value;
  let piped = false;
  for (const command of pipe.commands) {
    value = command_(renderer, name, command, dot, vars, piped ? [value] : []);
    piped = true;
  }
  if (pipe.declare) {
    if (pipe.declare.assign && !vars.has(pipe.declare.name))
      fail(`${name}: ${pipe.declare.name} not declared`);
    vars.set(pipe.declare.name, value);
  }
  return value;
}

function command_(
  renderer: Renderer,
  name: string,
  command: Operand[],
  dot: Value,
  vars: Map<string, Value>,
  piped: Value[],
): Value {
  const [head, ...rest] = command;
  const args = () => rest.map((o) => value_(renderer, name, o, dot, vars)).concat(piped);
  if (head!.kind === 'func') {
    if (head!.name === 'include') {
      const [template, data] = args();
      const body = renderer.defines.get(String(template));
      if (!body) fail(`${name}: include of undefined template "${String(template)}"`);
      const out: string[] = [];
      run(renderer, name, body, data, new Map([['$', data]]), out);
      return out.join('');
    }
    const func = renderer.functions[head!.name];
    if (!func) fail(`${name}: unknown function ${head!.name}`);
    return func(...args());
  }
  const value = value_(renderer, name, head!, dot, vars);
  if (typeof value === 'function') return (value as Func)(...args());
  if (rest.length > 0 || piped.length > 0) fail(`${name}: ${describe(head!)} is not a function`);
  return value;
}

function describe(operand: Operand): string {
  return operand.kind === 'field'
    ? `${operand.root === '.' ? '' : operand.root}.${operand.path.join('.')}`
    : operand.kind;
}

function value_(
  renderer: Renderer,
  name: string,
  operand: Operand,
  dot: Value,
  vars: Map<string, Value>,
): Value {
  if (operand.kind === 'literal') return operand.value;
  if (operand.kind === 'func') return command_(renderer, name, [operand], dot, vars, []);
  let base: Value;
  let path: string[];
  if (operand.kind === 'sub') {
    base = evaluate(renderer, name, operand.pipe, dot, vars);
    path = operand.path;
  } else {
    if (operand.root !== '.' && !vars.has(operand.root)) fail(`${name}: undefined variable ${operand.root}`);
    base = operand.root === '.' ? dot : vars.get(operand.root);
    path = operand.path;
  }
  for (const [i, key] of path.entries()) {
    if (base === undefined || base === null || typeof base !== 'object' || Array.isArray(base)) {
      fail(`${name}: ${path.slice(0, i).join('.') || 'value'} has no field "${key}" (it is ${String(base)})`);
    }
    base = (base as Record<string, Value>)[key];
  }
  return base;
}

const toYaml: Func = (value) =>
  value === undefined || value === null ? 'null' : stringify(value, { lineWidth: 0 }).replace(/\n$/, '');
const indent = (n: Value, text: Value) =>
  String(text)
    .split('\n')
    .map((line) => ' '.repeat(Number(n)) + line)
    .join('\n');

function printf(format: Value, ...args: Value[]): string {
  let i = 0;
  return String(format).replace(/%([sdvq%])/g, (_, verb: string) => {
    if (verb === '%') return '%';
    const arg = args[i++];
    if (verb === 'q') return JSON.stringify(String(arg));
    return verb === 'd' ? String(Math.trunc(Number(arg))) : printable(arg, 'printf');
  });
}

/** The Helm and Sprig functions the chart uses, with their argument order (piped value last). */
export const FUNCTIONS: Record<string, Func> = {
  toYaml,
  indent,
  nindent: (n, text) => `\n${indent(n, text)}`,
  quote: (...values) => values.map((v) => JSON.stringify(printable(v, 'quote'))).join(' '),
  squote: (...values) => values.map((v) => `'${printable(v, 'squote')}'`).join(' '),
  default: (fallback, value) => (truthy(value) ? value : fallback),
  empty: (value) => !truthy(value),
  required: (message, value) =>
    truthy(value) || value === false || value === 0 ? value : fail(String(message)),
  fail: (message) => fail(String(message)),
  printf: (format, ...args) => printf(format, ...args),
  replace: (old, replacement, text) => String(text).split(String(old)).join(String(replacement)),
  contains: (part, text) => String(text).includes(String(part)),
  hasPrefix: (prefix, text) => String(text).startsWith(String(prefix)),
  trim: (text) => String(text).trim(),
  trimSuffix: (suffix, text) =>
    String(text).endsWith(String(suffix)) ? String(text).slice(0, -String(suffix).length) : String(text),
  trunc: (n, text) => String(text).slice(0, Number(n)),
  splitList: (separator, text) => String(text).split(String(separator)),
  join: (separator, list) => (list as Value[]).map((v) => printable(v, 'join')).join(String(separator)),
  list: (...values) => values,
  dict: (...pairs) => {
    const map: Record<string, Value> = {};
    for (let i = 0; i < pairs.length; i += 2) map[String(pairs[i])] = pairs[i + 1];
    return map;
  },
  toString: (value: Value) => printable(value, 'toString'),
  int: (value) => Math.trunc(Number(value ?? 0)),
  int64: (value) => Math.trunc(Number(value ?? 0)),
  eq: (a, ...others) => others.some((b) => a === b),
  ne: (a, b) => a !== b,
  not: (value) => !truthy(value),
  and: (...values) => values.find((v) => !truthy(v)) ?? values[values.length - 1],
  or: (...values) => values.find((v) => truthy(v)) ?? values[values.length - 1],
  hasKey: (map, key) => Object.hasOwn(map as object, String(key)),
};
