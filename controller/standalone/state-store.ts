/**
 * The standalone runner's state directory: one JSON document written atomically (a temporary file,
 * fsync, rename, fsync of the directory), so a kill -9 at any moment leaves either the old state or the
 * new one, and a lock file so that two runners never act on one state.
 *
 *   <state-dir>/lock          the PID of the runner that holds the state
 *   <state-dir>/state.json    runs, their status, and the record of every fault attempt
 *   <state-dir>/reports/      a Markdown and a JSON report per finished run
 */
import { closeSync, fsyncSync, openSync, readFileSync, renameSync, unlinkSync, writeSync } from 'node:fs';
import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import type { ChaosExperimentSpec, ChaosExperimentStatus } from '../api/types.generated.ts';
import type { InjectionRecord } from '../faults/fault.ts';
import type { HostTarget } from './host-targets.ts';
import type { ScheduleState } from './schedules.ts';

/** One fault on one target, as the runner must know it after a crash. */
export interface FaultAttempt {
  tag: string;
  /** Set before the effect: the attempt may have happened. */
  startedAt: string;
  /** Set once the fault's change is in place: what undoes it. */
  record?: InjectionRecord;
  /** The process the record targets, with its start time, so a recycled PID is never taken for it. */
  process?: { pid: number; startTime: number };
}

export interface RunState {
  /** `<namespace>/<name>` of the manifest. */
  key: string;
  uid: string;
  generation: number;
  /** A hash of the spec: a changed spec is a new generation. */
  specHash: string;
  spec: ChaosExperimentSpec;
  namespace: string;
  name: string;
  /** The commit the spec was read from. */
  revision?: string;
  finalizers: string[];
  /** Set when the manifest left the repository (or the runner stops): recover, then forget. */
  deleting?: string;
  status: ChaosExperimentStatus;
  /** By record key. */
  attempts: Record<string, FaultAttempt>;
  /** The targets found when the run started, by candidate name: what its records act on. */
  targets?: Record<string, HostTarget>;
  /** The run whose report was written last, so a report is written once per run. */
  reported?: string;
  /** The UID of the ChaosSchedule that created this run, if one did. */
  owner?: string;
  annotations?: Record<string, string>;
  createdAt?: string;
}

export interface StandaloneState {
  version: 1;
  runs: Record<string, RunState>;
  schedules?: Record<string, ScheduleState>;
}

export class StateLockedError extends Error {
  readonly code = 'StateLocked';
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** Takes the state directory's lock: refuses while another live process holds it, takes over a stale one. */
export function acquireLock(dir: string): () => void {
  const path = join(dir, 'lock');
  for (let attempt = 0; attempt < 3; attempt++) {
    try {
      const fd = openSync(path, 'wx', 0o600);
      writeSync(fd, `${process.pid}\n`);
      fsyncSync(fd);
      closeSync(fd);
      return () => {
        try {
          if (readFileSync(path, 'utf8').trim() === String(process.pid)) unlinkSync(path);
        } catch {
          // Already gone.
        }
      };
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
      let holder = Number.NaN;
      try {
        holder = Number(readFileSync(path, 'utf8').trim());
      } catch {
        continue;
      }
      if (Number.isInteger(holder) && holder > 0 && holder !== process.pid && alive(holder)) {
        throw new StateLockedError(
          `another chaoscraft standalone (PID ${holder}) uses the state directory ${dir}; stop it first or give another --state-dir`,
        );
      }
      // The holder is gone (a kill -9): its lock is stale.
      try {
        unlinkSync(path);
      } catch {
        // Someone else took it over first; try again.
      }
    }
  }
  throw new StateLockedError(`could not take the lock of the state directory ${dir}`);
}

export function emptyState(): StandaloneState {
  return { version: 1, runs: {} };
}

export async function prepareStateDir(dir: string): Promise<void> {
  await mkdir(join(dir, 'reports'), { recursive: true, mode: 0o700 });
}

export function loadState(dir: string): StandaloneState {
  let text: string;
  try {
    text = readFileSync(join(dir, 'state.json'), 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return emptyState();
    throw error;
  }
  const parsed = JSON.parse(text) as StandaloneState;
  if (parsed?.version !== 1 || typeof parsed.runs !== 'object' || parsed.runs === null) {
    throw new Error(`${join(dir, 'state.json')} is not a state file this version can read`);
  }
  return parsed;
}

/** Writes a file so that a crash leaves the old content or the new, never a mix: write, fsync, rename. */
export function writeFileAtomic(path: string, text: string): void {
  const dir = join(path, '..');
  const temporary = `${path}.${process.pid}.tmp`;
  const fd = openSync(temporary, 'w', 0o600);
  try {
    writeSync(fd, text);
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
  renameSync(temporary, path);
  const dirFd = openSync(dir, 'r');
  try {
    fsyncSync(dirFd);
  } finally {
    closeSync(dirFd);
  }
}

export function saveState(dir: string, state: StandaloneState): void {
  writeFileAtomic(join(dir, 'state.json'), `${JSON.stringify(state, null, 1)}\n`);
}
