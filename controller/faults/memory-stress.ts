/** memoryStress: stress-ng VM workers that allocate and keep touching memory inside the target's cgroup. */
import type { Fault } from './fault.ts';
import type { FaultParamsByKind, MemoryStressParams } from './params.ts';
import { createStressFault } from './stress.ts';

/** Splits a size the schema already checked (`256Mi`) into its number and unit. */
function splitSize(size: string): { amount: number; unit: 'Ki' | 'Mi' | 'Gi' } {
  const match = /^([0-9]+)(Ki|Mi|Gi)$/.exec(size);
  if (!match) throw new RangeError(`not a memory size: ${size}`);
  return { amount: Number(match[1]), unit: match[2] as 'Ki' | 'Mi' | 'Gi' };
}

/** Kubernetes-style `256Mi` to stress-ng's `256m` (stress-ng's k/m/g are binary multiples). */
export function toStressNgSize(size: string): string {
  const { amount, unit } = splitSize(size);
  return `${amount}${unit[0]!.toLowerCase()}`;
}

export function memoryStressArgs(params: MemoryStressParams): string[] {
  const { workers } = params;
  // --vm-bytes is split across the vm workers by stress-ng, so ask for size x workers to get size each.
  const { amount, unit } = splitSize(params.size);
  const total = `${amount * workers}${unit}`;
  return ['--vm', String(workers), '--vm-bytes', toStressNgSize(total), '--vm-keep', '--quiet'];
}

export function createMemoryStressFault(): Fault<FaultParamsByKind['memoryStress']> {
  return createStressFault({ kind: 'memoryStress', stressArgs: memoryStressArgs });
}
