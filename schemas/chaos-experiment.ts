// ChaosExperiment: one bounded run of faults against selected targets, guarded by a hypothesis.

import { faultItem, faultKindNames } from './faults.ts';
import {
  conditions,
  dnsLabel,
  duration,
  labelMap,
  labelSelector,
  objectName,
  stringList,
  stringMap,
  timestamp,
} from './fragments.ts';
import type { JsonSchema } from './json-schema.ts';

/** Path segments that cannot be `.` or `..` (none starts with a dot). */
const safeSegment = '[A-Za-z0-9_@:+-][A-Za-z0-9_.@:+-]{0,254}';
/** At least one segment below the cgroup root: `/` alone would select every process on the host. */
export const cgroupPattern = `^(/${safeSegment}){1,64}$`;
/** A systemd service or scope name, as systemd names its cgroup directory (no `/`, so no climbing out). */
export const systemdUnitPattern = '^[A-Za-z0-9:_.@-]+\\.(service|scope)$';
export const pidFilePattern = `^/(var/)?run(/${safeSegment}){0,8}/[A-Za-z0-9_@:+-][A-Za-z0-9_.@:+-]{0,250}[.]pid$`;
/** Printable ASCII with at most 8 quantifier characters (* + ? {). */
export const commandPatternShape = '^[ -),->@-z|}~]*([*+?{][ -),->@-z|}~]*){0,8}$';

export const selector: JsonSchema = {
  type: 'object',
  title: 'Selector',
  description:
    'Which targets the faults hit: pods (Kubernetes) or processes and network namespaces (standalone mode). Every field given must match.',
  minProperties: 1,
  properties: {
    namespaces: stringList(
      "Namespaces to select pods from (default: the experiment's own namespace).",
      dnsLabel('A namespace.'),
      32,
    ),
    labelSelector,
    fieldSelector: stringMap('Pod fields that must have these values, e.g. {"status.phase": "Running"}.'),
    names: stringList('Pod names.', objectName('A pod name.'), 256),
    nodeSelector: labelMap('Labels the pod’s node must carry.'),
    containerNames: stringList(
      'Containers inside the pod (default: all).',
      dnsLabel('A container name.'),
      32,
    ),
    processes: {
      type: 'object',
      title: 'ProcessSelector',
      description: 'Standalone mode: local processes. Every field given must match.',
      minProperties: 1,
      properties: {
        names: stringList(
          'Process names as in /proc/PID/comm.',
          { type: 'string', pattern: '^[^/\\x00]{1,15}$', description: 'A process name (at most 15 bytes).' },
          32,
        ),
        commandPattern: {
          type: 'string',
          maxLength: 256,
          // Printable text only, at most 8 quantifiers, and no quantified group or backreference:
          // the shapes that make a backtracking engine take exponential time ((a+)+, (a|a)*, \1).
          pattern: commandPatternShape,
          not: { pattern: '\\)[*+?{]|\\\\[1-9]' },
          description:
            'A regular expression matched against the full command line (/proc/PID/cmdline): printable text, at most 8 quantifiers, no quantified group and no backreference.',
        },
        pidFile: {
          type: 'string',
          maxLength: 255,
          pattern: pidFilePattern,
          description: 'A PID file under /run or /var/run whose name ends in .pid (no . or .. segments).',
        },
        cgroup: {
          type: 'string',
          maxLength: 4095,
          pattern: cgroupPattern,
          description:
            'A cgroup v2 path under /sys/fs/cgroup, written from that root (e.g. /system.slice/nginx.service); no segment starts with a dot, so .. cannot climb out.',
        },
        systemdUnit: {
          type: 'string',
          maxLength: 255,
          pattern: systemdUnitPattern,
          description:
            "A systemd service or scope (e.g. nginx.service): the processes of the unit's cgroup, found in the slices under systemd's own cgroup. The unit must be running: a unit without a cgroup is a target not found.",
        },
      },
    },
    netns: stringList(
      'Standalone mode: named network namespaces (as in /run/netns).',
      { type: 'string', pattern: '^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$', description: 'A namespace name.' },
      64,
    ),
  },
};

