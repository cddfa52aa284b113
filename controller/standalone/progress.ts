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
  /**
   * On a terminal, redraws one status line below the others: a bar for each run with faults in place
   * and its time left. Plain output has none.
   */
  tick(runs: readonly RunState[]): void;
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
  let barShown = false;
  const clearBar = () => {
    if (barShown) options.write('\r\x1b[K');
    barShown = false;
  };
  const line = (text: string) => {
    clearBar();
    options.write(`${clock(options.now())}  ${text}\n`);
  };
  return {
    line,
    tick(runs) {
      if (options.plain) return;
      const bars: string[] = [];
      for (const run of runs) {
        const reason = findCondition(run.status.conditions, 'Succeeded')?.reason;
        if (reason !== 'Running' || !run.status.injectedTime) continue;
        const total = parseDuration(run.spec.duration);
        const elapsed = options.now().getTime() - Date.parse(run.status.injectedTime);
        const share = Math.min(1, Math.max(0, elapsed / total));
        const filled = Math.round(share * 20);
        const left = Math.max(0, Math.round((total - elapsed) / 1000));
        const probes = (run.status.probes ?? [])
          .filter((p) => p.phase === 'during')
          .map((p) => `${p.name} ${p.outcome}`);
        bars.push(
          `${run.name} [${'#'.repeat(filled)}${'.'.repeat(20 - filled)}] ${left}s left${probes.length ? `, ${probes.join(', ')}` : ''}`,
        );
      }
      clearBar();
      if (bars.length) {
        options.write(bars.join('  |  ').slice(0, 200));
        barShown = true;
      }
    },
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
