// The OpenAPI contract: matches requests to operations of the extracted GitHub description and validates
// parameters, bodies and responses with ajv. Schema refs are resolved inside the fixture itself, so what
// is checked is exactly what GitHub publishes.

import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Ajv, type ErrorObject, type ValidateFunction } from 'ajv';
import addFormatsModule from 'ajv-formats';

const addFormats = addFormatsModule.default;

export const OPENAPI_FIXTURE_PATH: string = join(
  dirname(fileURLToPath(import.meta.url)),
  '..',
  '..',
  'fixtures',
  'github',
  'openapi-subset.json',
);

const DOCUMENT_ID = 'https://chaoscraft.test/github-openapi-subset.json';

/** Statuses any GitHub operation may answer with even if its description omits them. */
const GENERIC_ERROR_SCHEMAS: Record<number, string> = {
  400: 'basic-error',
  401: 'basic-error',
  403: 'basic-error',
  404: 'basic-error',
  413: 'basic-error',
  422: 'validation-error',
  500: 'basic-error',
  502: 'basic-error',
  503: 'basic-error',
};

interface ParameterObject {
  name: string;
  in: 'path' | 'query' | 'header' | 'cookie';
  required?: boolean;
  schema: Record<string, unknown>;
  'x-multi-segment'?: boolean;
}

interface OperationObject {
  operationId: string;
  parameters?: Array<ParameterObject | { $ref: string }>;
  requestBody?: { required?: boolean; content: Record<string, unknown> };
  responses: Record<string, { $ref?: string; content?: Record<string, unknown> }>;
}

interface OpenApiDocument {
  info: { version: string };
  paths: Record<string, Record<string, OperationObject>>;
  components: Record<string, Record<string, unknown>>;
}

export interface OperationMatch {
  operationId: string;
  method: string;
  template: string;
  pathParams: Record<string, string>;
}

interface CompiledOperation {
  operationId: string;
  method: string;
  template: string;
  pattern: RegExp;
  paramNames: string[];
  literalSegments: number;
  validatePath: ValidateFunction;
  validateQuery: ValidateFunction;
  bodyRequired: boolean;
  validateBody: ValidateFunction | undefined;
  /** Declared response statuses, with the body validator (undefined when there is no JSON body). */
  responses: Map<number, ValidateFunction | undefined>;
}

export type ValidationResult<T> = { ok: true; value: T } | { ok: false; details: string[] };

