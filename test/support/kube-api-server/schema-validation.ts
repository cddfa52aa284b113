// Validates custom resources against their CRD's openAPIV3Schema the way kube-apiserver does:
// unknown fields are pruned (or refused with fieldValidation=Strict), defaults are applied,
// map and set lists must not repeat items (list-types.ts), and violations become 422 Invalid causes with
// `field` paths like `spec.faults[0].mode`.
import { Ajv, type ErrorObject, type ValidateFunction } from 'ajv';
import addFormatsModule from 'ajv-formats';
import type { StatusCause } from './errors.ts';
import { listTypeCauses } from './list-types.ts';
import type { JsonObject } from './resource-types.ts';

// ajv-formats is CommonJS; under nodenext its default import is typed as the module namespace.
const addFormats = addFormatsModule as unknown as (ajv: Ajv) => Ajv;

const PRESERVE_UNKNOWN = 'x-kubernetes-preserve-unknown-fields';
const EMBEDDED_RESOURCE = 'x-kubernetes-embedded-resource';

function isObject(value: unknown): value is JsonObject {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

export interface SchemaCheckResult {
  causes: StatusCause[];
  /** Paths of fields the schema does not declare (already removed from the object). */
  unknownFields: string[];
}

export interface CustomResourceValidator {
  /** Prunes unknown fields, applies defaults and validates, mutating `object` in place. */
  check(object: JsonObject): SchemaCheckResult;
}

function joinField(parent: string, key: string): string {
  return parent ? `${parent}.${key}` : key;
}

/** Removes fields the structural schema does not declare; returns their paths. */
function pruneUnknownFields(
  value: unknown,
  schema: JsonObject,
  path: string,
  unknown: string[],
  isRoot: boolean,
) {
  if (Array.isArray(value)) {
    if (isObject(schema.items)) {
      value.forEach((item, index) => {
        pruneUnknownFields(item, schema.items as JsonObject, `${path}[${index}]`, unknown, false);
      });
    }
    return;
  }
  if (!isObject(value)) return;
  const properties = isObject(schema.properties) ? schema.properties : undefined;
  const additional = schema.additionalProperties;
  const preserve = schema[PRESERVE_UNKNOWN] === true;
  const keepsObjectMeta = isRoot || schema[EMBEDDED_RESOURCE] === true;
  for (const key of Object.keys(value)) {
    if (keepsObjectMeta && (key === 'apiVersion' || key === 'kind' || key === 'metadata')) continue;
    const child = properties?.[key];
    if (isObject(child)) {
      pruneUnknownFields(value[key], child, joinField(path, key), unknown, false);
    } else if (isObject(additional)) {
      pruneUnknownFields(value[key], additional, joinField(path, key), unknown, false);
    } else if (additional === true || preserve) {
      // Declared as free-form: kept as is.
    } else {
      unknown.push(joinField(path, key));
      delete value[key];
    }
  }
}

/** `/spec/faults/0/mode` becomes `spec.faults[0].mode`. */
export function fieldPathFromPointer(pointer: string): string {
  let field = '';
  for (const raw of pointer.split('/').slice(1)) {
    const segment = raw.replaceAll('~1', '/').replaceAll('~0', '~');
    field = /^\d+$/.test(segment) ? `${field}[${segment}]` : joinField(field, segment);
  }
  return field;
}

function describeType(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'array';
  if (typeof value === 'number') return Number.isInteger(value) ? 'integer' : 'number';
  return typeof value;
}

function causeFromAjvError(error: ErrorObject): StatusCause {
  const field = fieldPathFromPointer(error.instancePath);
  const shown = JSON.stringify(error.data) ?? 'null';
  switch (error.keyword) {
    case 'required': {
      const missing = String((error.params as { missingProperty: string }).missingProperty);
      return { reason: 'FieldValueRequired', message: 'Required value', field: joinField(field, missing) };
    }
    case 'enum': {
      const allowed = ((error.params as { allowedValues: unknown[] }).allowedValues ?? [])
        .map((item) => JSON.stringify(item))
        .join(', ');
      return {
        reason: 'FieldValueNotSupported',
        message: `Unsupported value: ${shown}: supported values: ${allowed}`,
        field,
      };
    }
    case 'type':
      return {
        reason: 'FieldValueTypeInvalid',
        message: `Invalid value: "${describeType(error.data)}": ${field} in body must be of type ${String(
          (error.params as { type: unknown }).type,
        )}: ${shown}`,
        field,
      };
    default:
      return {
        reason: 'FieldValueInvalid',
        message: `Invalid value: ${shown}: ${field || '<root>'} in body ${error.message ?? 'is invalid'}`,
        field,
      };
  }
}

let sharedAjv: Ajv | undefined;

function ajvInstance(): Ajv {
  if (!sharedAjv) {
    // strict: false tolerates x-kubernetes-* keywords and OpenAPI formats such as int32.
    sharedAjv = new Ajv({ strict: false, allErrors: true, verbose: true, useDefaults: true, logger: false });
    addFormats(sharedAjv);
  }
  return sharedAjv;
}

export function createCustomResourceValidator(options: { schema: JsonObject }): CustomResourceValidator {
  const schema = structuredClone(options.schema);
  const validate: ValidateFunction = ajvInstance().compile(schema);
  return {
    check(object) {
      const unknownFields: string[] = [];
      pruneUnknownFields(object, schema, '', unknownFields, true);
      const causes: StatusCause[] = [];
      if (!validate(object)) {
        for (const error of validate.errors ?? []) {
          // anyOf/oneOf summaries repeat what their branches already said.
          if (error.keyword === 'anyOf' || error.keyword === 'oneOf') continue;
          causes.push(causeFromAjvError(error));
        }
        if (causes.length === 0)
          causes.push({ reason: 'FieldValueInvalid', message: 'does not match the schema' });
      }
      causes.push(...listTypeCauses(schema, object));
      return { causes, unknownFields };
    },
  };
}