const probeWhen = ['before', 'during', 'after'] as const;

export const probe: JsonSchema = {
  type: 'object',
  title: 'Probe',
  description: 'One check of the steady-state hypothesis: exactly one of http, prometheus, kubernetes.',
  required: ['name'],
  properties: {
    name: dnsLabel('The probe name, unique in the experiment.'),
    when: {
      type: 'array',
      description: 'Phases in which the probe runs (default: all three).',
      maxItems: 3,
      items: { type: 'string', enum: probeWhen, description: 'before, during or after the faults.' },
    },
    interval: duration('Time between two checks while the faults run (default 10s).'),
    timeout: duration('Time one check may take (default 5s).'),
    failureThreshold: {
      type: 'integer',
      minimum: 1,
      maximum: 100,
      description: 'Consecutive failures that break the hypothesis (default 1).',
    },
    http: {
      type: 'object',
      title: 'HttpProbe',
      description: 'An HTTP request that must answer with an expected status.',
      required: ['url'],
      properties: {
        url: {
          type: 'string',
          pattern: '^https?://[^\\s]{1,2040}$',
          description: 'The URL to request.',
        },
        method: { type: 'string', enum: ['GET', 'HEAD', 'POST'], default: 'GET', description: 'The method.' },
        headers: stringMap('Request headers.'),
        body: { type: 'string', maxLength: 65536, description: 'Request body (POST).' },
        expectStatus: {
          type: 'array',
          description: 'Acceptable status codes (default [200]).',
          maxItems: 16,
          items: { type: 'integer', minimum: 100, maximum: 599, description: 'An HTTP status.' },
        },
        bodyContains: { type: 'string', maxLength: 1024, description: 'Text the body must contain.' },
      },
    },
    prometheus: {
      type: 'object',
      title: 'PrometheusProbe',
      description: 'A PromQL query whose (single) value is compared with a threshold.',
      required: ['query', 'comparison'],
      properties: {
        address: {
          type: 'string',
          pattern: '^https?://[^\\s]{1,2040}$',
          description: 'The Prometheus base URL (default: the controller’s --prometheus-url).',
        },
        query: { type: 'string', minLength: 1, maxLength: 8192, description: 'An instant PromQL query.' },
        comparison: {
          type: 'object',
          title: 'Comparison',
          description: 'The hypothesis holds when `value <op> threshold`.',
          required: ['op', 'value'],
          properties: {
            op: { type: 'string', enum: ['<', '<=', '>', '>=', '==', '!='], description: 'The comparison.' },
            value: { type: 'number', description: 'The threshold.' },
          },
        },
      },
    },
    kubernetes: {
      type: 'object',
      title: 'KubernetesProbe',
      description: 'A Kubernetes object that must have a condition or field value.',
      required: ['apiVersion', 'kind', 'name'],
      properties: {
        apiVersion: { type: 'string', maxLength: 253, description: 'e.g. apps/v1.' },
        kind: { type: 'string', pattern: '^[A-Z][A-Za-z0-9]{0,62}$', description: 'e.g. Deployment.' },
        name: objectName('The object name.'),
        namespace: dnsLabel("The object namespace (default: the experiment's)."),
        condition: {
          type: 'object',
          title: 'ConditionCheck',
          description: 'A condition that must have this status.',
          required: ['type'],
          properties: {
            type: { type: 'string', maxLength: 316, description: 'The condition type, e.g. Available.' },
            status: {
              type: 'string',
              enum: ['True', 'False', 'Unknown'],
              default: 'True',
              description: 'The required status.',
            },
          },
        },
        field: {
          type: 'object',
          title: 'FieldCheck',
          description: 'A field (dotted path) that must equal a value.',
          required: ['path', 'equals'],
          properties: {
            path: {
              type: 'string',
              pattern: '^[A-Za-z0-9_]+(\\.[A-Za-z0-9_]+|\\[[0-9]+\\])*$',
              description: 'A dotted path such as status.readyReplicas.',
            },
            equals: { type: 'string', maxLength: 1024, description: 'The value, compared as a string.' },
          },
        },
      },
    },
  },
  oneOf: [{ required: ['http'] }, { required: ['prometheus'] }, { required: ['kubernetes'] }],
};

