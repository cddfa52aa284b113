// ChaosSchedule: creates ChaosExperiments on a cron schedule, as a CronJob creates Jobs.
import { experimentSpec } from './chaos-experiment.ts';
import { conditions, duration, objectName, stringMap, timestamp } from './fragments.ts';
import type { JsonSchema } from './json-schema.ts';

/** Five-field cron, a `@daily`-style macro, or `@every <duration>`. Parsed fully by cron-parser. */
export const cronPattern =
  '^(@(yearly|annually|monthly|weekly|daily|midnight|hourly)|@every [0-9][0-9a-zµ.]{0,31}|[0-9A-Za-z*/,?#LW-]{1,64}( [0-9A-Za-z*/,?#LW-]{1,64}){4,5})$';

/** An IANA time zone name such as Europe/Berlin, or UTC. */
export const timeZonePattern = '^[A-Za-z][A-Za-z0-9_+-]{0,31}(/[A-Za-z0-9_+-]{1,32}){0,2}$';

export const scheduleSpec: JsonSchema = {
  type: 'object',
  title: 'ChaosScheduleSpec',
  description: 'When to run an experiment, and what to do with runs that overlap.',
  required: ['schedule', 'template'],
  properties: {
    schedule: {
      type: 'string',
      pattern: cronPattern,
      description: 'A cron expression (5 fields), a macro such as @daily, or @every 30m.',
    },
    timeZone: {
      type: 'string',
      pattern: timeZonePattern,
      description: 'The IANA time zone of the schedule (default UTC).',
    },
    concurrencyPolicy: {
      type: 'string',
      enum: ['Allow', 'Forbid', 'Replace', ''],
      default: 'Forbid',
      description:
        'Whether a run may start while the previous one is still going: Allow, Forbid (the default; empty means Forbid too) or Replace (the running one is stopped and its faults recovered first).',
    },
    startingDeadlineSeconds: {
      type: 'integer',
      minimum: 0,
      maximum: 86400,
      description:
        'A run that could not start within this many seconds of its fire time (controller down, a run still going under Forbid, a guardrail holding it) is skipped; unset: no limit.',
    },
    suspend: { type: 'boolean', default: false, description: 'Create no new runs while true.' },
    successfulHistoryLimit: {
      type: 'integer',
      minimum: 0,
      maximum: 100,
      default: 3,
      description: 'Finished successful runs to keep.',
    },
    failedHistoryLimit: {
      type: 'integer',
      minimum: 0,
      maximum: 100,
      default: 1,
      description: 'Finished failed runs to keep.',
    },
    template: {
      type: 'object',
      title: 'ChaosExperimentTemplate',
      description: 'The experiment each run creates.',
      required: ['spec'],
      properties: {
        metadata: {
          type: 'object',
          title: 'TemplateMetadata',
          description: 'Labels and annotations for the created experiments.',
          properties: {
            labels: stringMap('Labels.'),
            annotations: stringMap('Annotations.'),
          },
        },
        spec: experimentSpec,
      },
    },
  },
};

export const scheduleStatus: JsonSchema = {
  type: 'object',
  title: 'ChaosScheduleStatus',
  description: 'What the schedule has done.',
  properties: {
    observedGeneration: { type: 'integer', format: 'int64', description: 'The generation observed.' },
    conditions,
    lastScheduleTime: timestamp('The fire time of the last run created.'),
    lastSuccessfulTime: timestamp('When the last successful run finished.'),
    nextScheduleTime: timestamp('When the next run is due.'),
    active: {
      type: 'array',
      description: 'Runs not finished yet (they may hold faults).',
      maxItems: 100,
      items: {
        type: 'object',
        title: 'ActiveRun',
        description: 'A running child experiment.',
        required: ['name'],
        properties: {
          name: objectName('The experiment name.'),
          uid: { type: 'string', maxLength: 64, description: 'The experiment UID.' },
        },
      },
    },
  },
};

export const blackoutWindow: JsonSchema = {
  type: 'object',
  title: 'BlackoutWindow',
  description: 'A recurring period in which no experiment may run.',
  required: ['schedule', 'duration'],
  properties: {
    name: { type: 'string', maxLength: 63, description: 'A name for reports.' },
    schedule: { type: 'string', pattern: cronPattern, description: 'When each window starts (cron).' },
    duration: duration('How long each window lasts.'),
    timeZone: { type: 'string', pattern: timeZonePattern, description: 'The time zone (default UTC).' },
  },
};
