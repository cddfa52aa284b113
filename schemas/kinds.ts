// The registry of our kinds: one entry per kind with its schemas and CRD presentation.
// Everything else (ajv validators, CRDs, TypeScript types, docs/API.md) is generated from here.
import { experimentSpec, experimentStatus } from './chaos-experiment.ts';
import { injectionSpec, injectionStatus } from './chaos-injection.ts';
import { policySpec, policyStatus } from './chaos-policy.ts';
import { scheduleSpec, scheduleStatus } from './chaos-schedule.ts';
import { manifestMetadata } from './fragments.ts';
import type { JsonSchema } from './json-schema.ts';

export const group = 'chaoscraft.io';
export const version = 'v1alpha1';
export const apiVersion = `${group}/${version}`;

export interface PrinterColumn {
  name: string;
  type: 'string' | 'integer' | 'number' | 'boolean' | 'date';
  jsonPath: string;
  description: string;
  priority?: number;
}

export interface KindDefinition {
  kind: string;
  plural: string;
  singular: string;
  shortNames: string[];
  scope: 'Namespaced' | 'Cluster';
  description: string;
  spec: JsonSchema;
  status: JsonSchema;
  printerColumns: PrinterColumn[];
}

const succeeded = '.status.conditions[?(@.type=="Succeeded")]';
const ready = '.status.conditions[?(@.type=="Ready")]';
const age: PrinterColumn = {
  name: 'Age',
  type: 'date',
  jsonPath: '.metadata.creationTimestamp',
  description: 'Time since creation.',
};

export const kinds: KindDefinition[] = [
  {
    kind: 'ChaosExperiment',
    plural: 'chaosexperiments',
    singular: 'chaosexperiment',
    shortNames: ['cex'],
    scope: 'Namespaced',
    description: 'A bounded run of faults against selected targets, guarded by a steady-state hypothesis.',
    spec: experimentSpec,
    status: experimentStatus,
    printerColumns: [
      {
        name: 'Succeeded',
        type: 'string',
        jsonPath: `${succeeded}.status`,
        description: 'True, False or Unknown.',
      },
      { name: 'Reason', type: 'string', jsonPath: `${succeeded}.reason`, description: 'Why.' },
      {
        name: 'Targets',
        type: 'integer',
        jsonPath: '.status.report.targetsHit',
        description: 'Targets hit.',
      },
      {
        name: 'Duration',
        type: 'string',
        jsonPath: '.spec.duration',
        description: 'Fault duration.',
        priority: 1,
      },
      age,
    ],
  },
  {
    kind: 'ChaosSchedule',
    plural: 'chaosschedules',
    singular: 'chaosschedule',
    shortNames: ['csch'],
    scope: 'Namespaced',
    description: 'Creates ChaosExperiments on a schedule, as a CronJob creates Jobs.',
    spec: scheduleSpec,
    status: scheduleStatus,
    printerColumns: [
      { name: 'Schedule', type: 'string', jsonPath: '.spec.schedule', description: 'The cron schedule.' },
      { name: 'Suspend', type: 'boolean', jsonPath: '.spec.suspend', description: 'Suspended.' },
      { name: 'Ready', type: 'string', jsonPath: `${ready}.status`, description: 'Creating runs.' },
      { name: 'Reason', type: 'string', jsonPath: `${ready}.reason`, description: 'Why.' },
      { name: 'Last', type: 'date', jsonPath: '.status.lastScheduleTime', description: 'Last run.' },
      { name: 'Next', type: 'date', jsonPath: '.status.nextScheduleTime', description: 'Next run.' },
      age,
    ],
  },
  {
    kind: 'ChaosPolicy',
    plural: 'chaospolicies',
    singular: 'chaospolicy',
    shortNames: ['cpol'],
    scope: 'Cluster',
    description: 'Cluster-wide guardrails that every experiment must pass.',
    spec: policySpec,
    status: policyStatus,
    printerColumns: [
      { name: 'Suspend', type: 'boolean', jsonPath: '.spec.suspend', description: 'The kill switch.' },
      { name: 'Ready', type: 'string', jsonPath: `${ready}.status`, description: 'In force.' },
      age,
    ],
  },
  {
    kind: 'ChaosInjection',
    plural: 'chaosinjections',
    singular: 'chaosinjection',
    shortNames: ['cinj'],
    scope: 'Namespaced',
    description: 'Internal: one node fault on one target, executed by the agent on that node.',
    spec: injectionSpec,
    status: injectionStatus,
    printerColumns: [
      { name: 'Node', type: 'string', jsonPath: '.spec.node', description: 'The node.' },
      {
        name: 'Injected',
        type: 'string',
        jsonPath: '.status.conditions[?(@.type=="Injected")].status',
        description: 'Applied.',
      },
      {
        name: 'Recovered',
        type: 'string',
        jsonPath: '.status.conditions[?(@.type=="Recovered")].status',
        description: 'Removed.',
      },
      { name: 'Deadline', type: 'date', jsonPath: '.spec.deadline', description: 'Forced recovery time.' },
      age,
    ],
  },
];

export function kindByName(kind: string): KindDefinition | undefined {
  return kinds.find((k) => k.kind === kind);
}

/**
 * The schema of a whole object of a kind. For CRDs `metadata` stays opaque (the API server owns
 * it); for validating manifests outside the cluster we check name, namespace and labels too.
 */
export function objectSchema(definition: KindDefinition, target: 'crd' | 'manifest'): JsonSchema {
  return {
    type: 'object',
    description: definition.description,
    required: target === 'manifest' ? ['apiVersion', 'kind', 'metadata', 'spec'] : ['spec'],
    properties: {
      apiVersion: { type: 'string', description: `Always ${apiVersion}.` },
      kind: { type: 'string', description: `Always ${definition.kind}.` },
      metadata: target === 'manifest' ? manifestMetadata : { type: 'object' },
      spec: definition.spec,
      status: definition.status,
    },
  };
}
