/** Runs the shared conformance suite against every node fault, on real namespaces and cgroups (root). */

import { isFaultError } from '../../../controller/faults/errors.ts';
import type { Fault, Target } from '../../../controller/faults/fault.ts';
import { listTaggedTables } from '../../../controller/faults/nft.ts';
import type { FaultParamsByKind, NodeFaultKind } from '../../../controller/faults/params.ts';
import { createFaultRegistry } from '../../../controller/faults/registry.ts';
import { findTaggedStressProcesses } from '../../../controller/faults/stress.ts';
import { tcMajorForTag } from '../../../controller/faults/tags.ts';
import { listRootQdiscs } from '../../../controller/faults/tc.ts';
import { readCgroupFrozen } from '../../../controller/host/cgroup-v2.ts';
import { hasProgram } from '../../../controller/host/command.ts';
import { readProcessStat } from '../../../controller/host/proc.ts';
import { createNetnsPair, netnsUnavailableReason } from '../../support/netns.ts';
import { cgroupUnavailableReason, createCgroupFixture } from './cgroup-fixture.ts';
import { type ConformanceTarget, describeConformance, newTag } from './conformance.ts';

function faultOf<K extends NodeFaultKind>(kind: K): () => Fault<FaultParamsByKind[K]> {
  return () => createFaultRegistry()[kind] as Fault<FaultParamsByKind[K]>;
}

function needs(...tools: Array<'nft' | 'tc' | 'ip' | 'stress-ng'>): () => string | undefined {
  return () => {
    const missing = tools.filter((tool) => !hasProgram(tool));
    return missing.length > 0
      ? `${missing.join(', ')} not installed (scripts/setup.sh installs them as root)`
      : undefined;
  };
}

function either(...checks: Array<() => string | undefined>): () => string | undefined {
  return () => checks.map((check) => check()).find((reason) => reason !== undefined);
}

async function netnsTarget(): Promise<ConformanceTarget> {
  const pair = await createNetnsPair();
  return {
    target: { id: 'netns/a', netnsPath: pair.a.path },
    killTarget: pair.destroy,
    dispose: pair.destroy,
  };
}

async function cgroupTarget(): Promise<ConformanceTarget> {
  const fixture = await createCgroupFixture();
  return { target: fixture.target, killTarget: fixture.kill, dispose: fixture.kill };
}

const countTables = async (target: Target, tag: string) =>
  (await listTaggedTables({ netnsPath: target.netnsPath })).filter((found) => found === tag).length;

const countQdiscs = async (target: Target, tag: string) =>
  (await listRootQdiscs({ netnsPath: target.netnsPath })).filter((q) => q.handle === `${tcMajorForTag(tag)}:`)
    .length;

/** stress-ng runs = tagged processes whose parent is not tagged (workers are children of the run's main process). */
async function countStressRuns(target: Target, tag: string): Promise<number> {
  const tagged = await findTaggedStressProcesses({ cgroupPath: target.cgroupPath!, tag });
  const pids = new Set(tagged.map((ref) => ref.pid));
  let runs = 0;
  for (const ref of tagged) {
    const stat = await readProcessStat({ pid: ref.pid });
    if (stat && !pids.has(stat.ppid)) runs++;
  }
  return runs;
}

async function countStopped(target: Target): Promise<number> {
  let stopped = 0;
  for (const ref of target.processes ?? []) {
    const stat = await readProcessStat({ pid: ref.pid });
    if (stat?.startTime === ref.startTime && stat.state === 'T') stopped++;
  }
  return stopped;
}

/** Whether this kernel can create a netem qdisc, asked the way the fault asks (inside a throwaway netns). */
async function netemReason(): Promise<string | undefined> {
  if (netnsUnavailableReason() || needs('tc', 'ip')()) return undefined;
  const pair = await createNetnsPair();
  try {
    const fault = createFaultRegistry().networkLatency;
    const tag = newTag();
    await fault.inject({ target: { id: 'probe', netnsPath: pair.a.path }, params: { latency: '1ms' }, tag });
    await fault.recover({ target: { id: 'probe', netnsPath: pair.a.path }, tag });
    return undefined;
  } catch (error) {
    if (isFaultError(error, 'NetemUnavailable')) return `this kernel lacks sch_netem: ${error.message}`;
    throw error;
  } finally {
    await pair.destroy();
  }
}

