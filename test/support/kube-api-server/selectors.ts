// Label and field selectors with kube-apiserver's syntax, compiled once into predicates.
import { badRequestError } from './errors.ts';
import type { JsonObject } from './resource-types.ts';

export type LabelRequirement =
  | { key: string; operator: 'exists' | 'notExists' }
  | { key: string; operator: 'in' | 'notIn'; values: string[] }
  | { key: string; operator: 'gt' | 'lt'; value: number };

const LABEL_KEY =
  /^([a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*\/)?[A-Za-z0-9]([-A-Za-z0-9_.]{0,61}[A-Za-z0-9])?$/;
const LABEL_VALUE = /^(([A-Za-z0-9][-A-Za-z0-9_.]{0,61})?[A-Za-z0-9])?$/;

/** Splits on commas that are not inside `in (...)` value lists. */
function splitTopLevel(text: string): string[] {
  const parts: string[] = [];
  let depth = 0;
  let current = '';
  for (const char of text) {
    if (char === '(') depth += 1;
    if (char === ')') depth -= 1;
    if (char === ',' && depth === 0) {
      parts.push(current);
      current = '';
    } else {
      current += char;
    }
  }
  parts.push(current);
  return parts.map((part) => part.trim()).filter((part) => part !== '');
}

function checkKey(key: string, selector: string): string {
  if (!LABEL_KEY.test(key))
    throw badRequestError(`unable to parse requirement: invalid label key "${key}" in "${selector}"`);
  return key;
}

function checkValue(value: string, selector: string): string {
  if (!LABEL_VALUE.test(value)) {
    throw badRequestError(`unable to parse requirement: invalid label value "${value}" in "${selector}"`);
  }
  return value;
}

export function parseLabelSelector(selector: string): LabelRequirement[] {
  const requirements: LabelRequirement[] = [];
  for (const part of splitTopLevel(selector)) {
    let match = /^!\s*(\S+)$/.exec(part);
    if (match) {
      requirements.push({ key: checkKey(match[1]!, selector), operator: 'notExists' });
      continue;
    }
    match = /^(\S+)\s+(in|notin)\s*\(([^)]*)\)$/.exec(part);
    if (match) {
      const values = match[3]!
        .split(',')
        .map((value) => value.trim())
        .filter((value) => value !== '')
        .map((value) => checkValue(value, selector));
      requirements.push({
        key: checkKey(match[1]!, selector),
        operator: match[2] === 'in' ? 'in' : 'notIn',
        values,
      });
      continue;
    }
    match = /^([^\s!=<>]+)\s*(==|=|!=|>|<)\s*(\S*)$/.exec(part);
    if (match) {
      const key = checkKey(match[1]!, selector);
      const operator = match[2]!;
      if (operator === '>' || operator === '<') {
        const value = Number(match[3]);
        if (!Number.isInteger(value))
          throw badRequestError(`unable to parse requirement: "${part}" needs an integer`);
        requirements.push({ key, operator: operator === '>' ? 'gt' : 'lt', value });
      } else {
        const values = [checkValue(match[3]!, selector)];
        requirements.push({ key, operator: operator === '!=' ? 'notIn' : 'in', values });
      }
      continue;
    }
    match = /^(\S+)$/.exec(part);
    if (match) {
      requirements.push({ key: checkKey(match[1]!, selector), operator: 'exists' });
      continue;
    }
    throw badRequestError(
      `unable to parse requirement: cannot parse "${part}" in label selector "${selector}"`,
    );
  }
  return requirements;
}

