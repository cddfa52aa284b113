// How big an experiment's status may grow. etcd refuses any object over 1.5 MiB, and a status the
// API server refuses leaves a run unable to record anything, stuck. So the target records are
// bounded by their measured size at their largest, before the run starts, and every other part of
// the status is bounded by construction.

import { isPodFaultKind } from '../../api/contract.ts';
import type { TargetRecord } from '../../api/types.generated.ts';

/** etcd's default request limit, which bounds every stored object. */
export const objectLimitBytes = 1_572_864;

/**
 * Kept free for everything but the target records, about twice what they can take: conditions
 * (≤ 6, messages ≤ 4 KiB: 26 KiB), probe results (≤ 48, messages ≤ 1 KiB: 60 KiB), the report and
 * the abort (messages ≤ 4 KiB each), metadata and managedFields. The spec counts on top, twice (the
 * object and an applied-configuration annotation).
 */
export const reservedBytes = 192 * 1024;

/** Records that keep their failure message; later failures are counted in the conditions only. */
export const maxRecordMessages = 50;

const timestamp = '2026-01-01T00:00:00.000Z';

/**
 * A record at its largest: recovered with both times and, for a node fault, the name of its
 * ChaosInjection (the experiment's name, cut at 200, and 11 characters). One-shot pod faults keep
 * no recovery time: there is nothing to undo.
 */
export function largestRecordBytes(record: TargetRecord, experimentName: string): number {
  const pod = isPodFaultKind(record.faultKind ?? '');
  const largest: TargetRecord = {
    ...record,
    state: 'recovered',
    injectedAt: timestamp,
    ...(pod ? {} : { recoveredAt: timestamp, injection: `${experimentName.slice(0, 200)}-0123456789` }),
  };
  // A comma between records in the array.
  return Buffer.byteLength(JSON.stringify(largest)) + 1;
}

/** Room for target records in an experiment with this spec. */
export function recordBudgetBytes(specBytes: number): number {
  return objectLimitBytes - reservedBytes - 2 * specBytes;
}

/** Keeps the failure messages of the first records that have one; drops the rest (mutates). */
export function pruneRecordMessages(records: readonly TargetRecord[] | undefined): void {
  let kept = 0;
  for (const record of records ?? []) {
    if (record.message === undefined) continue;
    if (kept < maxRecordMessages) kept++;
    else delete record.message;
  }
}
