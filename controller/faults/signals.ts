/** Signalling processes by identity (PID + start time), never by bare PID. */
import { isSameProcess } from '../host/proc.ts';
import type { ProcessRef } from './fault.ts';

export type SignalName =
  | 'SIGKILL'
  | 'SIGTERM'
  | 'SIGINT'
  | 'SIGHUP'
  | 'SIGQUIT'
  | 'SIGUSR1'
  | 'SIGUSR2'
  | 'SIGSTOP'
  | 'SIGCONT';

/**
 * Sends `signal` only if the PID still belongs to the process that started at `startTime`.
 * The check and the kill are two steps; the window between them is microseconds, while PID reuse needs the
 * whole PID space to wrap, so the check removes the practical risk.
 */
export async function signalProcess(options: {
  ref: ProcessRef;
  signal: SignalName;
}): Promise<'signalled' | 'gone'> {
  const { ref } = options;
  if (!(await isSameProcess({ pid: ref.pid, startTime: ref.startTime }))) return 'gone';
  try {
    process.kill(ref.pid, options.signal);
    return 'signalled';
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ESRCH') return 'gone';
    throw error;
  }
}
