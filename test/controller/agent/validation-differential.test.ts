// Differential: every fault the schema path accepts (`chaoscraft validate`, which also stands for the API
// server and the PR plan) the agent accepts, and every fault one refuses the other refuses. Faults come from
// every fixture under test/fixtures/validate, every example, and a table of cases at each boundary. Each is
// wrapped in a ChaosInjection, the object the agent reads, and checked on both sides.
import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { parseAllDocuments } from 'yaml';
import { checkInjection, type InjectionObject } from '../../../controller/agent/injection-object.ts';
import { createFaultRegistry } from '../../../controller/faults/registry.ts';
import { validateText } from '../../../controller/manifests/validate.ts';

const root = join(import.meta.dirname, '../../..');
const faults = createFaultRegistry();

function injectionAround(fault: unknown): InjectionObject {
  return {
    apiVersion: 'chaoscraft.io/v1alpha1',
    kind: 'ChaosInjection',
    metadata: { name: 'probe-0123456789', namespace: 'shop', uid: 'u', resourceVersion: '1' },
    spec: {
      experiment: { name: 'probe', uid: '7d3c9e4a-0000-4000-8000-000000000001' },
      node: 'node-a',
      fault: fault as never,
      target: {
        pod: { namespace: 'shop', name: 'web-1', uid: '7d3c9e4a-0000-4000-8000-000000000002' },
        containerIDs: ['containerd://0123456789abcdef'],
      },
      deadline: '2030-01-02T03:04:05Z',
      tag: 'cc0123456789ab',
    },
  };
}

interface Verdicts {
  schema: string[];
  agent: string[];
}

function verdicts(fault: unknown): Verdicts {
  const injection = injectionAround(fault);
  const report = validateText({ file: 'injection.json', text: JSON.stringify(injection) });
  const schema = report.diagnostics.map((d) => `${d.field}: ${d.message}`);
  const checked = checkInjection({ injection, nodeName: 'node-a', faults });
  const agent = checked.ok ? [] : checked.issues.map((issue) => `${issue.path}: ${issue.message}`);
  return { schema, agent };
}

function assertAgree(what: string, fault: unknown): boolean {
  const { schema, agent } = verdicts(fault);
  assert.equal(
    schema.length === 0,
    agent.length === 0,
    `${what}: the sides disagree\n  schema: ${schema.join('; ') || 'accepted'}\n  agent: ${agent.join('; ') || 'accepted'}`,
  );
  return schema.length === 0;
}

function at(value: unknown, ...path: string[]): unknown {
  let node = value;
  for (const key of path)
    node = typeof node === 'object' && node !== null ? (node as Record<string, unknown>)[key] : undefined;
  return node;
}

/** The fault items of a ChaosCraft object, wherever its kind keeps them. */
function faultItemsOf(object: unknown): unknown[] {
  const list = (value: unknown) => (Array.isArray(value) ? value : []);
  switch (at(object, 'kind')) {
    case 'ChaosExperiment':
      return list(at(object, 'spec', 'faults'));
    case 'ChaosSchedule':
      return list(at(object, 'spec', 'template', 'spec', 'faults'));
    case 'ChaosInjection':
      return at(object, 'spec', 'fault') === undefined ? [] : [at(object, 'spec', 'fault')];
    default:
      return [];
  }
}

/** The document as plain data, or undefined when it cannot be read (a YAML error, an alias bomb). */
function readable(document: ReturnType<typeof parseAllDocuments>[number]): unknown {
  if (!('errors' in document) || document.errors.length > 0) return undefined;
  try {
    return document.toJS();
  } catch {
    return undefined;
  }
}

function* yamlFiles(dir: string): Generator<string> {
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) yield* yamlFiles(path);
    else if (/\.ya?ml$/.test(entry.name)) yield path;
  }
}

test('every fault in the fixtures and examples gets the same verdict from the schema and the agent', () => {
  let compared = 0;
  const outcomes = new Set<boolean>();
  for (const file of [
    ...yamlFiles(join(root, 'test/fixtures/validate')),
    ...yamlFiles(join(root, 'examples')),
  ]) {
    for (const document of parseAllDocuments(readFileSync(file, 'utf8'))) {
      faultItemsOf(readable(document)).forEach((fault, index) => {
        outcomes.add(assertAgree(`${file.slice(root.length + 1)} fault ${index}`, fault));
        compared++;
      });
    }
  }
  assert.ok(compared >= 25, `only ${compared} faults compared`);
  assert.deepEqual([...outcomes].sort(), [false, true], 'the fixtures hold both accepted and refused faults');
});

