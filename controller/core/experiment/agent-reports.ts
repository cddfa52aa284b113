// Node faults are carried out by the agent on the target's node through a ChaosInjection, the
// experiment's child. The controller never asks the agent anything: it reads what the agents
// reported from its cache of those children and folds it into the target records. Pure.
import type { TargetRecord } from '../../api/types.generated.ts';

/** What the cache shows of one ChaosInjection. */
export interface InjectionObservation {
  /** The agent's `Injected` condition: True once the fault is in place, False when it refused or failed. */
  injected?: { status: 'True' | 'False' | 'Unknown'; reason: string; message: string };
  injectedAt?: string;
  /** The agent removed the change (at the deadline, on deletion, or because the controller went silent). */
  recovered?: boolean;
  recoveredAt?: string;
  /** Deletion was asked for; the agent's finalizer keeps the object until the change is undone. */
  deleting: boolean;
}

export interface RunTimeouts {
  /** How long a node agent has to report on an injection before its record fails and it is withdrawn. */
  agentMs: number;
  /** How long recovery may take before the run says it is Stalled (it keeps waiting: never given up). */
  recoveryMs: number;
}

export const defaultRunTimeouts: RunTimeouts = { agentMs: 30_000, recoveryMs: 120_000 };

/**
 * Once the run's planned end has passed by this much, an agent recovers on its own even if nobody
 * asks it to (the dead-man switch).
 */
export const deadlineGraceMs = 30_000;

/** Folds the agents' reports into the records (mutates the given clone). */
export function foldAgentReports(
  records: readonly TargetRecord[],
  injections: ReadonlyMap<string, InjectionObservation>,
): void {
  for (const record of records) {
    const seen = record.injection ? injections.get(record.injection) : undefined;
    if (!seen) continue;
    if (record.state === 'pending' && seen.injected?.status === 'True') {
      record.state = 'injected';
      if (seen.injectedAt) record.injectedAt = seen.injectedAt;
      delete record.message;
    } else if (record.state === 'pending' && seen.injected?.status === 'False') {
      record.state = 'failed';
      record.message = boundedMessage(`${seen.injected.reason}: ${seen.injected.message}`);
    }
    if (record.state === 'injected' && seen.recovered) {
      // Undone by the agent on its own; the object itself is still removed in recovery.
      record.state = 'recovered';
      record.recoveredAt = seen.recoveredAt ?? record.recoveredAt;
    }
  }
}

/** Records handed to an agent that has not reported within the agent timeout: they fail. */
export function failUnanswered(
  records: readonly TargetRecord[],
  message: (record: TargetRecord) => string,
): number {
  let failed = 0;
  for (const record of records) {
    if (record.state === 'pending' && record.injection) {
      record.state = 'failed';
      record.message = boundedMessage(message(record));
      failed++;
    }
  }
  return failed;
}

/**
 * A record may still have a fault in place: not yet confirmed recovered, or its ChaosInjection not
 * yet confirmed gone. Pending records count: a run that crashed before writing status may have
 * applied them.
 */
export function mayHoldFault(record: TargetRecord): boolean {
  return record.state === 'pending' || record.state === 'injected' || record.injection !== undefined;
}

/** Messages in target records are short: there can be thousands of records in one object. */
export const maxRecordMessage = 256;

export function boundedMessage(message: string): string {
  return message.length > maxRecordMessage ? `${message.slice(0, maxRecordMessage - 1)}…` : message;
}
