// One section of the plan comment per changed object: experiments and schedules with targets,
// blast radius, guardrails and probes; policies with what changes; removals with what stops.
import type { ChaosExperimentSpec, ChaosScheduleSpec, Probe } from '../../controller/api/types.generated.ts';
import { formatInZone, formatUtc } from './format-time.ts';
import { cappedTable, code, details, fileLink, fileUrl, plural, table, text } from './markdown.ts';
import { type ExperimentPlan, faultSummary, type VerdictStatus } from './plan-experiment.ts';
import { locationOf, type ObjectVerdict, type PlannedObject } from './plan-objects.ts';
import type { FireTime } from './plan-schedule.ts';

/** Rows shown before a list folds into <details>, and the most rows any list shows. */
export const openRows = 5;
export const maxRows = 50;

export const verdictLabels: Record<ObjectVerdict, string> = {
  invalid: '❌ invalid',
  denied: '❌ denied by policy',
  'no-targets': '⚠️ matches no pods now',
  'will-stop': '🛑 will stop',
  'policy-loosened': '⚠️ loosens guardrails: review',
  'policy-added': '🛡️ policy added',
  'policy-changed': '🛡️ policy changed',
  'policy-removed': '🛡️ policy removed',
  'would-run': '✅ would run',
  'planned-offline': '✅ planned from Git only',
  suspended: '⏸️ suspended',
  unchanged: 'unchanged',
  'not-planned': 'not planned',
};

const statusLabels: Record<VerdictStatus, string> = {
  pass: '✅ pass',
  deny: '❌ denied',
  waits: '⏸️ the run waits',
  deferred: '⏱️ at run time',
  unchecked: '❔ not checked',
};

const changeWords = { added: 'added', modified: 'changed', removed: 'removed', unchanged: 'unchanged' };

const shortKinds: Record<string, string> = {
  ChaosExperiment: 'Experiment',
  ChaosSchedule: 'Schedule',
  ChaosPolicy: 'Policy',
};

function identity(planned: PlannedObject): string {
  const { namespace, name } = planned.change;
  return namespace ? `${namespace}/${name}` : name;
}

const linkable = /^[a-z0-9]([a-z0-9.-]*[a-z0-9])?(\/[a-z0-9]([a-z0-9.-]*[a-z0-9])?)?$/;

/** Blocking objects and those a reviewer must look at open unfolded. */
const openVerdicts = new Set<ObjectVerdict>(['invalid', 'denied', 'policy-loosened']);

/** One row of the summary table: object, verdict, targets, faults, duration. No linkBase, no link. */
export function summaryRow(planned: PlannedObject, linkBase?: string): string[] {
  const kind = shortKinds[planned.change.kind] ?? text(planned.change.kind);
  const { file, line } = locationOf(planned.change);
  // Only a plain Kubernetes name becomes link text; anything else (an invalid, maybe hostile name)
  // stays escaped text, and the problems table links its file.
  const name =
    linkBase !== undefined && planned.change.head && linkable.test(identity(planned))
      ? `[${text(identity(planned))}](${fileUrl({ linkBase, path: file, line })})`
      : code(identity(planned));
  const plan = planned.experiment ?? planned.schedule?.template;
  const spec = experimentSpecOf(planned);
  return [
    `${kind} ${name}`,
    verdictLabels[planned.verdict],
    plan ? targetsCell(plan) : '–',
    plan && spec ? [...new Set(faultSummary(spec).map((f) => f.kind))].map(code).join(' ') : '–',
    plan && spec ? code(spec.duration) : '–',
  ];
}

function targetsCell(plan: ExperimentPlan): string {
  if (!plan.live) return plan.clusterError ? 'not read' : 'at run time';
  if (plan.matching === 0) return '0 (no pod matches)';
  return `${plan.targets.length} of ${plan.matching}`;
}

function experimentSpecOf(planned: PlannedObject): ChaosExperimentSpec | undefined {
  if (planned.experiment) return planned.change.head!.object.spec as ChaosExperimentSpec;
  if (planned.schedule) return templateSpec(planned);
  return undefined;
}

