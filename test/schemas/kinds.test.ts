// The schemas themselves: they compile in ajv strict mode, describe every field, and bound
// every string that can reach a command.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { strictSchema } from '../../controller/api/strict-schema.ts';
import { createAjv, manifestValidators } from '../../controller/api/validator.ts';
import { faultKinds } from '../../schemas/faults.ts';
import type { JsonSchema } from '../../schemas/json-schema.ts';
import { kinds, objectSchema } from '../../schemas/kinds.ts';

test('every kind compiles in ajv strict mode, as CRD schema and as manifest schema', () => {
  for (const definition of kinds) {
    for (const target of ['crd', 'manifest'] as const) {
      const ajv = createAjv();
      assert.doesNotThrow(
        () => ajv.compile(strictSchema(objectSchema(definition, target))),
        `${definition.kind}/${target}`,
      );
    }
  }
});

test('ajv strict mode is really on: an unknown keyword fails to compile', () => {
  assert.throws(
    () => createAjv().compile({ type: 'string', patern: 'x' }),
    /strict mode: unknown keyword: "patern"/,
  );
});

function* nodes(schema: JsonSchema, path: string): Generator<[string, JsonSchema]> {
  yield [path, schema];
  for (const [name, child] of Object.entries(schema.properties ?? {})) yield* nodes(child, `${path}.${name}`);
  if (schema.items) yield* nodes(schema.items, `${path}[]`);
  if (typeof schema.additionalProperties === 'object') yield* nodes(schema.additionalProperties, `${path}{}`);
}

test('every field has a description', () => {
  const missing: string[] = [];
  for (const definition of kinds) {
    for (const part of ['spec', 'status'] as const) {
      for (const [path, node] of nodes(definition[part], `${definition.kind}.${part}`)) {
        if (!node.description) missing.push(path);
      }
    }
  }
  assert.deepEqual(missing, []);
});

test('every string in a fault is bounded by a pattern or an enum', () => {
  const unbounded: string[] = [];
  for (const [kind, schema] of Object.entries(faultKinds)) {
    for (const [path, node] of nodes(schema, kind)) {
      if (node.type === 'string' && !node.pattern && !node.enum) unbounded.push(path);
    }
  }
  assert.deepEqual(unbounded, []);
});

const experiment = (spec: Record<string, unknown>) => ({
  apiVersion: 'chaoscraft.io/v1alpha1',
  kind: 'ChaosExperiment',
  metadata: { name: 'x', namespace: 'shop' },
  spec: { selector: { names: ['a'] }, duration: '30s', faults: [{ podKill: {} }], ...spec },
});
const validate = (object: unknown) => manifestValidators().get('ChaosExperiment')!.validate(object);

test('a fault item needs exactly one fault kind', () => {
  assert.deepEqual(validate(experiment({})), []);
  assert.notDeepEqual(validate(experiment({ faults: [{}] })), []);
  assert.notDeepEqual(validate(experiment({ faults: [{ podKill: {}, cpuStress: { workers: 1 } }] })), []);
});

test('percentages are bounded: mode percentages and fault percentages', () => {
  assert.deepEqual(validate(experiment({ mode: 'fixed-percent', value: 100 })), []);
  assert.notDeepEqual(validate(experiment({ mode: 'fixed-percent', value: 101 })), []);
  assert.deepEqual(validate(experiment({ mode: 'fixed', value: 500 })), []);
  assert.notDeepEqual(validate(experiment({ faults: [{ networkLoss: { percent: 101 } }] })), []);
  assert.notDeepEqual(validate(experiment({ faults: [{ networkLoss: { percent: 0 } }] })), []);
});

test('a selector is required and must select something', () => {
  const { selector: _, ...withoutSelector } = experiment({}).spec;
  assert.notDeepEqual(validate({ ...experiment({}), spec: withoutSelector }), []);
  assert.notDeepEqual(validate(experiment({ selector: {} })), []);
});

test('hostile values are refused: interfaces, CIDRs, ports, durations', () => {
  const loss = (scope: Record<string, unknown>) =>
    experiment({ faults: [{ networkLoss: { percent: 5, ...scope } }] });
  for (const bad of [
    loss({ interfaces: ['eth0;reboot'] }),
    loss({ interfaces: ['$(id)'] }),
    loss({ interfaces: ['a-very-long-interface-name'] }),
    loss({ cidrs: ['10.0.0.0/8 '] }),
    loss({ cidrs: ['10.0.0.0/33'] }),
    loss({ cidrs: ['10.0.0.0'] }),
    loss({ ports: [0] }),
    loss({ ports: [70000] }),
    loss({ ports: Array.from({ length: 33 }, (_, i) => i + 1) }),
    experiment({ duration: '5 minutes' }),
    experiment({ duration: '-5s' }),
  ]) {
    assert.notDeepEqual(validate(bad), [], JSON.stringify(bad.spec));
  }
  assert.deepEqual(
    validate(loss({ interfaces: ['eth0', 'veth_a.1'], cidrs: ['10.1.0.0/16', 'fd00::/8'], ports: [443] })),
    [],
  );
});
