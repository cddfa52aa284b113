// Building blocks shared by the kinds. Kubernetes structural schemas forbid `$ref`, so shared
// pieces are plain objects spliced in where they are used; the generators see inlined schemas.
import type { JsonSchema } from './json-schema.ts';

/** A Go-style duration such as `90s`, `5m` or `1h30m`; the format the Kubernetes ecosystem uses. */
export const durationPattern = '^([0-9]{1,9}(\\.[0-9]{1,9})?(ns|us|µs|ms|s|m|h))+$';

export function duration(description: string): JsonSchema {
  return { type: 'string', pattern: durationPattern, maxLength: 32, description };
}

/** RFC 1123 DNS label: namespaces, container names, probe and fault names. */
export const dnsLabelPattern = '^[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?$';
/** RFC 1123 DNS subdomain: object names. */
export const dnsSubdomainPattern = '^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$';

export function dnsLabel(description: string): JsonSchema {
  return { type: 'string', pattern: dnsLabelPattern, maxLength: 63, description };
}

export function objectName(description: string): JsonSchema {
  return { type: 'string', pattern: dnsSubdomainPattern, maxLength: 253, description };
}

export function stringList(description: string, item: JsonSchema, maxItems = 64): JsonSchema {
  return { type: 'array', description, maxItems, items: item };
}

// Cross-field rules. Each is a `not` of the one state it forbids: no type, no description, only
// fields declared next to it, so a structural schema (and so the CRD) can carry it. The
// manifest explainer recognises these two shapes and names the field in one sentence.

/** Refuses `field` while `other` is set to one of `values`. */
export function forbiddenWhen(field: string, other: string, values: readonly string[]): JsonSchema {
  return { not: { required: [field, other], properties: { [other]: { enum: values } } } };
}

/** Refuses `field` unless `needed` is set too. */
export function onlyWith(field: string, needed: string): JsonSchema {
  return { not: { required: [field], not: { required: [needed] } } };
}

export function stringMap(description: string): JsonSchema {
  return {
    type: 'object',
    description,
    additionalProperties: { type: 'string', maxLength: 1024, description: 'A value.' },
  };
}

/** A Kubernetes label value: at most 63 of [A-Za-z0-9_.-], starting and ending alphanumeric, or empty. */
export const labelValuePattern = '^(([A-Za-z0-9][-A-Za-z0-9_.]{0,61})?[A-Za-z0-9])?$';

/** Labels to match: values are label values, so `$(…)`, NUL and spaces cannot pass. */
export function labelMap(description: string): JsonSchema {
  return {
    type: 'object',
    description,
    additionalProperties: {
      type: 'string',
      maxLength: 63,
      pattern: labelValuePattern,
      description: 'A label value.',
    },
  };
}

export const timestamp = (description: string): JsonSchema => ({
  type: 'string',
  format: 'date-time',
  description,
});

/** A Linux network interface name (IFNAMSIZ is 16 including the NUL). */
export const interfaceNamePattern = '^[A-Za-z0-9][A-Za-z0-9_.-]{0,14}$';

const ipv4Octet = '(25[0-5]|2[0-4][0-9]|1[0-9][0-9]|[1-9]?[0-9])';
/** IPv4 or IPv6 CIDR. Only digits, hex, dots, colons and one slash can pass, so it is safe in argv. */
export const cidrPattern =
  `^(${ipv4Octet}(\\.${ipv4Octet}){3}/(3[0-2]|[12]?[0-9])` +
  // IPv6: hex groups with at least one colon; the agent checks the address again with net.isIP.
  '|[0-9A-Fa-f]{0,4}:[0-9A-Fa-f:.]{1,43}/(12[0-8]|1[01][0-9]|[1-9]?[0-9]))$';

export const signalNames = [
  'SIGKILL',
  'SIGTERM',
  'SIGINT',
  'SIGHUP',
  'SIGQUIT',
  'SIGUSR1',
  'SIGUSR2',
] as const;

export const labelSelector: JsonSchema = {
  type: 'object',
  title: 'LabelSelector',
  description: 'A Kubernetes label selector (metav1.LabelSelector): all requirements must match.',
  properties: {
    matchLabels: labelMap('Labels that must be present with exactly these values.'),
    matchExpressions: {
      type: 'array',
      description: 'Set-based requirements.',
      maxItems: 32,
      items: {
        type: 'object',
        title: 'LabelSelectorRequirement',
        description: 'One set-based requirement.',
        required: ['key', 'operator'],
        properties: {
          key: { type: 'string', maxLength: 317, description: 'The label key.' },
          operator: {
            type: 'string',
            enum: ['In', 'NotIn', 'Exists', 'DoesNotExist'],
            description: 'How the key relates to the values.',
          },
          values: stringList('Values for In and NotIn; empty for Exists and DoesNotExist.', {
            type: 'string',
            maxLength: 63,
            pattern: labelValuePattern,
            description: 'A label value.',
          }),
        },
      },
    },
  },
};

/** The exact shape of metav1.Condition. */
export const conditions: JsonSchema = {
  type: 'array',
  description: 'The latest observations of the object, in the shape of metav1.Condition.',
  'x-kubernetes-list-type': 'map',
  'x-kubernetes-list-map-keys': ['type'],
  maxItems: 16,
  items: {
    type: 'object',
    title: 'Condition',
    description: 'One aspect of the current state (metav1.Condition).',
    required: ['type', 'status', 'lastTransitionTime', 'reason', 'message'],
    properties: {
      type: {
        type: 'string',
        maxLength: 316,
        pattern:
          '^([a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*/)?(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])$',
        description: 'The condition type in CamelCase, e.g. Succeeded.',
      },
      status: { type: 'string', enum: ['True', 'False', 'Unknown'], description: 'True, False or Unknown.' },
      observedGeneration: {
        type: 'integer',
        format: 'int64',
        minimum: 0,
        description: 'The metadata.generation the condition was set for.',
      },
      lastTransitionTime: timestamp('When the status last changed (not when the reason or message did).'),
      reason: {
        type: 'string',
        minLength: 1,
        maxLength: 1024,
        pattern: '^[A-Za-z]([A-Za-z0-9_,:]*[A-Za-z0-9_])?$',
        description: 'A CamelCase, machine-readable reason for the last transition.',
      },
      message: { type: 'string', maxLength: 32768, description: 'A human-readable explanation.' },
    },
  },
};

/** The metadata schema used for validation outside the cluster (CRDs keep `metadata` opaque). */
export const manifestMetadata: JsonSchema = {
  type: 'object',
  title: 'ObjectMeta',
  description: 'Standard object metadata.',
  properties: {
    name: objectName('The object name.'),
    generateName: { type: 'string', maxLength: 200, description: 'A prefix for a generated name.' },
    namespace: dnsLabel('The namespace; the one in the kubeconfig or Argo CD Application when omitted.'),
    labels: stringMap('Labels.'),
    annotations: stringMap('Annotations.'),
  },
  'x-kubernetes-preserve-unknown-fields': true,
};
