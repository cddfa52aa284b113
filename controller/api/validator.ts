// ajv validators for our kinds, compiled once from schemas/ in strict mode.
import { Ajv, type ErrorObject, type ValidateFunction } from 'ajv';
import addFormatsModule from 'ajv-formats';
import type { JsonSchema } from '../../schemas/json-schema.ts';
import { type KindDefinition, kinds, objectSchema } from '../../schemas/kinds.ts';
import { parseCidr } from './cidr.ts';
import { strictSchema } from './strict-schema.ts';

// ajv-formats is CommonJS with a default export; under nodenext the callable sits on `.default`.
const addFormats = addFormatsModule as unknown as typeof addFormatsModule.default;

/**
 * Builds an ajv instance that knows the Kubernetes schema extensions. With `useDefaults` it
 * writes the schema's defaults into the data it validates, as the API server does on write.
 */
export function createAjv(options: { useDefaults?: boolean } = {}): Ajv {
  // Strict mode (unknown or ignored keywords and non-JSON numbers are errors), except the two
  // checks that contradict structural schemas: those forbid `type` inside oneOf/anyOf branches
  // (strictTypes) and name fields declared one level up in `required` there (strictRequired).
  const ajv = new Ajv({
    strict: true,
    strictTypes: false,
    strictRequired: false,
    allErrors: true,
    unicodeRegExp: true,
    useDefaults: options.useDefaults ?? false,
  });
  addFormats(ajv, ['date-time']);
  // A format the API server checks too (kube-openapi's `cidr`, Go's net.ParseCIDR).
  ajv.addFormat('cidr', { type: 'string', validate: (text: string) => parseCidr(text) !== undefined });
  // int64 is the OpenAPI format Kubernetes puts on integers.
  ajv.addFormat('int64', { type: 'number', validate: (n: number) => Number.isSafeInteger(n) });
  for (const keyword of [
    'x-kubernetes-preserve-unknown-fields',
    'x-kubernetes-int-or-string',
    'x-kubernetes-embedded-resource',
    'x-kubernetes-list-type',
    'x-kubernetes-list-map-keys',
    'x-kubernetes-map-type',
  ]) {
    ajv.addKeyword({ keyword });
  }
  return ajv;
}

export interface SchemaError {
  /** JSON pointer into the object, e.g. /spec/faults/0/networkLoss/percent. */
  instancePath: string;
  /** JSON pointer into the schema, used to narrow discriminated anyOf errors. */
  schemaPath: string;
  keyword: string;
  params: Record<string, unknown>;
  message: string;
}

export interface KindValidator {
  definition: KindDefinition;
  /** The schema the validator was compiled from (strict variant), for explaining its errors. */
  schema: JsonSchema;
  validate(object: unknown): SchemaError[];
}

let cached: Map<string, KindValidator> | undefined;

/** One validator per kind, for whole manifests (strict: unknown fields are errors). */
export function manifestValidators(): Map<string, KindValidator> {
  if (cached) return cached;
  const ajv = createAjv();
  cached = new Map();
  for (const definition of kinds) {
    const schema = strictSchema(objectSchema(definition, 'manifest'));
    const compiled: ValidateFunction = ajv.compile(schema);
    cached.set(definition.kind, {
      definition,
      schema,
      validate(object) {
        if (compiled(object)) return [];
        return (compiled.errors ?? []).map(toSchemaError);
      },
    });
  }
  return cached;
}

export function toSchemaError(error: ErrorObject): SchemaError {
  return {
    instancePath: error.instancePath,
    schemaPath: error.schemaPath,
    keyword: error.keyword,
    params: error.params as Record<string, unknown>,
    message: error.message ?? 'is invalid',
  };
}
