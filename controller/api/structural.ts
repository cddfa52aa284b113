// Checks that a schema is a Kubernetes *structural* schema, so that it loads as a CRD
// `openAPIV3Schema`. The rules follow the apiextensions.k8s.io/v1 documentation:
// every node has a type (unless int-or-string or preserve-unknown-fields), logical junctors carry
// only value validations for fields declared outside them, no `$ref`, no
// `additionalProperties: false`, and `properties` and `additionalProperties` never together.
import type { JsonSchema } from '../../schemas/json-schema.ts';

export interface StructuralViolation {
  path: string;
  message: string;
}

const junctors = ['oneOf', 'anyOf', 'allOf', 'not'] as const;
/** Keywords a structural schema forbids inside oneOf/anyOf/allOf/not. */
const forbiddenInJunctors = ['type', 'description', 'default', 'additionalProperties', 'nullable', 'title'];
/** Every keyword apiextensions v1 accepts in JSONSchemaProps (ours is a subset of these). */
const knownKeywords = new Set([
  'type',
  'title',
  'description',
  'properties',
  'additionalProperties',
  'required',
  'items',
  'enum',
  'pattern',
  'format',
  'minimum',
  'maximum',
  'exclusiveMinimum',
  'exclusiveMaximum',
  'minLength',
  'maxLength',
  'minItems',
  'maxItems',
  'minProperties',
  'maxProperties',
  'multipleOf',
  'default',
  'nullable',
  'oneOf',
  'anyOf',
  'allOf',
  'not',
  'example',
  'externalDocs',
  'x-kubernetes-preserve-unknown-fields',
  'x-kubernetes-int-or-string',
  'x-kubernetes-embedded-resource',
  'x-kubernetes-list-type',
  'x-kubernetes-list-map-keys',
  'x-kubernetes-map-type',
  'x-kubernetes-validations',
]);

export function checkStructural(schema: JsonSchema, path = ''): StructuralViolation[] {
  const violations: StructuralViolation[] = [];
  visit(schema, path || '<root>', violations);
  return violations;
}

function visit(node: JsonSchema, path: string, out: StructuralViolation[]): void {
  for (const key of Object.keys(node)) {
    if (!knownKeywords.has(key))
      out.push({ path, message: `keyword "${key}" is not allowed in a CRD schema` });
  }
  const typeless = node['x-kubernetes-int-or-string'] || node['x-kubernetes-preserve-unknown-fields'];
  if (!node.type && !typeless) out.push({ path, message: 'every node must have a type' });
  if (node.additionalProperties === false) {
    out.push({
      path,
      message: 'additionalProperties: false is not allowed; unknown fields are pruned instead',
    });
  }
  if (node.properties && node.additionalProperties !== undefined) {
    out.push({ path, message: 'properties and additionalProperties cannot be used together' });
  }
  if ((node as Record<string, unknown>).uniqueItems === true) {
    out.push({ path, message: 'uniqueItems: true is not allowed' });
  }
  if (node.type === 'array' && !node.items) out.push({ path, message: 'an array must declare items' });
  if (node['x-kubernetes-list-type'] === 'map' && !node['x-kubernetes-list-map-keys']?.length) {
    out.push({ path, message: 'x-kubernetes-list-type: map needs x-kubernetes-list-map-keys' });
  }
  for (const [name, child] of Object.entries(node.properties ?? {})) visit(child, `${path}.${name}`, out);
  if (node.items) visit(node.items, `${path}[]`, out);
  if (typeof node.additionalProperties === 'object') visit(node.additionalProperties, `${path}{}`, out);
  for (const junctor of junctors) {
    const branches = junctor === 'not' ? (node.not ? [node.not] : []) : (node[junctor] ?? []);
    for (const [index, branch] of branches.entries()) {
      checkJunctorBranch(branch, node, `${path}.${junctor}[${index}]`, out);
    }
  }
}

/** Inside a junctor only value validations are allowed, and only for fields declared outside. */
function checkJunctorBranch(
  branch: JsonSchema,
  outside: JsonSchema,
  path: string,
  out: StructuralViolation[],
): void {
  for (const key of forbiddenInJunctors) {
    if (key in branch) out.push({ path, message: `"${key}" is not allowed inside a logical junctor` });
  }
  for (const name of branch.required ?? []) {
    if (!outside.properties?.[name])
      out.push({ path, message: `required field "${name}" is not declared outside` });
  }
  for (const [name, child] of Object.entries(branch.properties ?? {})) {
    const declared = outside.properties?.[name];
    if (!declared) {
      out.push({ path: `${path}.${name}`, message: `field "${name}" is not declared outside the junctor` });
      continue;
    }
    checkJunctorBranch(child, declared, `${path}.${name}`, out);
  }
  if (branch.items) {
    if (!outside.items) out.push({ path, message: 'items inside a junctor need items outside' });
    else checkJunctorBranch(branch.items, outside.items, `${path}[]`, out);
  }
  // A junctor nested in a branch (`not` inside `not`, say) is held to the same rules.
  for (const [junctor, nested] of nestedJunctors(branch)) {
    checkJunctorBranch(nested, outside, `${path}.${junctor}`, out);
  }
}

function nestedJunctors(node: JsonSchema): [string, JsonSchema][] {
  const found: [string, JsonSchema][] = [];
  if (node.not) found.push(['not', node.not]);
  for (const junctor of ['oneOf', 'anyOf', 'allOf'] as const) {
    for (const [index, branch] of (node[junctor] ?? []).entries())
      found.push([`${junctor}[${index}]`, branch]);
  }
  return found;
}
