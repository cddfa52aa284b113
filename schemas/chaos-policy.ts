// ChaosPolicy: the platform team's guardrails, cluster-scoped. Enforced at PR plan time and at
// run time; an experiment can never widen it.
import { blackoutWindow } from './chaos-schedule.ts';
import { faultKindNames } from './faults.ts';
import { conditions, dnsLabel, stringList } from './fragments.ts';
import type { JsonSchema } from './json-schema.ts';

const faultKindList = (description: string): JsonSchema =>
  stringList(description, { type: 'string', enum: faultKindNames, description: 'A fault kind.' }, 16);

export const policySpec: JsonSchema = {
  type: 'object',
  title: 'ChaosPolicySpec',
  description:
    'Guardrails for every experiment in the cluster. Namespaces must also opt in with the label chaoscraft.io/allow: "true".',
  properties: {
    suspend: {
      type: 'boolean',
      default: false,
      description: 'The global kill switch: no experiment starts while true, running ones recover.',
    },
    namespaces: {
      type: 'object',
      title: 'NamespacePolicy',
      description: 'Which namespaces may be targeted.',
      properties: {
        allow: stringList(
          'Only these namespaces (default: every namespace that opts in).',
          dnsLabel('A namespace.'),
          256,
        ),
        deny: stringList('Never these namespaces.', dnsLabel('A namespace.'), 256),
        allowCrossNamespace: {
          type: 'boolean',
          default: false,
          description: 'Whether an experiment may target namespaces other than its own.',
        },
      },
    },
    allowedFaults: faultKindList('Only these fault kinds (default: all).'),
    deniedFaults: faultKindList('Never these fault kinds.'),
    maxTargetsPercent: {
      type: 'integer',
      minimum: 1,
      maximum: 100,
      description: 'At most this share of the pods of one workload (owner) may be hit at once.',
    },
    maxConcurrentExperiments: {
      type: 'integer',
      minimum: 1,
      maximum: 1000,
      description: 'At most this many experiments may inject at the same time, cluster-wide.',
    },
    blackoutWindows: {
      type: 'array',
      description: 'Periods with no chaos.',
      maxItems: 32,
      items: blackoutWindow,
    },
  },
};

export const policyStatus: JsonSchema = {
  type: 'object',
  title: 'ChaosPolicyStatus',
  description: 'Whether the policy is in force.',
  properties: {
    observedGeneration: { type: 'integer', format: 'int64', description: 'The generation observed.' },
    conditions,
  },
};