/** Escaped for an HTML context (the <summary> line), where Markdown is not read. */
function html(value: string): string {
  return value
    .replace(/&/g, '&amp;')
    .replace(/</g, '&lt;')
    .replace(/>/g, '&gt;')
    .replace(/"/g, '&quot;')
    .replace(/@/g, '@&#8203;')
    .replace(/\[/g, '&#91;')
    .replace(/\]/g, '&#93;');
}

/** The details of one object, folded under a summary line naming it and its verdict. */
export function renderDetails(planned: PlannedObject, linkBase: string): string {
  const { file, line } = locationOf(planned.change);
  const where =
    planned.change.change === 'removed' ? `was in ${code(file)}` : fileLink({ linkBase, path: file, line });
  const title = `${html(planned.change.kind)} <code>${html(identity(planned))}</code> · ${verdictLabels[planned.verdict]}`;
  const body = sectionBody(planned);
  const open = openVerdicts.has(planned.verdict) ? ' open' : '';
  return [
    `<details${open}><summary>${title}</summary>`,
    '',
    `${where} · ${changeWords[planned.change.change]}`,
    ...(body ? ['', body] : []),
    '',
    '</details>',
  ].join('\n');
}

function sectionBody(planned: PlannedObject): string {
  const { change } = planned;
  switch (planned.verdict) {
    case 'will-stop':
      return change.kind === 'ChaosSchedule'
        ? 'No new runs after the merge. When Argo CD prunes the schedule, its experiments go with it (owner references) and the controller recovers every fault they injected.'
        : 'When Argo CD prunes it, the controller recovers every fault it injected before the object is deleted; no new run starts.';
    case 'policy-loosened':
      return `${loosensList(planned)}\n\n${policyTable(planned)}`;
    case 'policy-removed':
      return `Its guardrails no longer apply after the merge.\n\n${policyTable(planned)}`;
    case 'policy-added':
    case 'policy-changed':
      return `The plans in this comment already use this version.\n\n${policyTable(planned)}`;
    case 'unchanged':
      return 'The file changed but this object did not: nothing new happens.';
    case 'not-planned':
      return `${text(change.kind)} objects are created by the controller, not planned.`;
    case 'invalid':
      if (!planned.experiment && !planned.schedule) {
        const own = change.diagnostics.filter((d) => d.severity === 'error').slice(0, openRows);
        return own.length
          ? own.map((d) => `- ❌ ${text(`${d.field ? `${d.field}: ` : ''}${d.message}`)}`).join('\n')
          : 'See the problems above.';
      }
  }
  if (planned.schedule) {
    return [scheduleBlock(planned), experimentBlock(planned.schedule.template, templateSpec(planned))].join(
      '\n\n',
    );
  }
  if (planned.experiment) {
    const spec = change.head!.object.spec as ChaosExperimentSpec;
    const rerun =
      change.change === 'modified'
        ? '\n\nThe spec changed, so it runs again with the new spec (a run in progress is recovered first).'
        : '';
    return `${experimentBlock(planned.experiment, spec)}${rerun}`;
  }
  return '';
}

function templateSpec(planned: PlannedObject): ChaosExperimentSpec {
  return (planned.change.head!.object.spec as ChaosScheduleSpec).template.spec;
}

function scheduleBlock(planned: PlannedObject): string {
  const schedule = planned.schedule!;
  const spec = planned.change.head!.object.spec as ChaosScheduleSpec;
  const head = `**Schedule** ${code(spec.schedule)}${spec.timeZone ? ` in ${code(spec.timeZone)}` : ' (UTC)'} · concurrency ${code(spec.concurrencyPolicy ?? 'Forbid')}`;
  if (schedule.scheduleProblem) return `${head}\n\n❌ ${text(schedule.scheduleProblem)}`;
  const suspended = schedule.suspended ? '\n\n⏸️ Suspended: it creates no runs until `suspend` is false.' : '';
  const rows = schedule.fireTimes.map((fire) => [
    text(formatInZone(fire.at, spec.timeZone ?? 'UTC')),
    text(formatUtc(fire.at)),
    fireStatus(planned.verdict, fire),
  ]);
  return `${head}${suspended}\n\n**Next runs**\n\n${table(['Time', 'UTC', 'Guardrails at that time'], rows)}`;
}

/** What happens at a fire time, never contradicting the object's verdict. */
function fireStatus(verdict: ObjectVerdict, fire: FireTime): string {
  if (verdict === 'invalid' || verdict === 'denied') return '❌ refused (see the guardrails)';
  if (verdict === 'suspended') return '⏸️ suspended: no run';
  if (fire.delayedUntil)
    return `⏱️ delayed until ${text(formatUtc(fire.delayedUntil))}: ${text(fire.blackout ?? '')}`;
  if (fire.blackout) return `⏱️ skipped: ${text(fire.blackout)}`;
  if (verdict === 'no-targets') return '⚠️ no pod matches now';
  return '✅ runs';
}

function experimentBlock(plan: ExperimentPlan, spec: ChaosExperimentSpec): string {
  const faults = faultSummary(spec)
    .map((f) => `${code(f.kind)}${f.settings ? ` ${code(f.settings)}` : ''}`)
    .join(', ');
  const mode = spec.mode ?? 'one';
  const modeText = spec.value !== undefined ? `${mode} ${spec.value}` : mode;
  const parts = [
    `**Faults** ${faults} for ${code(spec.duration)} · mode ${code(modeText)}${spec.dryRun ? ' · **dry run**: selects and records, injects nothing' : ''}`,
  ];
  for (const problem of plan.specProblems) parts.push(`❌ ${text(problem)}`);
  const targets = targetsBlock(plan);
  if (targets) parts.push(targets);
  if (plan.blastRadius.length) {
    const rows = plan.blastRadius.map((b) => [
      code(b.workload),
      String(b.hit),
      String(b.size),
      `${b.percent}%`,
    ]);
    parts.push(`**Blast radius**\n\n${cappedTable(['Workload', 'Hit', 'Pods', 'Share'], rows, maxRows)}`);
  }
  parts.push(guardrailsBlock(plan));
  parts.push(probesBlock(spec));
  return parts.join('\n\n');
}

function targetsBlock(plan: ExperimentPlan): string {
  if (!plan.live) {
    // Without any cluster the note at the top says it once; a namespace the cluster refused is this object's own.
    return plan.clusterError
      ? `**Targets** not resolved: the cluster could not be read (${text(plan.clusterError)}).`
      : '';
  }
  if (plan.matching === 0) return '**Targets** ⚠️ no running pod matches the selector right now.';
  const head = `**Targets** ${plan.targets.length} of ${plural(plan.matching, 'matching pod')}${
    plan.subset ? ' (a preview: the run draws its own when it starts)' : ''
  }`;
  const rows = plan.targets.map((t) => [
    code(`${t.namespace ?? ''}/${t.name}`),
    code(t.node ?? '-'),
    code(t.workload ?? '-'),
  ]);
  const list = cappedTable(['Pod', 'Node', 'Workload'], rows, maxRows);
  return rows.length > openRows
    ? `${head}\n\n${details(plural(rows.length, 'target'), list)}`
    : `${head}\n\n${list}`;
}

function guardrailsBlock(plan: ExperimentPlan): string {
  // Checks a plan from Git cannot make are named once, in the note at the top.
  const verdicts = plan.verdicts.filter((v) => v.status !== 'unchecked');
  const row = (v: (typeof verdicts)[number]) => [code(v.guardrail), statusLabels[v.status], text(v.message)];
  const header = ['Guardrail', 'Verdict', 'Detail'];
  // Denials and waits are shown; the guardrails that pass fold away.
  const shown = verdicts.filter((v) => v.status === 'deny' || v.status === 'waits');
  const folded = verdicts.filter((v) => !shown.includes(v));
  const passed = verdicts.filter((v) => v.status === 'pass').length;
  const denied = shown.filter((v) => v.status === 'deny').length;
  const title =
    plan.refusal?.reason === 'PolicyDenied'
      ? `**Guardrails** ❌ ${text(plan.refusal.message)}`
      : denied
        ? `**Guardrails** ❌ ${denied} denied, ${passed} of ${verdicts.length} pass`
        : `**Guardrails** ${passed} of ${verdicts.length} pass, none denied`;
  const parts = [title];
  if (shown.length) parts.push(table(header, shown.map(row)));
  if (folded.length)
    parts.push(details(`${plural(folded.length, 'other guardrail')}`, table(header, folded.map(row))));
  return parts.join('\n\n');
}

function probesBlock(spec: ChaosExperimentSpec): string {
  const probes = spec.hypothesis?.probes ?? [];
  if (!probes.length) return '**Hypothesis** no probes: nothing checks the steady state.';
  const rows = probes.map((p) => [
    code(p.name),
    probeCheck(p),
    text((p.when ?? ['before', 'during', 'after']).join(', ')),
  ]);
  const abort = spec.abort?.onHypothesisFailure === false ? 'keeps running' : 'recovers at once';
  return `**Hypothesis** if it breaks, the experiment ${abort}\n\n${cappedTable(['Probe', 'Check', 'When'], rows, maxRows)}`;
}

/** What a probe checks, without headers, bodies, credentials or query strings (they may hold secrets). */
function probeCheck(probe: Probe): string {
  if (probe.http) {
    let target = 'an HTTP endpoint';
    try {
      const url = new URL(probe.http.url);
      target = `${url.protocol}//${url.host}${url.pathname}`;
    } catch {}
    const expect = probe.http.expectStatus?.length ? ` → ${probe.http.expectStatus.join('/')}` : '';
    return text(`${probe.http.method ?? 'GET'} ${target}${expect}`);
  }
  if (probe.prometheus) {
    return text(
      `PromQL ${probe.prometheus.query} ${probe.prometheus.comparison.op} ${probe.prometheus.comparison.value}`,
    );
  }
  if (probe.kubernetes) {
    const k = probe.kubernetes;
    const what = k.condition ? `condition ${k.condition.type}` : k.field ? `field ${k.field.path}` : 'exists';
    return text(`${k.kind} ${k.namespace ? `${k.namespace}/` : ''}${k.name}: ${what}`);
  }
  return 'unknown';
}

function loosensList(planned: PlannedObject): string {
  const lines = (planned.loosens ?? []).map((l) => `- ${text(l)}`);
  return `⚠️ **This change loosens guardrails.** A reviewer should confirm each of these:\n\n${lines.join('\n')}`;
}

/** Values up to this length sit in the table; longer ones are shown whole in a block below it. */
const inlineValue = 80;
/** A policy's whole before/after text is bounded (a spec is at most a few kB by the schema). */
const maxValueBlock = 20_000;

function policyTable(planned: PlannedObject): string {
  const changes = planned.policyChanges ?? [];
  if (!changes.length) return 'No guardrail changes.';
  const long = changes.filter((c) =>
    [c.before, c.after].some((v) => v !== undefined && v.length > inlineValue),
  );
  const cell = (value: string | undefined) =>
    value === undefined ? '–' : value.length > inlineValue ? 'in full below' : code(value);
  const rows = changes.map((c) => [code(c.field), cell(c.before), cell(c.after)]);
  const parts = [table(['Field', 'Before', 'After'], rows)];
  for (const c of long) {
    const body = [`# before\n${pretty(c.before)}`, `# after\n${pretty(c.after)}`].join('\n');
    parts.push(
      `${code(c.field)}\n\n${fenced(body.length > maxValueBlock ? `${body.slice(0, maxValueBlock)}\n… (cut at ${maxValueBlock} characters)` : body)}`,
    );
  }
  return parts.join('\n\n');
}

function pretty(value: string | undefined): string {
  if (value === undefined) return '(not set)';
  try {
    return JSON.stringify(JSON.parse(value), null, 2);
  } catch {
    return value;
  }
}

/** A fenced block nothing inside can close: the fence is longer than any backtick run in it. */
export function fenced(body: string): string {
  const longest = Math.max(0, ...(body.match(/`+/g) ?? []).map((run) => run.length));
  const fence = '`'.repeat(Math.max(3, longest + 1));
  return `${fence}\n${body}\n${fence}`;
}
