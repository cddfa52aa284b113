// The fault kinds. Every string that can reach a command (interface names, CIDRs, ports,
// signals, rates, sizes) has a strict pattern or enum here; the agent checks them again.

import {
  cidrPattern,
  dnsLabel,
  duration,
  interfaceNamePattern,
  signalNames,
  stringList,
} from './fragments.ts';
import type { JsonSchema } from './json-schema.ts';

const percent = (description: string, minimum = 1): JsonSchema => ({
  type: 'integer',
  minimum,
  maximum: 100,
  description,
});

/** Fields shared by the network faults: which traffic of the target is affected. */
function networkScope(directions: readonly string[], defaultDirection: string): Record<string, JsonSchema> {
  return {
    direction: {
      type: 'string',
      enum: directions,
      default: defaultDirection,
      description: `Which traffic is affected, seen from the target (default ${defaultDirection}).`,
    },
    interfaces: stringList(
      "The target's network interfaces to act on; all but loopback when omitted.",
      { type: 'string', pattern: interfaceNamePattern, description: 'A Linux interface name.' },
      16,
    ),
    cidrs: stringList(
      'Only traffic to (egress) or from (ingress) these IPv4/IPv6 CIDRs; all addresses when omitted.',
      { type: 'string', pattern: cidrPattern, maxLength: 49, description: 'A CIDR such as 10.0.0.0/8.' },
      32,
    ),
    ports: {
      type: 'array',
      description: 'Only traffic to these remote ports (egress) or local ports (ingress); at most 32.',
      maxItems: 32,
      items: { type: 'integer', minimum: 1, maximum: 65535, description: 'A TCP or UDP port.' },
    },
    protocol: {
      type: 'string',
      enum: ['all', 'tcp', 'udp', 'icmp'],
      default: 'all',
      description: 'Only this protocol; with ports, `all` means TCP and UDP.',
    },
  };
}

const bothDirections = ['ingress', 'egress', 'both'] as const;

export const faultKinds: Record<string, JsonSchema> = {
  podKill: {
    type: 'object',
    title: 'PodKill',
    description: 'Delete the target pods through the API; their controllers recreate them.',
    properties: {
      gracePeriodSeconds: {
        type: 'integer',
        minimum: 0,
        maximum: 3600,
        description: "Seconds the pod gets to stop; the pod's own setting when omitted, 0 kills at once.",
      },
    },
  },
  podFailure: {
    type: 'object',
    title: 'PodFailure',
    description:
      'Make the target pods fail for the duration by replacing their container images with one that never starts, then restore them.',
    properties: {},
  },
  containerKill: {
    type: 'object',
    title: 'ContainerKill',
    description: "Send a signal to the main process of the target's containers (selector.containerNames).",
    properties: {
      signal: { type: 'string', enum: signalNames, default: 'SIGKILL', description: 'The signal to send.' },
    },
  },
  networkLoss: {
    type: 'object',
    title: 'NetworkLoss',
    description: 'Drop a random share of packets (nftables, in the target network namespace).',
    required: ['percent'],
    properties: {
      percent: percent('Share of packets dropped, 1 to 100.'),
      ...networkScope(bothDirections, 'egress'),
    },
  },
  networkLatency: {
    type: 'object',
    title: 'NetworkLatency',
    description: 'Delay outgoing packets (tc netem). Needs the sch_netem kernel module on the node.',
    required: ['latency'],
    properties: {
      latency: duration('Added delay, e.g. 100ms.'),
      jitter: duration('Random variation around the delay, e.g. 10ms.'),
      correlation: percent('How much each delay depends on the previous one, 0 to 100.', 0),
      ...networkScope(['egress'], 'egress'),
    },
  },
  networkPartition: {
    type: 'object',
    title: 'NetworkPartition',
    description: 'Cut the target off from the given CIDRs (and ports) entirely (nftables).',
    required: ['cidrs'],
    properties: {
      ...networkScope(bothDirections, 'both'),
    },
  },
  networkBandwidth: {
    type: 'object',
    title: 'NetworkBandwidth',
    description:
      'Limit outgoing bandwidth (tc tbf; with cidrs or ports, an htb class only that traffic is steered into).',
    required: ['rate'],
    properties: {
      rate: {
        type: 'string',
        pattern: '^[1-9][0-9]{0,9}(bit|kbit|mbit|gbit)$',
        description: 'The rate limit, e.g. 1mbit.',
      },
      burst: {
        type: 'integer',
        minimum: 1500,
        maximum: 1073741824,
        description: 'Bucket size in bytes (default: rate/250, at least 5000).',
      },
      limit: {
        type: 'integer',
        minimum: 1500,
        maximum: 1073741824,
        description: 'Bytes that may queue waiting for tokens (default: 10 * burst).',
      },
      ...networkScope(['egress'], 'egress'),
    },
  },
  cpuStress: {
    type: 'object',
    title: 'CpuStress',
    description: "Burn CPU inside the target's cgroup (stress-ng).",
    required: ['workers'],
    properties: {
      workers: { type: 'integer', minimum: 1, maximum: 64, description: 'Number of CPU workers.' },
      load: percent('Load per worker in percent (default 100).'),
    },
  },
  memoryStress: {
    type: 'object',
    title: 'MemoryStress',
    description: "Allocate and touch memory inside the target's cgroup (stress-ng).",
    required: ['size'],
    properties: {
      size: {
        type: 'string',
        pattern: '^[1-9][0-9]{0,6}(Ki|Mi|Gi)$',
        description: 'Memory per worker as a Kubernetes quantity, e.g. 256Mi.',
      },
      workers: {
        type: 'integer',
        minimum: 1,
        maximum: 16,
        description: 'Number of memory workers (default 1).',
      },
    },
  },
  processKill: {
    type: 'object',
    title: 'ProcessKill',
    description: 'Send a signal to the selected processes (selector.processes in standalone mode).',
    properties: {
      signal: { type: 'string', enum: signalNames, default: 'SIGKILL', description: 'The signal to send.' },
    },
  },
  processPause: {
    type: 'object',
    title: 'ProcessPause',
    description: 'Freeze the selected processes for the duration, then let them go on.',
    properties: {
      method: {
        type: 'string',
        enum: ['signal', 'freeze'],
        default: 'signal',
        description: 'SIGSTOP/SIGCONT (`signal`) or the cgroup v2 freezer (`freeze`).',
      },
    },
  },
};

export const faultKindNames = Object.keys(faultKinds);

/** One item of `spec.faults`: exactly one fault kind. */
export const faultItem: JsonSchema = {
  type: 'object',
  title: 'Fault',
  description: `One fault: exactly one of ${faultKindNames.join(', ')}.`,
  properties: {
    name: dnsLabel('A name for this fault, used in status and reports (default: its kind and index).'),
    ...faultKinds,
  },
  oneOf: faultKindNames.map((kind) => ({ required: [kind] })),
};