/** [fault kind, params, accepted?] at each boundary the schema or the agent draws. */
const cases: [string, unknown, boolean][] = [
  // Shared network scope, via networkLoss.
  ['networkLoss', { percent: 1 }, true],
  ['networkLoss', { percent: 100 }, true],
  ['networkLoss', { percent: 0 }, false],
  ['networkLoss', { percent: 101 }, false],
  ['networkLoss', { percent: 1.5 }, false],
  ['networkLoss', { percent: '5' }, false],
  ['networkLoss', {}, false],
  ['networkLoss', 'percent=5', false],
  ['networkLoss', { percent: 5, extra: true }, false],
  ['networkLoss', { percent: 5, direction: 'ingress' }, true],
  ['networkLoss', { percent: 5, direction: 'both' }, true],
  ['networkLoss', { percent: 5, direction: 'sideways' }, false],
  ['networkLoss', { percent: 5, interfaces: ['eth0'] }, true],
  ['networkLoss', { percent: 5, interfaces: [] }, false],
  ['networkLoss', { percent: 5, interfaces: ['a'.repeat(15)] }, true],
  ['networkLoss', { percent: 5, interfaces: ['a'.repeat(16)] }, false],
  ['networkLoss', { percent: 5, interfaces: ['eth0;reboot'] }, false],
  ['networkLoss', { percent: 5, interfaces: Array.from({ length: 16 }, (_, i) => `eth${i}`) }, true],
  ['networkLoss', { percent: 5, interfaces: Array.from({ length: 17 }, (_, i) => `eth${i}`) }, false],
  ['networkLoss', { percent: 5, ports: [1, 65535] }, true],
  ['networkLoss', { percent: 5, ports: [0] }, false],
  ['networkLoss', { percent: 5, ports: [65536] }, false],
  ['networkLoss', { percent: 5, ports: [] }, false],
  ['networkLoss', { percent: 5, ports: Array.from({ length: 32 }, (_, i) => i + 1) }, true],
  ['networkLoss', { percent: 5, ports: Array.from({ length: 33 }, (_, i) => i + 1) }, false],
  ['networkLoss', { percent: 5, protocol: 'icmp' }, true],
  ['networkLoss', { percent: 5, protocol: 'icmp', ports: [80] }, false],
  ['networkLoss', { percent: 5, protocol: 'udp', ports: [53] }, true],
  ['networkLoss', { percent: 5, protocol: 'all', ports: [53] }, true],
  ['networkLoss', { percent: 5, protocol: 'sctp' }, false],
  ['networkLoss', { percent: 5, cidrs: ['0.0.0.0/0', '::/0'] }, true],
  ['networkLoss', { percent: 5, cidrs: [] }, false],
  ['networkLoss', { percent: 5, cidrs: Array.from({ length: 32 }, (_, i) => `10.${i}.0.0/16`) }, true],
  ['networkLoss', { percent: 5, cidrs: Array.from({ length: 33 }, (_, i) => `10.${i}.0.0/16`) }, false],
  ['networkLoss', { percent: 5, cidrs: ['10.0.0.0/32'] }, true],
  ['networkLoss', { percent: 5, cidrs: ['10.0.0.0/33'] }, false],
  ['networkLoss', { percent: 5, cidrs: ['fd00::/128'] }, true],
  ['networkLoss', { percent: 5, cidrs: ['fd00::/129'] }, false],
  ['networkLoss', { percent: 5, cidrs: ['::ffff:10.0.0.1/128'] }, true],
  ['networkLoss', { percent: 5, cidrs: ['1::2::3/64'] }, false],
  ['networkLoss', { percent: 5, cidrs: ['fe80::1%eth0/64'] }, false],
  ['networkLoss', { percent: 5, cidrs: ['010.0.0.0/8'] }, false],
  ['networkLoss', { percent: 5, cidrs: ['10.0.0.0'] }, false],
  ['networkLoss', { percent: 5, cidrs: ['10.0.0.0/8 ; reboot'] }, false],
  // networkPartition: cidrs required, both directions by default.
  ['networkPartition', { cidrs: ['10.0.0.0/8'] }, true],
  ['networkPartition', { cidrs: ['10.0.0.0/8'], direction: 'ingress', ports: [443], protocol: 'tcp' }, true],
  ['networkPartition', {}, false],
  ['networkPartition', { cidrs: [] }, false],
  ['networkPartition', { cidrs: ['10.0.0.0/8'], protocol: 'icmp', ports: [1] }, false],
  // networkLatency: delays, correlation, egress only.
  ['networkLatency', { latency: '1us' }, true],
  ['networkLatency', { latency: '60s' }, true],
  ['networkLatency', { latency: '1m' }, true],
  ['networkLatency', { latency: '59.999999s' }, true],
  ['networkLatency', { latency: '60.000001s' }, false],
  ['networkLatency', { latency: '61s' }, false],
  ['networkLatency', { latency: '1h' }, false],
  ['networkLatency', { latency: '0s' }, false],
  ['networkLatency', { latency: '0.4us' }, false],
  ['networkLatency', { latency: '100' }, false],
  ['networkLatency', { latency: '-1s' }, false],
  ['networkLatency', { latency: `${'1'.repeat(30)}ms` }, false],
  ['networkLatency', { latency: '10ms', jitter: '0s' }, true],
  ['networkLatency', { latency: '10ms', jitter: '60s' }, true],
  ['networkLatency', { latency: '10ms', jitter: '61s' }, false],
  ['networkLatency', { latency: '10ms', jitter: '1ms', correlation: 0 }, true],
  ['networkLatency', { latency: '10ms', jitter: '1ms', correlation: 100 }, true],
  ['networkLatency', { latency: '10ms', jitter: '1ms', correlation: 101 }, false],
  ['networkLatency', { latency: '10ms', jitter: '1ms', correlation: -1 }, false],
  ['networkLatency', { latency: '10ms', correlation: 25 }, false],
  ['networkLatency', { latency: '10ms', direction: 'egress' }, true],
  ['networkLatency', { latency: '10ms', direction: 'ingress' }, false],
  ['networkLatency', { latency: '10ms', direction: 'both' }, false],
  ['networkLatency', { latency: '10ms', protocol: 'icmp', ports: [80] }, false],
  // networkBandwidth: rate, bucket and queue bounds.
  ['networkBandwidth', { rate: '1bit' }, true],
  ['networkBandwidth', { rate: '9999999999gbit' }, true],
  ['networkBandwidth', { rate: '10000000000gbit' }, false],
  ['networkBandwidth', { rate: '0mbit' }, false],
  ['networkBandwidth', { rate: '10Mbit' }, false],
  ['networkBandwidth', { rate: '1mbit', burst: 1600, limit: 1600 }, true],
  ['networkBandwidth', { rate: '1mbit', burst: 1599 }, false],
  ['networkBandwidth', { rate: '1mbit', burst: 64 }, false],
  ['networkBandwidth', { rate: '1mbit', limit: 1599 }, false],
  ['networkBandwidth', { rate: '1mbit', burst: 1073741824, limit: 1073741824 }, true],
  ['networkBandwidth', { rate: '1mbit', burst: 1073741825 }, false],
  ['networkBandwidth', { rate: '1mbit', limit: 1073741825 }, false],
  ['networkBandwidth', { rate: '1mbit', direction: 'ingress' }, false],
  ['networkBandwidth', { rate: '1mbit', cidrs: ['10.0.0.0/8'], ports: [443] }, true],
  // Stress.
  ['cpuStress', { workers: 1 }, true],
  ['cpuStress', { workers: 64, load: 100 }, true],
  ['cpuStress', { workers: 1, load: 1 }, true],
  ['cpuStress', { workers: 0 }, false],
  ['cpuStress', { workers: 65 }, false],
  ['cpuStress', { workers: 1, load: 0 }, false],
  ['cpuStress', { workers: 1, load: 101 }, false],
  ['cpuStress', { load: 50 }, false],
  ['memoryStress', { size: '1Ki' }, true],
  ['memoryStress', { size: '9999999Gi', workers: 16 }, true],
  ['memoryStress', { size: '10000000Gi' }, false],
  ['memoryStress', { size: '0Mi' }, false],
  ['memoryStress', { size: '1Ti' }, false],
  ['memoryStress', { size: '64Mi', workers: 0 }, false],
  ['memoryStress', { size: '64Mi', workers: 17 }, false],
  // Signals and pausing.
  ['processKill', {}, true],
  ['processKill', { signal: 'SIGTERM' }, true],
  ['processKill', { signal: 'SIGSTOP' }, false],
  ['processKill', { signal: 9 }, false],
  ['containerKill', { signal: 'SIGUSR2' }, true],
  ['containerKill', { signal: 'sigkill' }, false],
  ['processPause', { method: 'freeze' }, true],
  ['processPause', { method: 'sleep' }, false],
  // Pod faults are the controller's: a ChaosInjection cannot carry them, on either side.
  ['podKill', {}, false],
  ['podFailure', {}, false],
];

for (const [kind, params, accepted] of cases) {
  test(`${kind} ${JSON.stringify(params)} is ${accepted ? 'accepted' : 'refused'} by both sides`, () => {
    assert.equal(assertAgree(kind, { [kind]: params }), accepted);
  });
}

test('the shape of the item itself: a name, no kind, two kinds', () => {
  assert.equal(assertAgree('named', { name: 'loss', networkLoss: { percent: 5 } }), true);
  assert.equal(assertAgree('no kind', { name: 'loss' }), false);
  assert.equal(assertAgree('two kinds', { networkLoss: { percent: 5 }, cpuStress: { workers: 1 } }), false);
});