function escapePointer(segment: string): string {
  return segment.replace(/~/g, '~0').replace(/\//g, '~1');
}

function formatErrors(errors: ErrorObject[] | null | undefined): string[] {
  return (errors ?? []).map((error) => `${error.instancePath || '/'} ${error.message ?? error.keyword}`);
}

function escapeRegExp(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

/**
 * OpenAPI 3.0's `nullable` means "or null". Ajv implements it only next to `type` and does not add null to
 * `enum`, so those other cases are rewritten to `anyOf: [schema, {type: null}]` (a copy; the fixture stays
 * GitHub's text). `inPropertyMap` marks objects whose keys are property names, not keywords.
 */
function normalizeNullable(value: unknown, inPropertyMap = false): unknown {
  if (Array.isArray(value)) return value.map((item) => normalizeNullable(item));
  if (typeof value !== 'object' || value === null) return value;
  const out: Record<string, unknown> = {};
  for (const [key, child] of Object.entries(value)) {
    out[key] = normalizeNullable(child, !inPropertyMap && key === 'properties');
  }
  if (!inPropertyMap && out.nullable === true && (out.type === undefined || out.enum !== undefined)) {
    const { nullable: _nullable, ...rest } = out;
    return { anyOf: [rest, { type: 'null' }] };
  }
  return out;
}

export class GitHubContract {
  readonly sourceVersion: string;
  readonly #operations: CompiledOperation[] = [];
  readonly #genericErrors = new Map<number, ValidateFunction>();

  constructor(options: { document?: OpenApiDocument } = {}) {
    const document = normalizeNullable(
      options.document ?? JSON.parse(readFileSync(OPENAPI_FIXTURE_PATH, 'utf8')),
    ) as OpenApiDocument;
    this.sourceVersion = document.info.version;
    // OpenAPI 3.0 schemas carry keywords that are not JSON Schema (nullable is handled by ajv itself;
    // readOnly, deprecated, x-*...), hence strict: false.
    const strictAjv = new Ajv({ strict: false, allErrors: true });
    // Parameters arrive as strings (path segments, query values): coerce them like a server would.
    const paramAjv = new Ajv({ strict: false, allErrors: true, coerceTypes: true, useDefaults: true });
    for (const ajv of [strictAjv, paramAjv]) {
      addFormats(ajv);
      ajv.addSchema({ ...document, $id: DOCUMENT_ID });
    }
    const ref = (pointer: string) => ({ $ref: `${DOCUMENT_ID}#${pointer}` });

    for (const [template, item] of Object.entries(document.paths)) {
      for (const [method, operation] of Object.entries(item)) {
        const opPointer = `/paths/${escapePointer(template)}/${method}`;
        const params = (operation.parameters ?? []).map((parameter, index) => {
          if ('$ref' in parameter) {
            const name = parameter.$ref.replace('#/components/parameters/', '');
            return {
              object: document.components.parameters![name] as ParameterObject,
              pointer: `/components/parameters/${escapePointer(name)}`,
            };
          }
          return { object: parameter, pointer: `${opPointer}/parameters/${index}` };
        });
        const objectSchema = (location: 'path' | 'query') => {
          const selected = params.filter((parameter) => parameter.object.in === location);
          return {
            type: 'object',
            properties: Object.fromEntries(
              // Inlined when self-contained so that ajv applies their defaults (it ignores defaults behind $ref).
              selected.map((parameter) => [
                parameter.object.name,
                JSON.stringify(parameter.object.schema).includes('$ref')
                  ? ref(`${parameter.pointer}/schema`)
                  : structuredClone(parameter.object.schema),
              ]),
            ),
            required: selected
              .filter((parameter) => parameter.object.required || location === 'path')
              .map((parameter) => parameter.object.name),
          };
        };
        const multiSegment = new Set(
          params.filter((parameter) => parameter.object['x-multi-segment']).map((p) => p.object.name),
        );
        const paramNames: string[] = [];
        const pattern = template
          .split(/(\{[^}]+\})/)
          .map((piece) => {
            const name = /^\{([^}]+)\}$/.exec(piece)?.[1];
            if (!name) return escapeRegExp(piece);
            paramNames.push(name);
            return multiSegment.has(name) ? '(.+)' : '([^/]+)';
          })
          .join('');
        const jsonBody = operation.requestBody?.content['application/json'];
        const responses = new Map<number, ValidateFunction | undefined>();
        for (const [status, response] of Object.entries(operation.responses)) {
          const responsePointer = response.$ref
            ? response.$ref.slice(1)
            : `${opPointer}/responses/${escapePointer(status)}`;
          const resolved = response.$ref
            ? (document.components.responses![response.$ref.split('/').pop()!] as { content?: object })
            : response;
          const hasJson = resolved.content && 'application/json' in resolved.content;
          responses.set(
            Number(status),
            hasJson
              ? strictAjv.compile(
                  ref(`${responsePointer}/content/${escapePointer('application/json')}/schema`),
                )
              : undefined,
          );
        }
        this.#operations.push({
          operationId: operation.operationId,
          method: method.toUpperCase(),
          template,
          pattern: new RegExp(`^${pattern}$`),
          paramNames,
          literalSegments: template.split('/').filter((segment) => segment && !segment.startsWith('{'))
            .length,
          validatePath: paramAjv.compile(objectSchema('path')),
          validateQuery: paramAjv.compile(objectSchema('query')),
          bodyRequired: operation.requestBody?.required === true,
          validateBody: jsonBody
            ? strictAjv.compile(
                ref(`${opPointer}/requestBody/content/${escapePointer('application/json')}/schema`),
              )
            : undefined,
          responses,
        });
      }
    }
    // Most specific templates first, so `/issues/comments/{id}` wins over `/issues/{number}`.
    this.#operations.sort((a, b) => b.literalSegments - a.literalSegments);
    for (const [status, schema] of Object.entries(GENERIC_ERROR_SCHEMAS)) {
      this.#genericErrors.set(Number(status), strictAjv.compile(ref(`/components/schemas/${schema}`)));
    }
  }

  get operationIds(): string[] {
    return this.#operations.map((operation) => operation.operationId);
  }

  /** Finds the operation for a method and (already URL-decoded by segment) path. */
  match(options: { method: string; pathname: string }): OperationMatch | undefined {
    for (const operation of this.#operations) {
      if (operation.method !== options.method) continue;
      const found = operation.pattern.exec(options.pathname);
      if (!found) continue;
      const pathParams: Record<string, string> = {};
      operation.paramNames.forEach((name, index) => {
        pathParams[name] = decodeURIComponent(found[index + 1]!);
      });
      return {
        operationId: operation.operationId,
        method: operation.method,
        template: operation.template,
        pathParams,
      };
    }
    return undefined;
  }

  #operation(operationId: string): CompiledOperation {
    const operation = this.#operations.find((candidate) => candidate.operationId === operationId);
    if (!operation) throw new Error(`unknown operation ${operationId}`);
    return operation;
  }

  /** Validates and coerces path and query parameters (defaults applied). */
  validateParameters(options: {
    operationId: string;
    pathParams: Record<string, string>;
    query: Record<string, string>;
  }): ValidationResult<{ path: Record<string, unknown>; query: Record<string, unknown> }> {
    const operation = this.#operation(options.operationId);
    const path: Record<string, unknown> = { ...options.pathParams };
    const query: Record<string, unknown> = { ...options.query };
    const details: string[] = [];
    if (!operation.validatePath(path)) details.push(...formatErrors(operation.validatePath.errors));
    if (!operation.validateQuery(query)) details.push(...formatErrors(operation.validateQuery.errors));
    return details.length > 0 ? { ok: false, details } : { ok: true, value: { path, query } };
  }

  /** Validates a parsed JSON body (undefined when the request had none). */
  validateBody(options: { operationId: string; body: unknown }): ValidationResult<unknown> {
    const operation = this.#operation(options.operationId);
    if (options.body === undefined) {
      return operation.bodyRequired
        ? { ok: false, details: ['/ request body is required'] }
        : { ok: true, value: {} };
    }
    if (!operation.validateBody) return { ok: true, value: options.body };
    return operation.validateBody(options.body)
      ? { ok: true, value: options.body }
      : { ok: false, details: formatErrors(operation.validateBody.errors) };
  }

  /**
   * Validates a response. Success statuses must be declared by the operation; error statuses fall back to
   * GitHub's generic error schemas because GitHub sends them for every operation (auth, rate limits).
   */
  validateResponse(options: {
    operationId: string | undefined;
    status: number;
    body: unknown;
  }): ValidationResult<unknown> {
    const declared = options.operationId ? this.#operation(options.operationId).responses : undefined;
    let validate: ValidateFunction | undefined;
    if (declared?.has(options.status)) {
      validate = declared.get(options.status);
      if (!validate) {
        return options.body === undefined
          ? { ok: true, value: undefined }
          : { ok: false, details: [`/ status ${options.status} is declared without a JSON body`] };
      }
    } else if (options.status >= 400) {
      validate = this.#genericErrors.get(options.status);
      if (!validate) return { ok: false, details: [`/ undeclared error status ${options.status}`] };
    } else {
      return { ok: false, details: [`/ undeclared status ${options.status}`] };
    }
    return validate(options.body)
      ? { ok: true, value: options.body }
      : { ok: false, details: formatErrors(validate.errors) };
  }
}
