/** Container cgroup paths as kubelet + containerd / CRI-O / cri-dockerd lay them out, from real-world shapes. */
import assert from 'node:assert/strict';
import { mkdir, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { describe, test } from 'node:test';
import {
  candidateContainerCgroupPaths,
  parseContainerCgroupPath,
  parseContainerStatusId,
  resolveContainerCgroup,
} from '../../../controller/host/container-paths.ts';

const uid = '6a1d2b3c-4e5f-4a6b-8c7d-9e0f1a2b3c4d';
const uidUnderscored = '6a1d2b3c_4e5f_4a6b_8c7d_9e0f1a2b3c4d';
const id = 'f2c7b0d1e9a84c3b5a6d7e8f9012345678901234567890abcdef0123456789ab';

const samples: Array<[string, ReturnType<typeof parseContainerCgroupPath>]> = [
  [
    `/kubepods.slice/kubepods-burstable.slice/kubepods-burstable-pod${uidUnderscored}.slice/cri-containerd-${id}.scope`,
    { podUid: uid, containerId: id, qosClass: 'Burstable', driver: 'systemd', runtime: 'containerd' },
  ],
  [
    `/kubepods.slice/kubepods-pod${uidUnderscored}.slice/cri-containerd-${id}.scope`,
    { podUid: uid, containerId: id, qosClass: 'Guaranteed', driver: 'systemd', runtime: 'containerd' },
  ],
  [
    `/kubepods.slice/kubepods-besteffort.slice/kubepods-besteffort-pod${uidUnderscored}.slice/crio-${id}.scope`,
    { podUid: uid, containerId: id, qosClass: 'BestEffort', driver: 'systemd', runtime: 'cri-o' },
  ],
  [
    `/kubepods.slice/kubepods-burstable.slice/kubepods-burstable-pod${uidUnderscored}.slice/docker-${id}.scope`,
    { podUid: uid, containerId: id, qosClass: 'Burstable', driver: 'systemd', runtime: 'docker' },
  ],
  // kind runs kubelet with --cgroup-root=/kubelet, which prefixes every slice.
  [
    `/kubelet.slice/kubelet-kubepods.slice/kubelet-kubepods-besteffort.slice/kubelet-kubepods-besteffort-pod${uidUnderscored}.slice/cri-containerd-${id}.scope`,
    { podUid: uid, containerId: id, qosClass: 'BestEffort', driver: 'systemd', runtime: 'containerd' },
  ],
  [
    `/kubepods/burstable/pod${uid}/${id}`,
    { podUid: uid, containerId: id, qosClass: 'Burstable', driver: 'cgroupfs' },
  ],
  [`/kubepods/pod${uid}/${id}`, { podUid: uid, containerId: id, qosClass: 'Guaranteed', driver: 'cgroupfs' }],
  [
    `/kubepods/besteffort/pod${uid}/crio-${id}`,
    { podUid: uid, containerId: id, qosClass: 'BestEffort', driver: 'cgroupfs', runtime: 'cri-o' },
  ],
  // Not containers: the runtime's own service, CRI-O's conmon, a pod-level slice.
  ['/system.slice/containerd.service', undefined],
  [
    `/kubepods.slice/kubepods-burstable.slice/kubepods-burstable-pod${uidUnderscored}.slice/crio-conmon-${id}.scope`,
    undefined,
  ],
  [`/kubepods.slice/kubepods-burstable.slice/kubepods-burstable-pod${uidUnderscored}.slice`, undefined],
];

describe('container cgroup paths', () => {
  for (const [path, expected] of samples) {
    test(`parses ${path.slice(0, 70)}…`, () => {
      assert.deepEqual(parseContainerCgroupPath(path), expected);
    });
  }

  test('every parsed sample is among the candidates generated for its pod and container', () => {
    for (const [path, expected] of samples) {
      if (!expected) continue;
      assert.ok(
        candidateContainerCgroupPaths({
          podUid: expected.podUid,
          containerId: expected.containerId,
        }).includes(path),
        path,
      );
    }
  });

  test('candidates narrow with QoS class and runtime, and refuse malformed IDs', () => {
    const narrow = candidateContainerCgroupPaths({
      podUid: uid,
      containerId: id,
      qosClass: 'Burstable',
      runtime: 'containerd',
      cgroupRoots: [''],
    });
    assert.deepEqual(narrow, [
      `/kubepods.slice/kubepods-burstable.slice/kubepods-burstable-pod${uidUnderscored}.slice/cri-containerd-${id}.scope`,
      `/kubepods/burstable/pod${uid}/${id}`,
    ]);
    assert.throws(() => candidateContainerCgroupPaths({ podUid: '../../etc', containerId: id }), RangeError);
    assert.throws(() => candidateContainerCgroupPaths({ podUid: uid, containerId: 'abc' }), RangeError);
  });

  test('container status IDs carry the runtime', () => {
    assert.deepEqual(parseContainerStatusId(`containerd://${id}`), { runtime: 'containerd', id });
    assert.deepEqual(parseContainerStatusId(`cri-o://${id}`), { runtime: 'cri-o', id });
    assert.deepEqual(parseContainerStatusId(id), { id });
    assert.equal(parseContainerStatusId(`rkt://${id}`), undefined);
    assert.equal(parseContainerStatusId('containerd://short'), undefined);
  });

  test('resolves against a directory tree laid out like a node', async () => {
    const root = await mkdtemp(`${tmpdir()}/ccf-cgroup-`);
    try {
      const relative = `/kubepods.slice/kubepods-besteffort.slice/kubepods-besteffort-pod${uidUnderscored}.slice/crio-${id}.scope`;
      await mkdir(`${root}${relative}`, { recursive: true });
      assert.equal(
        await resolveContainerCgroup({ mounts: [root], podUid: uid, containerId: id }),
        `${root}${relative}`,
      );
      assert.equal(
        await resolveContainerCgroup({ mounts: [root], podUid: uid, containerId: id, runtime: 'containerd' }),
        undefined,
      );
    } finally {
      await rm(root, { recursive: true, force: true });
    }
  });
});
