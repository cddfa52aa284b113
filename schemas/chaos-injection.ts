// ChaosInjection: internal. One node fault on one target, created by the controller, executed
// by the agent on the target's node, which reports back in status.

import { nodeFaultItem } from './faults.ts';
import { conditions, dnsLabel, objectName, stringList, timestamp } from './fragments.ts';
import type { JsonSchema } from './json-schema.ts';

/** `cc` + 12 hex digits: the tag that names everything the agent changes for an injection. */
export const injectionTagPattern = '^cc[0-9a-f]{12}$';
/** A container runtime ID as the kubelet reports it, e.g. containerd://0123abcd…. */
export const containerIdPattern = '^[a-z0-9-]{1,32}://[0-9a-f]{12,128}$';

export const injectionSpec: JsonSchema = {
  type: 'object',
  title: 'ChaosInjectionSpec',
  description: 'One fault on one target, with an absolute deadline the agent enforces on its own.',
  required: ['experiment', 'node', 'fault', 'target', 'deadline', 'tag'],
  properties: {
    experiment: {
      type: 'object',
      title: 'ExperimentRef',
      description: 'The experiment this injection belongs to.',
      required: ['name', 'uid'],
      properties: {
        name: objectName('The experiment name.'),
        uid: { type: 'string', maxLength: 64, description: 'The experiment UID.' },
      },
    },
    node: { type: 'string', maxLength: 253, description: 'The node whose agent executes the injection.' },
    fault: nodeFaultItem,
    target: {
      type: 'object',
      title: 'InjectionTarget',
      description: 'The pod (and containers) the fault applies to.',
      required: ['pod'],
      properties: {
        pod: {
          type: 'object',
          title: 'PodRef',
          description: 'The target pod.',
          required: ['namespace', 'name', 'uid'],
          properties: {
            namespace: dnsLabel('The pod namespace.'),
            name: objectName('The pod name.'),
            uid: { type: 'string', maxLength: 64, description: 'The pod UID.' },
          },
        },
        containerIDs: stringList(
          'Container runtime IDs, e.g. containerd://0123abcd….',
          { type: 'string', pattern: containerIdPattern, description: 'A container ID.' },
          32,
        ),
      },
    },
    deadline: timestamp('The agent recovers the fault at this time, whatever else happens.'),
    tag: {
      type: 'string',
      pattern: injectionTagPattern,
      description: 'The short id that names everything the agent changes for this injection.',
    },
  },
};

export const injectionStatus: JsonSchema = {
  type: 'object',
  title: 'ChaosInjectionStatus',
  description: 'What the agent did.',
  properties: {
    observedGeneration: { type: 'integer', format: 'int64', description: 'The generation observed.' },
    conditions,
    injectedAt: timestamp('When the fault took effect.'),
    recoveredAt: timestamp('When the fault was removed.'),
    record: {
      type: 'object',
      description: 'What the agent changed, so that it can undo it after a restart.',
      'x-kubernetes-preserve-unknown-fields': true,
    },
  },
};
