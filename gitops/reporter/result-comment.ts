// The result of one run as a PR comment: verdict, targets hit, probe timeline, time to inject and to
// recover, links. The first line is a marker naming the run (namespace/name, uid, generation), so
// posting it again, after a restart too, finds and keeps the same comment.
import { formatDuration } from '../../controller/core/duration.ts';
import { redactSecrets } from '../github/redact.ts';
import { text } from '../planner/markdown.ts';
import { type ExperimentObject, runKey, succeededCondition } from './experiment-view.ts';
import type { ResolvedRevision } from './revision.ts';

export type Verdict = 'Passed' | 'Failed' | 'Aborted' | 'DryRun';

const verdictIcons: Record<Verdict, string> = { Passed: '✅', Failed: '❌', Aborted: '⚠️', DryRun: '🧪' };
const maxTableRows = 50;

export function resultMarker(experiment: ExperimentObject): string {
  return `<!-- chaoscraft:result ${runKey(experiment)} -->`;
}

export function verdictOf(experiment: ExperimentObject): Verdict {
  const reported = experiment.status?.report?.verdict;
  if (reported) return reported;
  return succeededCondition(experiment)?.status === 'True' ? 'Passed' : 'Failed';
}

/**
 * A table cell: no credentials, then the plan comment's escaping (one line, bounded, no pipes,
 * HTML, links or mentions): probe messages quote whatever the probed service answered.
 */
function cell(value: unknown): string {
  return text(redactSecrets(String(value ?? '')));
}

function seconds(value: number | undefined): string {
  return value === undefined ? '—' : formatDuration(Math.round(value * 1000));
}

function relative(time: string | undefined, start: string | undefined): string {
  if (!time) return '—';
  if (!start) return time;
  const offset = Date.parse(time) - Date.parse(start);
  return Number.isFinite(offset) ? `+${formatDuration(Math.max(0, offset))}` : time;
}

export interface ResultLinks {
  /** e.g. https://github.com — for the commit link. */
  htmlBaseUrl?: string;
  repository?: { owner: string; repo: string };
  /** Argo CD UI root, for a link to the Application. */
  argocdUrl?: string;
}

export function renderResultComment(options: {
  experiment: ExperimentObject;
  revision?: ResolvedRevision;
  links?: ResultLinks;
}): string {
  const { experiment, revision, links = {} } = options;
  const { namespace, name } = experiment.metadata;
  const status = experiment.status ?? {};
  const report = status.report ?? {};
  const verdict = verdictOf(experiment);
  const succeeded = succeededCondition(experiment);
  const lines = [resultMarker(experiment)];
  lines.push(`### ${verdictIcons[verdict]} ChaosCraft result: \`${namespace}/${name}\` — ${verdict}`, '');
  if (report.summary) lines.push(`> ${cell(report.summary)}`, '');
  lines.push('| | |', '| --- | --- |');
  lines.push(`| Verdict | ${verdict} (${cell(succeeded?.reason ?? 'unknown')}) |`);
  lines.push(`| Targets hit | ${report.targetsHit ?? 0} |`);
  lines.push(`| Time to inject | ${seconds(report.timeToInjectSeconds)} |`);
  lines.push(`| Time to recover | ${seconds(report.timeToRecoverSeconds)} |`);
  lines.push(`| Started | ${status.startTime ?? '—'} |`);
  lines.push(`| Finished | ${status.completionTime ?? '—'} |`);
  if (revision) {
    const short = revision.sha.slice(0, 7);
    const commit =
      links.htmlBaseUrl && links.repository
        ? `[\`${short}\`](${links.htmlBaseUrl}/${links.repository.owner}/${links.repository.repo}/commit/${revision.sha})`
        : `\`${short}\``;
    const via =
      revision.source === 'argocd' && revision.application
        ? links.argocdUrl
          ? ` synced by Argo CD [${revision.application}](${links.argocdUrl}/applications/${revision.application})`
          : ` synced by Argo CD application ${revision.application}`
        : '';
    lines.push(`| Revision | ${commit}${via} |`);
  }
  if (succeeded?.status === 'False' && succeeded.message) lines.push(`| Why | ${cell(succeeded.message)} |`);

  const targets = status.targets ?? [];
  if (targets.length > 0) {
    lines.push('', `<details><summary>Targets (${targets.length})</summary>`, '');
    lines.push(
      '| Target | Node | Fault | State | Injected | Recovered |',
      '| --- | --- | --- | --- | --- | --- |',
    );
    for (const target of targets.slice(0, maxTableRows)) {
      lines.push(
        `| ${cell(`${target.namespace ? `${target.namespace}/` : ''}${target.name}`)} | ${cell(target.node ?? '—')} | ${cell(target.fault)} | ${target.state} | ${relative(target.injectedAt, status.startTime)} | ${relative(target.recoveredAt, status.startTime)} |`,
      );
    }
    if (targets.length > maxTableRows) lines.push(`| … ${targets.length - maxTableRows} more | | | | | |`);
    lines.push('', '</details>');
  }

  const probes = [...(status.probes ?? [])].sort((a, b) => Date.parse(a.time) - Date.parse(b.time));
  lines.push('', '#### Probe timeline', '');
  if (probes.length === 0) {
    lines.push('No probes ran.');
  } else {
    lines.push('| When | Probe | Phase | Outcome | Seen |', '| --- | --- | --- | --- | --- |');
    for (const probe of probes.slice(0, maxTableRows)) {
      const icon = probe.outcome === 'Passed' ? '✅' : probe.outcome === 'Failed' ? '❌' : '⚠️';
      lines.push(
        `| ${relative(probe.time, status.startTime)} | ${cell(probe.name)} | ${probe.phase} | ${icon} ${probe.outcome} | ${cell(probe.message ?? '')} |`,
      );
    }
  }
  lines.push(
    '',
    `<sub>Run ${cell(experiment.metadata.uid)}, generation ${experiment.metadata.generation ?? 0}.</sub>`,
    '',
  );
  return lines.join('\n');
}
