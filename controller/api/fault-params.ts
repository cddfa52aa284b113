// The agent's check of fault params: the kind's own schema, compiled with its defaults, then the
// rules no schema can state. `chaoscraft validate` and the API server read the same schema, so a
// value one side accepts the other accepts too (test/controller/api/fault-params-differential).
import type { ValidateFunction } from 'ajv';
import { type FaultKindName, faultKinds } from '../../schemas/faults.ts';
import type { JsonSchema } from '../../schemas/json-schema.ts';
import { explainSchemaErrors } from './explain-schema-errors.ts';
import { type ParamIssue, semanticIssues } from './fault-semantics.ts';
import { strictSchema } from './strict-schema.ts';
import { createAjv, toSchemaError } from './validator.ts';

export type { ParamIssue } from './fault-semantics.ts';

export type ParamsCheck = { ok: true; params: Record<string, unknown> } | { ok: false; issues: ParamIssue[] };

interface CompiledKind {
  schema: JsonSchema;
  validate: ValidateFunction;
}

let compiled: Map<FaultKindName, CompiledKind> | undefined;

function compiledKind(kind: FaultKindName): CompiledKind {
  if (!compiled) {
    const ajv = createAjv({ useDefaults: true });
    compiled = new Map();
    for (const [name, schema] of Object.entries(faultKinds) as [FaultKindName, JsonSchema][]) {
      // Strict, like `chaoscraft validate`: the API server prunes unknown fields, so one that
      // still arrives here was never checked by anyone and must not silently widen a fault.
      const strict = strictSchema(schema);
      compiled.set(name, { schema: strict, validate: ajv.compile(strict) });
    }
  }
  return compiled.get(kind)!;
}

/**
 * Checks the params of one fault kind and returns them with the schema's defaults filled in (on a
 * copy: the caller's object is left as it was), or every issue with its path and one sentence. The
 * sentences never repeat the offending value: they end up in logs and object status.
 */
export function checkFaultParams(kind: FaultKindName, params: unknown): ParamsCheck {
  const { schema, validate } = compiledKind(kind);
  const copy = structuredClone(params);
  if (!validate(copy)) {
    const errors = (validate.errors ?? []).map(toSchemaError);
    const issues = explainSchemaErrors(errors, schema, copy, { quoteValues: false }).map((finding) => ({
      path: finding.path.map((segment) => `/${segment}`).join(''),
      message: finding.message,
    }));
    return { ok: false, issues };
  }
  const issues = semanticIssues(kind, copy as Record<string, unknown>);
  return issues.length > 0 ? { ok: false, issues } : { ok: true, params: copy as Record<string, unknown> };
}
