// Runs a process's representative scenario under a given set of RBAC objects and reports what the
// server saw of it: whether the scenario completed, the first request RBAC refused, and every request
// the process made. With all of the chart's rules nothing may be refused, and every verb on every
// resource a rule grants must be used; without any one rule, something must be refused.
import type { KubeConfig } from '@kubernetes/client-node';
import { grantProcess, type ProcessName, processUser, type RuleRef } from '../support/chaoscraft-rbac.ts';
import type { KubeApiServer, RequestRecord } from '../support/kube-api-server/index.ts';
import { kubeConfigFor } from '../support/kube-api-server/index.ts';
import { type PolicyRule, ruleAllows } from '../support/kube-api-server/rbac-rules.ts';
import type { ResourceAttributes } from '../support/kube-api-server/request-attributes.ts';
import { waitFor } from '../support/wait.ts';

type Json = Record<string, unknown>;

/** A started process doing its scenario: `done` resolves when the scenario is complete. */
export interface ScenarioRun {
  done: Promise<void>;
  stop(): Promise<void>;
}

export interface Scenario {
  process: ProcessName;
  /** A fresh server with what the scenario needs, made by the admin (no RBAC involved). */
  startServer(): Promise<KubeApiServer>;
  start(options: { server: KubeApiServer; kubeConfig: KubeConfig }): ScenarioRun;
  /** Upper bound for the whole scenario. */
  timeoutMs: number;
}

export interface ScenarioOutcome {
  completed: boolean;
  /** The first of the process's requests RBAC refused. */
  refused?: RequestRecord;
  /** Every request the process made. */
  requests: RequestRecord[];
}

/** Runs until the scenario completes, RBAC refuses one of the process's requests, or time runs out. */
export async function runScenario(scenario: Scenario, objects: Json[]): Promise<ScenarioOutcome> {
  const server = await scenario.startServer();
  const user = processUser(scenario.process).username;
  let run: ScenarioRun | undefined;
  try {
    await grantProcess(server, scenario.process, { objects });
    run = scenario.start({ server, kubeConfig: kubeConfigFor(server, { user: scenario.process }) });
    let completed = false;
    let failure: unknown;
    run.done.then(
      () => {
        completed = true;
      },
      (error: unknown) => {
        failure = error;
      },
    );
    await waitFor({
      condition: () => completed || failure !== undefined || server.forbiddenRequests({ user }).length > 0,
      what: `the ${scenario.process} scenario`,
      timeoutMs: scenario.timeoutMs,
    }).catch(() => undefined);
    const requests = server.requestLog.filter((record) => record.user === user);
    const refused = requests.find((record) => record.forbidden);
    if (failure !== undefined && !refused) throw failure;
    return { completed, ...(refused ? { refused } : {}), requests };
  } finally {
    await run?.stop();
    await server.close();
  }
}

/** The request as the authorizer judged it (list/watch by name and impersonation do not occur here). */
export function attributesOf(record: RequestRecord): ResourceAttributes {
  const group = record.path.startsWith('/apis/') ? record.path.split('/')[2]! : '';
  return {
    kind: 'resource',
    verb: record.verb,
    group,
    version: '',
    resource: record.resource,
    subresource: record.subresource ?? '',
    namespace: record.namespace ?? '',
    name: record.name ?? '',
  };
}

/** Whether the rule (of a Role in `namespace`, or of a ClusterRole) allows the request. */
export function ruleCovers(ref: RuleRef, namespace: string | undefined, record: RequestRecord): boolean {
  if (namespace !== undefined && record.namespace !== namespace) return false;
  return ruleAllows(ref.rule as PolicyRule, attributesOf(record));
}

/** `verb group/resource` grants of a rule that no allowed request used. */
export function unusedGrants(
  ref: RuleRef,
  namespace: string | undefined,
  requests: RequestRecord[],
): string[] {
  const rule = ref.rule as PolicyRule;
  const allowed = requests.filter((record) => !record.forbidden && record.status !== 401);
  const unused: string[] = [];
  for (const verb of rule.verbs ?? []) {
    for (const group of rule.apiGroups ?? []) {
      for (const resource of rule.resources ?? []) {
        const single: RuleRef = {
          ...ref,
          rule: { ...rule, verbs: [verb], apiGroups: [group], resources: [resource] },
        };
        if (!allowed.some((record) => ruleCovers(single, namespace, record))) {
          unused.push(`${verb} ${group ? `${group}/` : ''}${resource}`);
        }
      }
    }
  }
  return unused;
}

/** The namespace of the Role a rule belongs to (undefined for ClusterRoles). */
export function roleNamespace(objects: Json[], ref: RuleRef): string | undefined {
  if (ref.kind !== 'Role') return undefined;
  const role = objects.find((o) => o.kind === 'Role' && (o.metadata as Json).name === ref.name);
  return (role?.metadata as { namespace?: string } | undefined)?.namespace;
}

export function describeRecord(record: RequestRecord): string {
  const resource = record.subresource ? `${record.resource}/${record.subresource}` : record.resource;
  return `${record.verb} ${resource} ${record.namespace ?? ''}/${record.name ?? ''} → ${record.status}`;
}
