// The API server writes a schema's defaults into every object it stores; objects read from a
// repository (the PR planner, standalone mode) never went through it. This gives them the same
// defaults from the same schema, so no reader has to re-declare one (`spec.mode ?? 'one'`).
import type { ValidateFunction } from 'ajv';
import { kindByName, objectSchema } from '../../schemas/kinds.ts';
import { createAjv } from './validator.ts';

const compiled = new Map<string, ValidateFunction>();

function defaulter(kind: string): ValidateFunction | undefined {
  const definition = kindByName(kind);
  if (!definition) return undefined;
  let validate = compiled.get(kind);
  if (!validate) {
    validate = createAjv({ useDefaults: true }).compile(objectSchema(definition, 'manifest'));
    compiled.set(kind, validate);
  }
  return validate;
}

/**
 * A copy of `object` with its kind's schema defaults filled in where fields are absent, as the API
 * server would store it. Meant for objects that passed validation; an unknown kind is copied as is.
 */
export function withDefaults<T>(kind: string, object: T): T {
  const copy = structuredClone(object);
  defaulter(kind)?.(copy);
  return copy;
}
