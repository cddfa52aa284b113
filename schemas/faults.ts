// The fault kinds: the one table of them, with who carries each out and its params schema. Every
// string that can reach a command (interface names, CIDRs, ports, signals, rates, sizes) has a
// strict pattern or enum here. The agent validates params with this same schema (compiled, with
// its defaults) before anything reaches a command, so the two cannot drift apart.

import {
  cidrPattern,
  dnsLabel,
  duration,
  forbiddenWhen,
  interfaceNamePattern,
  onlyWith,
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
    // An empty list would match nothing (a silent no-op), so every list holds at least one item.
    interfaces: {
      ...stringList(
        "The target's network interfaces to act on; all but loopback when omitted.",
        { type: 'string', pattern: interfaceNamePattern, description: 'A Linux interface name.' },
        16,
      ),
      minItems: 1,
    },
    cidrs: {
      ...stringList(
        'Only traffic to (egress) or from (ingress) these IPv4/IPv6 CIDRs; all addresses when omitted.',
        {
          type: 'string',
          pattern: cidrPattern,
          // The pattern keeps the text safe for a command line; the format checks it is a real
          // address (the API server parses it as Go's net.ParseCIDR does, ajv with node:net).
          format: 'cidr',
          maxLength: 49,
          description: 'A CIDR such as 10.0.0.0/8.',
        },
        32,
      ),
      minItems: 1,
    },
    ports: {
      type: 'array',
      description: 'Only traffic to these remote ports (egress) or local ports (ingress); at most 32.',
      minItems: 1,
      maxItems: 32,
      items: { type: 'integer', minimum: 1, maximum: 65535, description: 'A TCP or UDP port.' },
    },
    protocol: {
      type: 'string',
      enum: ['all', 'tcp', 'udp', 'icmp'],
      default: 'all',
      description: 'Only this protocol; with ports, `all` means TCP and UDP (ICMP has no ports).',
    },
  };
}

/** Rules every network scope obeys. */
const scopeRules: JsonSchema[] = [forbiddenWhen('ports', 'protocol', ['icmp'])];

const bothDirections = ['ingress', 'egress', 'both'] as const;

/** A tc rate such as 10mbit; tc reads k, m and g as powers of ten. */
export const ratePattern = '^[1-9][0-9]{0,9}(bit|kbit|mbit|gbit)$';
/** Memory per stress worker as a Kubernetes quantity. */
export const memorySizePattern = '^[1-9][0-9]{0,6}(Ki|Mi|Gi)$';
/**
 * Bounds of the token bucket and its queue, in bytes. The minimum is one full Ethernet frame
 * with its headers (1514 bytes, 1518 with a VLAN tag): tbf drops a packet larger than its bucket
 * or queue, so anything smaller would let no full-size frame through.
 */
export const bucketBytes = { minimum: 1600, maximum: 1073741824 } as const;
/** The largest delay or jitter networkLatency accepts (checked by the agent and `validate`). */
export const maxDelayText = '60s';

/** Who carries a fault kind out: the controller through the Kubernetes API, or the node agent. */
export type FaultExecutor = 'controller' | 'agent';

interface FaultKindEntry {
  executor: FaultExecutor;
  schema: JsonSchema;
}

