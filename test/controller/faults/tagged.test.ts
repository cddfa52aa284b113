/** Finding and sweeping leftovers by tag after an agent restart (root: real namespaces and cgroups). */
import assert from 'node:assert/strict';
import { after, describe, test } from 'node:test';
import { createFaultRegistry } from '../../../controller/faults/registry.ts';
import { isOwnedBy, listTagged, sweepUnowned } from '../../../controller/faults/tagged.ts';
import { tcMajorForTag } from '../../../controller/faults/tags.ts';
import { hasProgram } from '../../../controller/host/command.ts';
import { createNetnsPair, type NetnsPair, netnsUnavailableReason } from '../../support/netns.ts';
import { type CgroupFixture, createCgroupFixture } from './cgroup-fixture.ts';
import { newTag } from './conformance.ts';

const skip =
  netnsUnavailableReason() ??
  (['nft', 'tc', 'ip', 'stress-ng'].every((tool) => hasProgram(tool as 'nft'))
    ? undefined
    : 'nft, tc, ip or stress-ng missing');

test('isOwnedBy matches tc qdiscs through the handle derived from a live tag', () => {
  const tag = newTag();
  const change = {
    type: 'tcQdisc' as const,
    interfaceName: 'eth0',
    handle: `${tcMajorForTag(tag)}:`,
    qdiscKind: 'tbf',
  };
  assert.equal(isOwnedBy(change, new Set([tag])), true);
  assert.equal(isOwnedBy(change, new Set([newTag()])), false);
  assert.equal(isOwnedBy({ type: 'nftTable', tag }, new Set([tag])), true);
});

describe('listTagged and sweepUnowned', { skip }, () => {
  let pair: NetnsPair;
  let cgroup: CgroupFixture;
  after(async () => {
    await pair?.destroy();
    await cgroup?.kill();
  });

  test('lists every tagged change and removes only those no live injection owns', async () => {
    pair = await createNetnsPair();
    cgroup = await createCgroupFixture();
    const faults = createFaultRegistry();
    const netTarget = { id: 'a', netnsPath: pair.a.path };
    const live = newTag();
    const orphanLoss = newTag();
    const orphanBandwidth = newTag();
    const orphanStress = newTag();
    await faults.networkLoss.inject({ target: netTarget, params: { percent: 5 }, tag: live });
    await faults.networkPartition.inject({
      target: netTarget,
      params: { cidrs: ['10.213.250.0/24'] },
      tag: orphanLoss,
    });
    await faults.networkBandwidth.inject({
      target: netTarget,
      params: { rate: '100mbit' },
      tag: orphanBandwidth,
    });
    await faults.cpuStress.inject({
      target: cgroup.target,
      params: { workers: 1, load: 5 },
      tag: orphanStress,
    });

    const listed = await listTagged({ netnsPath: pair.a.path });
    assert.deepEqual(
      listed
        .map((change) => (change.type === 'tcQdisc' ? `tc:${change.handle}` : `${change.type}:${change.tag}`))
        .sort(),
      [`nftTable:${live}`, `nftTable:${orphanLoss}`, `tc:${tcMajorForTag(orphanBandwidth)}:`].sort(),
    );
    const stress = await listTagged({ cgroupPath: cgroup.cgroupPath });
    assert.deepEqual(
      stress.map((change) => change.type === 'stressProcess' && change.tag),
      [orphanStress],
    );

    const removed = await sweepUnowned({ netnsPath: pair.a.path, liveTags: new Set([live]) });
    assert.equal(removed.length, 2);
    await sweepUnowned({ cgroupPath: cgroup.cgroupPath, liveTags: new Set([live]) });
    assert.deepEqual(await listTagged({ cgroupPath: cgroup.cgroupPath }), []);
    assert.deepEqual(await listTagged({ netnsPath: pair.a.path }), [
      { type: 'nftTable', tag: live, netnsPath: pair.a.path },
    ]);
    assert.equal(
      (await faults.networkLoss.verify({ target: netTarget, tag: live })).present,
      true,
      'the live injection is untouched',
    );
  });
});
