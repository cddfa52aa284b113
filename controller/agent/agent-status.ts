/**
 * The statuses the agent writes, as pure functions of (injection, outcome, now). Conditions keep the
 * metav1.Condition shape through `setCondition` (lastTransitionTime moves only when a status changes).
 *
 *   Injected True  (Injected)                 the fault is in place; `injectedAt`, `record`
 *   Injected False (<FaultError code>, ...)   the injection failed and is final; nothing stays changed
 *   Recovered True (DeadlineReached | Recovered | ControllerLost | InvalidSpec)   the change was removed
 */
import type { ChaosInjectionStatus } from '../api/types.generated.ts';
import { setCondition } from '../core/conditions.ts';
import type { InjectionRecord } from '../faults/fault.ts';
import type { InjectionObject } from './injection-object.ts';

/** Kubernetes allows 32 KiB in a condition message; a human needs far less. */
const MAX_MESSAGE_LENGTH = 1000;
/** metav1.Condition's reason pattern. */
const REASON_PATTERN = /^[A-Za-z]([A-Za-z0-9_,:]*[A-Za-z0-9_])?$/;

/** The usual reasons; a fault that cannot be continued after a restart reports its error code instead. */
export type RecoveredReason = 'DeadlineReached' | 'Recovered' | 'ControllerLost' | 'InvalidSpec';

function plain(message: string): string {
  const oneLine = message.replace(/\s+/g, ' ').trim();
  return oneLine.length > MAX_MESSAGE_LENGTH ? `${oneLine.slice(0, MAX_MESSAGE_LENGTH - 1)}…` : oneLine;
}

/** A failure code usable as a condition reason; anything else becomes `InjectionFailed`. */
export function reasonFor(code: unknown): string {
  return typeof code === 'string' && code.length <= 64 && REASON_PATTERN.test(code)
    ? code
    : 'InjectionFailed';
}

/** The injection's status with one condition set, and observedGeneration brought up to date. */
function withCondition(
  injection: InjectionObject,
  condition: { type: 'Injected' | 'Recovered'; status: 'True' | 'False'; reason: string; message: string },
  now: Date,
): ChaosInjectionStatus {
  const generation = injection.metadata.generation;
  const status: ChaosInjectionStatus = {
    ...(injection.status ?? {}),
    ...(generation === undefined ? {} : { observedGeneration: generation }),
  };
  return {
    ...status,
    conditions: setCondition(status.conditions, { ...condition, observedGeneration: generation }, now),
  };
}

export function injectedStatus(options: {
  injection: InjectionObject;
  record: InjectionRecord;
  now: Date;
}): ChaosInjectionStatus {
  const { injection, record, now } = options;
  const status = withCondition(
    injection,
    {
      type: 'Injected',
      status: 'True',
      reason: 'Injected',
      message: `${record.kind} applied to ${record.targetId} under tag ${record.tag}`,
    },
    now,
  );
  return {
    ...status,
    injectedAt: status.injectedAt ?? now.toISOString(),
    record: record as unknown as Record<string, never>,
  };
}

export function injectionFailedStatus(options: {
  injection: InjectionObject;
  reason: string;
  message: string;
  now: Date;
}): ChaosInjectionStatus {
  return withCondition(
    options.injection,
    { type: 'Injected', status: 'False', reason: reasonFor(options.reason), message: plain(options.message) },
    options.now,
  );
}

export function recoveredStatus(options: {
  injection: InjectionObject;
  reason: RecoveredReason | (string & {});
  message: string;
  now: Date;
}): ChaosInjectionStatus {
  const status = withCondition(
    options.injection,
    { type: 'Recovered', status: 'True', reason: reasonFor(options.reason), message: plain(options.message) },
    options.now,
  );
  return { ...status, recoveredAt: status.recoveredAt ?? options.now.toISOString() };
}