/** The one table of fault kinds. Every other list of kinds is derived from it. */
export const faultKindTable = {
  podKill: {
    executor: 'controller',
    schema: {
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
  },
  podFailure: {
    executor: 'controller',
    schema: {
      type: 'object',
      title: 'PodFailure',
      description:
        'Make the target pods fail for the duration by replacing their container images with one that never starts, then restore them.',
      properties: {},
    },
  },
  containerKill: {
    executor: 'agent',
    schema: {
      type: 'object',
      title: 'ContainerKill',
      description: "Send a signal to the main process of the target's containers (selector.containerNames).",
      properties: {
        signal: { type: 'string', enum: signalNames, default: 'SIGKILL', description: 'The signal to send.' },
      },
    },
  },
  networkLoss: {
    executor: 'agent',
    schema: {
      type: 'object',
      title: 'NetworkLoss',
      description: 'Drop a random share of packets (nftables, in the target network namespace).',
      required: ['percent'],
      properties: {
        percent: percent('Share of packets dropped, 1 to 100.'),
        ...networkScope(bothDirections, 'egress'),
      },
      allOf: scopeRules,
    },
  },
  networkLatency: {
    executor: 'agent',
    schema: {
      type: 'object',
      title: 'NetworkLatency',
      description: 'Delay outgoing packets (tc netem). Needs the sch_netem kernel module on the node.',
      required: ['latency'],
      properties: {
        latency: duration(`Added delay, from 1us to ${maxDelayText}, e.g. 100ms.`),
        jitter: duration(`Random variation around the delay, at most ${maxDelayText}, e.g. 10ms.`),
        correlation: percent(
          'How much each random variation depends on the previous one, 0 to 100; needs jitter.',
          0,
        ),
        ...networkScope(['egress'], 'egress'),
      },
      // netem correlates the jitter: without jitter a correlation has nothing to act on.
      allOf: [...scopeRules, onlyWith('correlation', 'jitter')],
    },
  },
  networkPartition: {
    executor: 'agent',
    schema: {
      type: 'object',
      title: 'NetworkPartition',
      description: 'Cut the target off from the given CIDRs (and ports) entirely (nftables).',
      required: ['cidrs'],
      properties: {
        ...networkScope(bothDirections, 'both'),
      },
      allOf: scopeRules,
    },
  },
  networkBandwidth: {
    executor: 'agent',
    schema: {
      type: 'object',
      title: 'NetworkBandwidth',
      description:
        'Limit outgoing bandwidth (tc tbf; with cidrs or ports, an htb class only that traffic is steered into).',
      required: ['rate'],
      properties: {
        rate: { type: 'string', pattern: ratePattern, description: 'The rate limit, e.g. 1mbit.' },
        burst: {
          type: 'integer',
          ...bucketBytes,
          description: `Bucket size in bytes (default: 10 ms of traffic at the rate, at least ${bucketBytes.minimum}).`,
        },
        limit: {
          type: 'integer',
          ...bucketBytes,
          description:
            'Bytes that may queue waiting for tokens (default: burst plus 50 ms of traffic at the rate).',
        },
        ...networkScope(['egress'], 'egress'),
      },
      allOf: scopeRules,
    },
  },
  cpuStress: {
    executor: 'agent',
    schema: {
      type: 'object',
      title: 'CpuStress',
      description: "Burn CPU inside the target's cgroup (stress-ng).",
      required: ['workers'],
      properties: {
        workers: { type: 'integer', minimum: 1, maximum: 64, description: 'Number of CPU workers.' },
        load: { ...percent('Load per worker in percent.'), default: 100 },
      },
    },
  },
  memoryStress: {
    executor: 'agent',
    schema: {
      type: 'object',
      title: 'MemoryStress',
      description: "Allocate and touch memory inside the target's cgroup (stress-ng).",
      required: ['size'],
      properties: {
        size: {
          type: 'string',
          pattern: memorySizePattern,
          description: 'Memory per worker as a Kubernetes quantity, e.g. 256Mi.',
        },
        workers: {
          type: 'integer',
          minimum: 1,
          maximum: 16,
          default: 1,
          description: 'Number of memory workers.',
        },
      },
    },
  },
  processKill: {
    executor: 'agent',
    schema: {
      type: 'object',
      title: 'ProcessKill',
      description: 'Send a signal to the selected processes (selector.processes in standalone mode).',
      properties: {
        signal: { type: 'string', enum: signalNames, default: 'SIGKILL', description: 'The signal to send.' },
      },
    },
  },
  processPause: {
    executor: 'agent',
    schema: {
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
  },
} satisfies Record<string, FaultKindEntry>;

export type FaultKindName = keyof typeof faultKindTable;
/** Fault kinds by who carries them out, e.g. `FaultKindOf<'agent'>` is the node faults. */
export type FaultKindOf<E extends FaultExecutor> = {
  [K in FaultKindName]: (typeof faultKindTable)[K]['executor'] extends E ? K : never;
}[FaultKindName];

export const faultKindNames = Object.keys(faultKindTable) as FaultKindName[];

export function faultKindsRunBy<E extends FaultExecutor>(executor: E): FaultKindOf<E>[] {
  return faultKindNames.filter((kind) => faultKindTable[kind].executor === executor) as FaultKindOf<E>[];
}

/** Each fault kind's params schema. */
export const faultKinds = Object.fromEntries(
  faultKindNames.map((kind) => [kind, faultKindTable[kind].schema as JsonSchema]),
) as Record<FaultKindName, JsonSchema>;

function faultItemOf(title: string, kinds: readonly FaultKindName[]): JsonSchema {
  return {
    type: 'object',
    title,
    description: `One fault: exactly one of ${kinds.join(', ')}.`,
    properties: {
      name: dnsLabel('A name for this fault, used in status and reports (default: its kind and index).'),
      ...Object.fromEntries(kinds.map((kind) => [kind, faultKinds[kind]])),
    },
    oneOf: kinds.map((kind) => ({ required: [kind] })),
  };
}

/** One item of `spec.faults`: exactly one fault kind. */
export const faultItem: JsonSchema = faultItemOf('Fault', faultKindNames);

/** The fault of a ChaosInjection: only the kinds a node agent carries out. */
export const nodeFaultItem: JsonSchema = faultItemOf('NodeFault', faultKindsRunBy('agent'));
