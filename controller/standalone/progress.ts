/**
 * Progress lines for a person watching: one line when a run changes step (experiment, condition, time
 * left while faults are in place), one when a probe's outcome changes, one per verdict. Plain text
 * without colour when the output is not a terminal or CI is set.
 */

import { findCondition } from '../core/conditions.ts';
import { parseDuration } from '../core/duration.ts';
import type { RunState } from './state-store.ts';

export interface Progress {
  line(text: string): void;
  /** A step of a run, printed when the run's Succeeded reason or a probe outcome changed. */
  run(run: RunState, before: RunState['status']): void;
}

const colours = { bold: '\x1b[1m', red: '\x1b[31m', green: '\x1b[32m', yellow: '\x1b[33m', reset: '\x1b[0m' };

export function plainOutput(options: { isTTY: boolean; env: NodeJS.ProcessEnv }): boolean {
  return !options.isTTY || Boolean(options.env.CI) || options.env.NO_COLOR !== undefined;
}

function clock(now: Date): string {
  return now.toISOString().slice(11, 19);
}

export function createProgress(options: {
  write: (text: string) => void;
  plain: boolean;
  now: () => Date;
}): Progress {
  const paint = (colour: keyof typeof colours, text: string) =>
    options.plain ? text : `${colours[colour]}${text}${colours.reset}`;
  const line = (text: string) => options.write(`${clock(options.now())}  ${text}\n`);
  return {
    line,
    run(run, before) {
      const name = `${run.namespace}/${run.name}`;
      const was = findCondition(before.conditions, 'Succeeded');
      const now = findCondition(run.status.conditions, 'Succeeded');
      for (const probe of run.status.probes ?? []) {
        const earlier = before.probes?.find((p) => p.name === probe.name && p.phase === probe.phase);
        if (earlier?.outcome === probe.outcome) continue;
        const colour = probe.outcome === 'Passed' ? 'green' : 'red';
        line(
          `${name}  probe ${probe.name} (${probe.phase}): ${paint(colour, probe.outcome)} ${probe.message ?? ''}`,
        );
      }
      if (!now || (was?.reason === now.reason && was?.status === now.status)) return;
      let left = '';
      if (now.reason === 'Running' && run.status.injectedTime) {
        const end = Date.parse(run.status.injectedTime) + parseDuration(run.spec.duration);
        left = ` (${Math.max(0, Math.round((end - options.now().getTime()) / 1000))}s left)`;
      }
      if (now.status === 'Unknown') {
        line(`${name}  ${paint('bold', now.reason)}${left}: ${now.message}`);
        return;
      }
      const verdict = now.status === 'True' ? paint('green', 'PASSED') : paint('red', 'FAILED');
      line(`${name}  ${verdict} ${now.reason}: ${now.message}`);
    },
  };
}