const netemSkip = await netemReason();
const onNetns = either(netnsUnavailableReason, needs('nft', 'tc', 'ip'));
const onCgroup = either(cgroupUnavailableReason, needs('stress-ng'));

describeConformance({
  name: 'networkLoss',
  createFault: faultOf('networkLoss'),
  params: { percent: 30, interfaces: ['eth0'] },
  skipReason: onNetns,
  setup: netnsTarget,
  countChanges: countTables,
  expectedAfterInject: 1,
  listTaggedScope: (target) => ({ netnsPath: target.netnsPath }),
});

describeConformance({
  name: 'networkPartition',
  createFault: faultOf('networkPartition'),
  params: { cidrs: ['10.213.0.0/16', 'fd00:213::/64'], ports: [80, 443], direction: 'both' },
  skipReason: onNetns,
  setup: netnsTarget,
  countChanges: countTables,
  expectedAfterInject: 1,
  listTaggedScope: (target) => ({ netnsPath: target.netnsPath }),
});

describeConformance({
  name: 'networkBandwidth (unscoped, tbf)',
  createFault: faultOf('networkBandwidth'),
  params: { rate: '8mbit' },
  skipReason: onNetns,
  setup: netnsTarget,
  countChanges: countQdiscs,
  expectedAfterInject: 1,
  listTaggedScope: (target) => ({ netnsPath: target.netnsPath }),
});

describeConformance({
  name: 'networkBandwidth (scoped, htb + nft steering)',
  createFault: faultOf('networkBandwidth'),
  params: { rate: '8mbit', cidrs: ['10.213.0.0/16'], ports: [5201] },
  skipReason: onNetns,
  setup: netnsTarget,
  // One root qdisc plus one steering table per injection.
  countChanges: async (target, tag) => (await countQdiscs(target, tag)) + (await countTables(target, tag)),
  expectedAfterInject: 2,
  listTaggedScope: (target) => ({ netnsPath: target.netnsPath }),
});

describeConformance({
  name: 'networkLatency',
  createFault: faultOf('networkLatency'),
  params: { latency: '50ms', jitter: '5ms', correlation: 25 },
  skipReason: either(onNetns, () => netemSkip),
  setup: netnsTarget,
  countChanges: countQdiscs,
  expectedAfterInject: 1,
  listTaggedScope: (target) => ({ netnsPath: target.netnsPath }),
});

describeConformance({
  name: 'cpuStress',
  createFault: faultOf('cpuStress'),
  params: { workers: 1, load: 10 },
  skipReason: onCgroup,
  setup: cgroupTarget,
  countChanges: countStressRuns,
  expectedAfterInject: 1,
  listTaggedScope: (target) => ({ cgroupPath: target.cgroupPath }),
});

describeConformance({
  name: 'memoryStress',
  createFault: faultOf('memoryStress'),
  params: { size: '16Mi', workers: 1 },
  skipReason: onCgroup,
  setup: cgroupTarget,
  countChanges: countStressRuns,
  expectedAfterInject: 1,
  listTaggedScope: (target) => ({ cgroupPath: target.cgroupPath }),
});

describeConformance({
  name: 'processKill',
  createFault: faultOf('processKill'),
  params: { signal: 'SIGKILL' },
  skipReason: cgroupUnavailableReason,
  setup: cgroupTarget,
  countChanges: async () => 0,
  expectedAfterInject: 0,
});

describeConformance({
  name: 'containerKill',
  createFault: faultOf('containerKill'),
  params: {},
  skipReason: cgroupUnavailableReason,
  setup: cgroupTarget,
  countChanges: async () => 0,
  expectedAfterInject: 0,
});

describeConformance({
  name: 'processPause (signal)',
  createFault: faultOf('processPause'),
  params: { method: 'signal' },
  skipReason: cgroupUnavailableReason,
  setup: cgroupTarget,
  countChanges: countStopped,
  expectedAfterInject: 1,
});

describeConformance({
  name: 'processPause (freeze)',
  createFault: faultOf('processPause'),
  params: { method: 'freeze' },
  skipReason: cgroupUnavailableReason,
  setup: cgroupTarget,
  countChanges: async (target) => ((await readCgroupFrozen({ cgroupPath: target.cgroupPath! })) ? 1 : 0),
  expectedAfterInject: 1,
});
