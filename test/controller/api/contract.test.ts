// The contract module: the names both sides derive from it, and the guarantees they rely on.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import {
  agentFinalizer,
  experimentFinalizer,
  experimentLabelValue,
  injectionName,
  injectionTag,
  injectionTagPattern,
  nodeFaultKinds,
  nodeLabelValue,
  optInLabel,
  podFaultKinds,
} from '../../../controller/api/contract.ts';
import { createFaultRegistry } from '../../../controller/faults/registry.ts';
import { TAG_PATTERN } from '../../../controller/faults/tags.ts';
import { policySpec } from '../../../schemas/chaos-policy.ts';
import { faultItem, faultKindNames, nodeFaultItem } from '../../../schemas/faults.ts';
import { dnsSubdomainPattern } from '../../../schemas/fragments.ts';

test('the fault kinds split into pod and node kinds, exactly as the schemas and the registry list them', () => {
  assert.deepEqual([...podFaultKinds, ...nodeFaultKinds].sort(), [...faultKindNames].sort());
  assert.deepEqual(podFaultKinds, ['podKill', 'podFailure']);
  assert.deepEqual(Object.keys(createFaultRegistry()).sort(), [...nodeFaultKinds].sort());
  assert.deepEqual(
    faultItem.oneOf?.map((branch) => branch.required?.[0]),
    faultKindNames,
  );
  // A ChaosInjection can only carry what an agent can do.
  assert.deepEqual(
    nodeFaultItem.oneOf?.map((branch) => branch.required?.[0]),
    nodeFaultKinds,
  );
});

test('an injection tag matches the schema, and is a tag the fault layer accepts', () => {
  for (let index = 0; index < 200; index++) {
    const tag = injectionTag(`uid-${index}`, `shop/pod-${index}/loss`);
    assert.match(tag, injectionTagPattern);
    assert.match(tag, TAG_PATTERN);
  }
  assert.equal(injectionTag('u', 'k'), injectionTag('u', 'k'), 'a replay derives the same tag');
  assert.notEqual(injectionTag('u', 'k'), injectionTag('u', 'k2'));
});

test('an injection name is a DNS subdomain even when a long experiment name is cut at a dot', () => {
  const subdomain = new RegExp(dnsSubdomainPattern);
  assert.equal(injectionName('cpu', 'k'), injectionName('cpu', 'k'));
  assert.match(injectionName('cpu', 'k'), /^cpu-[0-9a-f]{10}$/);
  const cutAtDot = `${'a'.repeat(199)}.${'b'.repeat(40)}`;
  assert.match(injectionName(cutAtDot, 'k'), subdomain);
  assert.ok(injectionName(cutAtDot, 'k').length <= 253);
});

test('the experiment label value is a valid label value for any experiment name', () => {
  const labelValue = /^(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])?$/;
  assert.equal(experimentLabelValue('checkout-latency'), 'checkout-latency');
  for (const name of [`${'a'.repeat(62)}-b`, `${'a'.repeat(62)}.b`, 'x'.repeat(253)]) {
    const value = experimentLabelValue(name);
    assert.match(value, labelValue, name);
    assert.ok(value.length <= 63);
  }
});

test('long names become distinct label values: two names sharing 63 characters never share a value', () => {
  const node = `ip-10-0-1-1.${'zone.'.repeat(50)}internal`;
  const a = nodeLabelValue(`${node}-a`);
  const b = nodeLabelValue(`${node}-b`);
  assert.notEqual(a, b);
  assert.match(a, /^[A-Za-z0-9][-A-Za-z0-9_.]*-[0-9a-f]{10}$/);
  assert.ok(a.length <= 63);
  assert.equal(nodeLabelValue('node-1'), 'node-1', 'a name that fits stays as it is');
});

test('the finalizers differ (each side releases only its own) and live in the group', () => {
  assert.notEqual(experimentFinalizer, agentFinalizer);
  for (const name of [experimentFinalizer, agentFinalizer, optInLabel])
    assert.match(name, /^chaoscraft\.io\//);
  assert.ok(policySpec.description?.includes(optInLabel), 'the policy docs name the opt-in label');
});
