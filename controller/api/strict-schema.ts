// Kubernetes prunes unknown fields instead of rejecting them, and CRD schemas may not say
// `additionalProperties: false`. Outside the cluster we want unknown fields reported (with the
// closest valid name), like `kubectl apply --validate=strict`, so validators use this variant.
import type { JsonSchema } from '../../schemas/json-schema.ts';

export function strictSchema(schema: JsonSchema): JsonSchema {
  const copy: JsonSchema = { ...schema };
  if (copy.properties) {
    copy.properties = Object.fromEntries(
      Object.entries(copy.properties).map(([name, child]) => [name, strictSchema(child)]),
    );
    // Junctor branches only restate declared fields, so closing the outer object is enough.
    if (
      copy.type === 'object' &&
      !copy['x-kubernetes-preserve-unknown-fields'] &&
      copy.additionalProperties === undefined
    ) {
      copy.additionalProperties = false;
    }
  }
  if (copy.items) copy.items = strictSchema(copy.items);
  if (typeof copy.additionalProperties === 'object')
    copy.additionalProperties = strictSchema(copy.additionalProperties);
  return copy;
}