export const experimentSpec: JsonSchema = {
  type: 'object',
  title: 'ChaosExperimentSpec',
  description: 'What to break, where, for how long, and what must stay true meanwhile.',
  required: ['selector', 'faults', 'duration'],
  properties: {
    selector,
    mode: {
      type: 'string',
      enum: ['one', 'all', 'fixed', 'fixed-percent', 'random-max-percent'],
      default: 'one',
      description:
        'How many selected targets are hit: one, all, a fixed number (value), a fixed percentage (value), or a random percentage up to value.',
    },
    value: {
      type: 'integer',
      minimum: 1,
      maximum: 100000,
      description: 'The count (mode fixed) or percentage, 1 to 100 (fixed-percent, random-max-percent).',
    },
    faults: {
      type: 'array',
      description: 'The faults applied to every chosen target.',
      minItems: 1,
      maxItems: 16,
      items: faultItem,
    },
    duration: duration('How long the faults stay in place, e.g. 90s or 5m.'),
    dryRun: {
      type: 'boolean',
      default: false,
      description: 'Select and record the targets, check the hypothesis, inject nothing.',
    },
    hypothesis: {
      type: 'object',
      title: 'Hypothesis',
      description: 'The steady state that must hold before, during and after the faults.',
      properties: {
        probes: { type: 'array', description: 'The checks.', maxItems: 16, items: probe },
      },
    },
    abort: {
      type: 'object',
      title: 'AbortPolicy',
      description: 'When to stop early.',
      properties: {
        onHypothesisFailure: {
          type: 'boolean',
          default: true,
          description: 'Recover every fault at once when the hypothesis breaks (default true).',
        },
      },
    },
  },
  // Cross-field rules, written so that a structural schema (and so the CRD) can carry them.
  anyOf: [
    { properties: { mode: { enum: ['one', 'all'] } } },
    { properties: { mode: { enum: ['fixed'] } }, required: ['value'] },
    {
      properties: { mode: { enum: ['fixed-percent', 'random-max-percent'] }, value: { maximum: 100 } },
      required: ['value'],
    },
  ],
};

const targetRecord: JsonSchema = {
  type: 'object',
  title: 'TargetRecord',
  description: 'One target and one fault: written before the fault is applied.',
  required: ['kind', 'name', 'fault', 'state'],
  properties: {
    kind: {
      type: 'string',
      enum: ['Pod', 'Process', 'NetworkNamespace'],
      description: 'What the target is.',
    },
    namespace: { type: 'string', maxLength: 63, description: 'The pod namespace.' },
    name: { type: 'string', maxLength: 253, description: 'The pod name, process name or namespace name.' },
    uid: { type: 'string', maxLength: 64, description: 'The pod UID.' },
    node: { type: 'string', maxLength: 253, description: 'The node the target ran on.' },
    pid: { type: 'integer', minimum: 1, description: 'The process ID (standalone).' },
    fault: { type: 'string', maxLength: 63, description: 'The fault name.' },
    faultKind: { type: 'string', enum: faultKindNames, description: 'The fault kind.' },
    injection: {
      type: 'string',
      maxLength: 253,
      description: 'The ChaosInjection that carries a node fault.',
    },
    state: {
      type: 'string',
      enum: ['pending', 'injected', 'recovered', 'failed'],
      description: 'pending → injected → recovered | failed.',
    },
    injectedAt: timestamp('When the fault took effect.'),
    recoveredAt: timestamp('When the fault was removed.'),
    message: { type: 'string', maxLength: 4096, description: 'Why the target failed, if it did.' },
  },
};

