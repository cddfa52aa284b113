import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { leaseFromV1, leaseToV1 } from '../../../controller/kube/kube-lease-client.ts';
import type { Lease } from '../../../controller/runtime/lease-client.ts';

describe('kube lease mapping', () => {
  test('round-trips a lease and writes MicroTime with microseconds', () => {
    const lease: Lease = {
      namespace: 'ns',
      name: 'l',
      resourceVersion: '42',
      holderIdentity: 'pod-a',
      leaseDurationSeconds: 15,
      acquireTime: new Date('2025-01-02T03:04:05.678Z'),
      renewTime: new Date('2025-01-02T03:04:06.789Z'),
      leaseTransitions: 3,
    };
    const v1 = leaseToV1(lease);
    const wire = JSON.parse(JSON.stringify(v1)) as { spec: { renewTime: string } };
    assert.equal(wire.spec.renewTime, '2025-01-02T03:04:06.789000Z');
    // Reading back, the generated client hands MicroTime fields over as strings.
    assert.deepEqual(leaseFromV1(wire as never), lease);
  });
});
