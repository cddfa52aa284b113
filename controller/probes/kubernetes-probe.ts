/**
 * Kubernetes probe: an object that must exist and, when asked, carry a condition status and/or a field
 * value. A missing object is `Failed` (the steady state includes it existing); a read that fails is `Error`.
 */

import type { KubernetesProbe } from '../api/types.generated.ts';
import { FieldPathError, fieldValueToString, readFieldPath } from './field-path.ts';
import { clip, type ProbeOutcome, type ProbeProvider, type ProbeRunOptions } from './provider.ts';

export interface ObjectReference {
  apiVersion: string;
  kind: string;
  /** Undefined for cluster-scoped kinds (or when neither the probe nor the experiment names one). */
  namespace: string | undefined;
  name: string;
}

/** Reads one object; resolves `undefined` when it does not exist (404), rejects on any other failure. */
export interface ObjectReader {
  get(reference: ObjectReference & { signal?: AbortSignal }): Promise<object | undefined>;
}

export interface KubernetesProbeProviderOptions {
  reader: ObjectReader;
}

export function createKubernetesProbeProvider(options: KubernetesProbeProviderOptions): ProbeProvider {
  return { run: (runOptions) => runKubernetesProbe({ ...runOptions, reader: options.reader }) };
}

async function runKubernetesProbe(
  options: ProbeRunOptions & { reader: ObjectReader },
): Promise<ProbeOutcome> {
  const spec = options.probe.kubernetes;
  if (!spec) return { outcome: 'Error', message: 'not a kubernetes probe' };
  const reference: ObjectReference = {
    apiVersion: spec.apiVersion,
    kind: spec.kind,
    namespace: spec.namespace ?? options.defaultNamespace,
    name: spec.name,
  };
  const label = describeReference(reference);
  let object: object | undefined;
  try {
    object = await options.reader.get({ ...reference, signal: options.signal });
  } catch (error) {
    // A refusal is the controller's permissions, not the application's health: say what to grant.
    const forbidden = (error as { statusCode?: number } | undefined)?.statusCode === 403;
    const hint = forbidden
      ? `; the controller may not read ${reference.kind} here: grant its service account get on it (a Role in that namespace, or its ClusterRole)`
      : '';
    return { outcome: 'Error', message: `${label}: read failed: ${describeReadError(error)}${hint}` };
  }
  if (object === undefined || object === null)
    return { outcome: 'Failed', message: `${label} does not exist` };
  const checks = [checkCondition(spec, object), checkField(spec, object)].filter(
    (check): check is ProbeOutcome => check !== undefined,
  );
  if (checks.length === 0) return { outcome: 'Passed', message: `${label} exists` };
  // Error beats Failed beats Passed: report the first check that did not pass.
  const worst =
    checks.find((check) => check.outcome === 'Error') ??
    checks.find((check) => check.outcome === 'Failed') ??
    checks[0]!;
  const message = checks.map((check) => check.message).join('; ');
  return { ...worst, message: `${label}: ${message}` };
}

function checkCondition(spec: KubernetesProbe, object: object): ProbeOutcome | undefined {
  if (!spec.condition) return undefined;
  const want = spec.condition.status ?? 'True';
  const conditions = (object as { status?: { conditions?: unknown } }).status?.conditions;
  const found = Array.isArray(conditions)
    ? (conditions as { type?: unknown; status?: unknown; reason?: unknown }[]).find(
        (condition) => condition?.type === spec.condition!.type,
      )
    : undefined;
  if (!found) {
    return { outcome: 'Failed', message: `condition ${spec.condition.type} is not present (want ${want})` };
  }
  const status = typeof found.status === 'string' ? found.status : String(found.status);
  const reason =
    typeof found.reason === 'string' && found.reason ? ` (reason ${clip(found.reason, 80)})` : '';
  if (status !== want) {
    return {
      outcome: 'Failed',
      message: `condition ${spec.condition.type} is ${status}${reason}, want ${want}`,
      value: status,
    };
  }
  return { outcome: 'Passed', message: `condition ${spec.condition.type} is ${status}`, value: status };
}

function checkField(spec: KubernetesProbe, object: object): ProbeOutcome | undefined {
  if (!spec.field) return undefined;
  const { path, equals } = spec.field;
  let lookup: ReturnType<typeof readFieldPath>;
  try {
    lookup = readFieldPath({ object, path });
  } catch (error) {
    if (error instanceof FieldPathError) return { outcome: 'Error', message: error.message };
    throw error;
  }
  if (!lookup.found) {
    // Kubernetes omits zero values (readyReplicas of 0 is absent): say so rather than guess "0".
    return {
      outcome: 'Failed',
      message: `${path} is not set (${lookup.missingAt} is absent), want ${JSON.stringify(equals)}`,
    };
  }
  const actual = fieldValueToString(lookup.value);
  const shown = JSON.stringify(clip(actual, 120));
  if (actual !== equals) {
    return {
      outcome: 'Failed',
      message: `${path} is ${shown}, want ${JSON.stringify(equals)}`,
      value: clip(actual, 1024),
    };
  }
  return { outcome: 'Passed', message: `${path} is ${shown}`, value: clip(actual, 1024) };
}

function describeReference(reference: ObjectReference): string {
  const where = reference.namespace ? `${reference.namespace}/` : '';
  return `${reference.kind} ${where}${reference.name} (${reference.apiVersion})`;
}

function describeReadError(error: unknown): string {
  const failure = error as { code?: unknown; message?: unknown } | undefined;
  const code =
    typeof failure?.code === 'string' || typeof failure?.code === 'number' ? `${failure.code}: ` : '';
  const message = typeof failure?.message === 'string' ? failure.message : String(error);
  // Long enough for a Kubernetes refusal, which names the verb, resource, group and namespace.
  return clip(`${code}${message}`, 600);
}