const probeResult: JsonSchema = {
  type: 'object',
  title: 'ProbeResult',
  description: 'The latest result of one probe in one phase.',
  required: ['name', 'phase', 'outcome', 'time'],
  properties: {
    name: { type: 'string', maxLength: 63, description: 'The probe name.' },
    phase: { type: 'string', enum: ['before', 'during', 'after'], description: 'When it ran.' },
    outcome: { type: 'string', enum: ['Passed', 'Failed', 'Error'], description: 'The result.' },
    time: timestamp('When it ran.'),
    consecutiveFailures: { type: 'integer', minimum: 0, description: 'Failures in a row so far.' },
    message: { type: 'string', maxLength: 4096, description: 'What was seen.' },
  },
};

export const experimentStatus: JsonSchema = {
  type: 'object',
  title: 'ChaosExperimentStatus',
  description: 'What the controller observed and did. Written only by the controller.',
  properties: {
    observedGeneration: {
      type: 'integer',
      format: 'int64',
      description: 'The generation this status describes.',
    },
    conditions,
    startTime: timestamp('When the run was admitted.'),
    injectionStartTime: timestamp(
      'When injecting began; the node agents must answer within the agent timeout from here.',
    ),
    injectedTime: timestamp(
      'When every fault that could be applied was in place; the duration counts from here.',
    ),
    recoveryStartTime: timestamp(
      'When recovery began; recovery not confirmed within the recovery timeout from here is Stalled.',
    ),
    completionTime: timestamp('When the run ended.'),
    dryRun: {
      type: 'boolean',
      description: 'The run recorded its targets and injected nothing (spec.dryRun when it started).',
    },
    abort: {
      type: 'object',
      title: 'RunAbort',
      description: 'Why the run was stopped before its time, when it was.',
      required: ['reason', 'message', 'time'],
      properties: {
        reason: {
          type: 'string',
          enum: ['GuardrailDenied', 'SpecChanged', 'Deleted'],
          description: 'What stopped it.',
        },
        message: { type: 'string', maxLength: 4096, description: 'What happened, in a sentence.' },
        time: timestamp('When it was stopped.'),
      },
    },
    seed: {
      type: 'string',
      maxLength: 64,
      description: 'The random seed used to choose targets, so a restart chooses the same ones.',
    },
    targets: {
      type: 'array',
      description: 'One record per target and fault.',
      maxItems: 100000,
      items: targetRecord,
    },
    probes: { type: 'array', description: 'The latest probe results.', maxItems: 48, items: probeResult },
    probeTimeline: {
      type: 'array',
      description:
        'How the probes went over the run: one entry each time a probe in a phase first ran or changed outcome, oldest dropped past 64.',
      maxItems: 64,
      items: {
        type: 'object',
        title: 'ProbeEvent',
        description: 'A probe in a phase that first ran, or changed outcome.',
        required: ['name', 'phase', 'outcome', 'time'],
        properties: {
          name: { type: 'string', maxLength: 63, description: 'The probe name.' },
          phase: { type: 'string', enum: ['before', 'during', 'after'], description: 'When it ran.' },
          outcome: { type: 'string', enum: ['Passed', 'Failed', 'Error'], description: 'The new outcome.' },
          time: timestamp('When the outcome changed.'),
          message: { type: 'string', maxLength: 256, description: 'What was seen then.' },
        },
      },
    },
    revision: {
      type: 'string',
      pattern: '^[0-9a-f]{7,64}$',
      description: 'The Git commit Argo CD synced this experiment from.',
    },
    report: {
      type: 'object',
      title: 'RunReport',
      description: 'A summary of the finished run.',
      properties: {
        verdict: {
          type: 'string',
          enum: ['Passed', 'Failed', 'Aborted', 'DryRun'],
          description: 'The outcome in one word.',
        },
        targetsHit: { type: 'integer', minimum: 0, description: 'Targets a fault was applied to.' },
        timeToInjectSeconds: {
          type: 'number',
          minimum: 0,
          description: 'From start to all faults in place.',
        },
        timeToRecoverSeconds: {
          type: 'number',
          minimum: 0,
          description: 'From recovery start to all faults gone.',
        },
        summary: { type: 'string', maxLength: 4096, description: 'One or two sentences.' },
      },
    },
  },
};