export function labelsMatch(
  requirements: LabelRequirement[],
  labels: Record<string, string> | undefined,
): boolean {
  for (const requirement of requirements) {
    const value = labels?.[requirement.key];
    switch (requirement.operator) {
      case 'exists':
        if (value === undefined) return false;
        break;
      case 'notExists':
        if (value !== undefined) return false;
        break;
      case 'in':
        if (value === undefined || !requirement.values.includes(value)) return false;
        break;
      case 'notIn':
        if (value !== undefined && requirement.values.includes(value)) return false;
        break;
      case 'gt':
      case 'lt': {
        const number = Number(value);
        if (value === undefined || !Number.isInteger(number)) return false;
        if (requirement.operator === 'gt' ? number <= requirement.value : number >= requirement.value)
          return false;
        break;
      }
    }
  }
  return true;
}

export interface FieldRequirement {
  field: string;
  operator: 'equals' | 'notEquals';
  value: string;
}

const COMMON_FIELDS = ['metadata.name', 'metadata.namespace'];

/** Field labels each kind supports, as kube-apiserver registers them; others are refused with 400. */
const FIELDS_BY_KIND: Record<string, string[]> = {
  Pod: [
    'spec.nodeName',
    'spec.restartPolicy',
    'spec.schedulerName',
    'spec.serviceAccountName',
    'spec.hostNetwork',
    'status.phase',
    'status.podIP',
    'status.nominatedNodeName',
  ],
  Event: [
    'involvedObject.kind',
    'involvedObject.namespace',
    'involvedObject.name',
    'involvedObject.uid',
    'involvedObject.apiVersion',
    'involvedObject.resourceVersion',
    'involvedObject.fieldPath',
    'reason',
    'reportingComponent',
    'source',
    'type',
  ],
  Namespace: ['status.phase'],
  Node: ['spec.unschedulable'],
};

export function parseFieldSelector(options: { selector: string; kind: string }): FieldRequirement[] {
  const allowed = new Set([...COMMON_FIELDS, ...(FIELDS_BY_KIND[options.kind] ?? [])]);
  const requirements: FieldRequirement[] = [];
  for (const part of splitTopLevel(options.selector)) {
    const match = /^([^\s!=]+)\s*(==|=|!=)\s*(.*)$/.exec(part);
    if (!match) throw badRequestError(`invalid selector: '${options.selector}'; can't understand '${part}'`);
    const field = match[1]!;
    if (!allowed.has(field)) {
      throw badRequestError(`field label not supported: ${field}`);
    }
    requirements.push({
      field,
      operator: match[2] === '!=' ? 'notEquals' : 'equals',
      value: match[3]!.trim(),
    });
  }
  return requirements;
}

function fieldValue(object: JsonObject, field: string): string {
  const path = field === 'source' ? ['source', 'component'] : field.split('.');
  let current: unknown = object;
  for (const segment of path) {
    if (typeof current !== 'object' || current === null) return '';
    current = (current as JsonObject)[segment];
  }
  if (current === undefined || current === null) return field === 'spec.unschedulable' ? 'false' : '';
  return String(current);
}

export function fieldsMatch(requirements: FieldRequirement[], object: JsonObject): boolean {
  for (const requirement of requirements) {
    const equal = fieldValue(object, requirement.field) === requirement.value;
    if (requirement.operator === 'equals' ? !equal : equal) return false;
  }
  return true;
}

/** A compiled label+field selector; undefined selectors match everything. */
export interface ObjectFilter {
  matches(object: JsonObject): boolean;
  readonly matchesEverything: boolean;
}

export function compileObjectFilter(options: {
  labelSelector?: string | null;
  fieldSelector?: string | null;
  kind: string;
}): ObjectFilter {
  const labels = options.labelSelector ? parseLabelSelector(options.labelSelector) : [];
  const fields = options.fieldSelector
    ? parseFieldSelector({ selector: options.fieldSelector, kind: options.kind })
    : [];
  return {
    matchesEverything: labels.length === 0 && fields.length === 0,
    matches(object) {
      if (labels.length > 0) {
        const metadata = object.metadata as { labels?: Record<string, string> } | undefined;
        if (!labelsMatch(labels, metadata?.labels)) return false;
      }
      return fields.length === 0 || fieldsMatch(fields, object);
    },
  };
}
