// Naming the faults of a spec. Which side carries out a kind is the contract's (api/contract.ts).
import type { FaultKind } from '../../api/contract.ts';
import type { ChaosExperimentSpec, Fault } from '../../api/types.generated.ts';

export function faultKind(fault: Fault): FaultKind {
  const kind = Object.keys(fault).find((k) => k !== 'name');
  if (!kind) throw new Error('fault has no kind');
  return kind as FaultKind;
}

/** The fault's name in status and reports: its own, or kind and position. */
export function faultName(fault: Fault, index: number): string {
  return fault.name ?? `${faultKind(fault).toLowerCase()}-${index}`;
}

export function namedFaults(spec: ChaosExperimentSpec): { name: string; kind: FaultKind; fault: Fault }[] {
  return spec.faults.map((fault, index) => ({
    name: faultName(fault, index),
    kind: faultKind(fault),
    fault,
  }));
}
