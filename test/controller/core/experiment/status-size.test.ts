// The status stays under etcd's 1.5 MiB for every run admission lets start: records are bounded by
// their measured size at their largest, everything else by construction.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { ChaosExperimentSpec } from '../../../../controller/api/types.generated.ts';
import { objectLimitBytes } from '../../../../controller/core/experiment/status-size.ts';
import type { Candidate } from '../../../../controller/core/experiment/types.ts';
import { World } from './world.ts';

/** Pods as a ReplicaSet names them, with real-length UIDs. */
function replicaSetPods(count: number, nameLength?: number): Candidate[] {
  return Array.from({ length: count }, (_, i) => {
    const suffix = `-5d9c7b8f4-${i.toString(36).padStart(5, '0')}`;
    const name = nameLength ? `${'w'.repeat(nameLength - suffix.length)}${suffix}` : `checkout${suffix}`;
    return {
      kind: 'Pod' as const,
      namespace: 'shop',
      name,
      uid: `0f8b3c1e-2d4a-4b6c-8e9f-${i.toString(16).padStart(12, '0')}`,
      node: `ip-10-0-${i % 250}-${i % 199}.eu-west-1.compute.internal`,
      workload: 'shop/ReplicaSet/checkout',
    };
  });
}

/** The whole object as the API server would store it: spec, metadata, status. */
function storedBytes(world: World): number {
  return Buffer.byteLength(JSON.stringify(world.experiment));
}

test('6,000 pods with ReplicaSet names: admitted, and the finished status fits with room', () => {
  const world = new World({ spec: { mode: 'all', duration: '1m' }, candidates: replicaSetPods(6000) });
  world.runToEnd();
  assert.equal(world.condition('Succeeded')?.reason, 'Completed');
  const bytes = storedBytes(world);
  assert.ok(bytes < objectLimitBytes * 0.9, `${bytes} bytes stored`);
});

test('pods with the longest legal names: refused when they would not fit, never stuck', () => {
  const world = new World({ spec: { mode: 'all', duration: '1m' }, candidates: replicaSetPods(4000, 253) });
  world.runToEnd();
  assert.equal(world.condition('Succeeded')?.reason, 'PolicyDenied');
  assert.match(
    world.condition('Succeeded')!.message,
    /4000 target records .* more than the \d+ KiB an object has room for/,
  );
});

test('at the bound, with the longest names, node faults and every record failing: the status still fits', () => {
  // Find the largest run admission lets start, then make it as big as it can get.
  const spec: Partial<ChaosExperimentSpec> = {
    mode: 'all',
    duration: '1m',
    faults: [{ networkLoss: { percent: 50 } }],
    hypothesis: {
      probes: Array.from({ length: 16 }, (_, i) => ({
        name: `probe-${i}`,
        http: { url: `http://checkout.shop.svc/${'p'.repeat(200)}` },
        when: ['before', 'during', 'after'],
      })),
    },
  } as Partial<ChaosExperimentSpec>;
  let low = 100;
  let high = 6000;
  while (low < high) {
    const mid = Math.ceil((low + high) / 2);
    const probe = new World({ spec, candidates: replicaSetPods(mid, 253) });
    probe.step();
    probe.step();
    if (probe.experiment.status?.targets) low = mid;
    else high = mid - 1;
  }
  const longMessage = `NetemUnavailable: ${'x'.repeat(5000)}`;
  const world = new World({
    spec,
    candidates: replicaSetPods(low, 253),
    probe: () => 'Error',
    inject: () => ({ ok: false, retryable: false, message: longMessage }),
  });
  world.experiment.metadata.name = 'e'.repeat(253);
  world.runToEnd(400);
  const bytes = storedBytes(world);
  assert.ok(low > 1000, `${low} records admitted at the bound`);
  assert.ok(bytes < objectLimitBytes, `${bytes} bytes stored with ${low} records`);
});
