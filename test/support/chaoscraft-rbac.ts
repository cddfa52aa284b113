// Our three processes as the chart deploys them: each a service account in chaoscraft-system, bound to
// the rules of charts/chaoscraft/rbac/<process>.yaml. Tests run a process under its own identity with
// `kubeConfigFor(server, { user: process })` after `grantProcess(server, process)`.
import { join } from 'node:path';
import type { KubeConfig } from '@kubernetes/client-node';
import type { KubeApiServer, UserSpec } from './kube-api-server/index.ts';
import { kubeConfigFor, readManifestFile } from './kube-api-server/index.ts';

export type ProcessName = 'controller' | 'agent' | 'gitops';
export const PROCESSES: readonly ProcessName[] = ['controller', 'agent', 'gitops'];

export const RBAC_DIRECTORY = join(import.meta.dirname, '../../charts/chaoscraft/rbac');
export const CHAOSCRAFT_NAMESPACE = 'chaoscraft-system';

type Json = Record<string, unknown>;

export function processUser(process: ProcessName): UserSpec {
  return { name: process, username: `system:serviceaccount:${CHAOSCRAFT_NAMESPACE}:${process}` };
}

/** The objects of the process's rule file, in file order. */
export function processRbacObjects(process: ProcessName): Promise<Json[]> {
  return readManifestFile(join(RBAC_DIRECTORY, `${process}.yaml`));
}

/** One entry of one Role's or ClusterRole's `rules`, addressed for `withoutRule`. */
export interface RuleRef {
  kind: string;
  name: string;
  index: number;
  rule: Json;
}

export function rulesOf(objects: Json[]): RuleRef[] {
  return objects.flatMap((object) =>
    object.kind === 'Role' || object.kind === 'ClusterRole'
      ? ((object.rules ?? []) as Json[]).map((rule, index) => ({
          kind: String(object.kind),
          name: String((object.metadata as Json).name),
          index,
          rule,
        }))
      : [],
  );
}

/** `ClusterRole chaoscraft-controller rules[3]: patch chaoscraft.io chaosexperiments/status` */
export function describeRule(ref: RuleRef): string {
  const list = (key: string) => ((ref.rule[key] ?? []) as string[]).join(',');
  const names = ref.rule.resourceNames ? ` (names ${list('resourceNames')})` : '';
  return `${ref.kind} ${ref.name} rules[${ref.index}]: ${list('verbs')} ${list('apiGroups') || '""'} ${list('resources')}${names}`;
}

/** The objects with one rule left out. */
export function withoutRule(objects: Json[], ref: RuleRef): Json[] {
  return objects.map((object) => {
    if (object.kind !== ref.kind || (object.metadata as Json).name !== ref.name) return object;
    const rules = (object.rules as Json[]).filter((_rule, index) => index !== ref.index);
    return { ...object, rules };
  });
}

function metadataOf(object: Json): { name: string; namespace?: string } {
  return object.metadata as { name: string; namespace?: string };
}

/**
 * Installs the process's rules as the chart would (chaoscraft-system first, if missing) and registers its
 * service account as a user of the server. Objects that exist already are left alone, so starting a
 * second replica of a process is harmless. `objects` replaces the chart's (e.g. with a rule left out).
 */
export async function grantProcess(
  server: KubeApiServer,
  process: ProcessName,
  options: { objects?: Json[] } = {},
): Promise<void> {
  const objects = options.objects ?? (await processRbacObjects(process));
  const namespace = { apiVersion: 'v1', kind: 'Namespace', name: CHAOSCRAFT_NAMESPACE };
  if (!server.get(namespace)) server.create({ ...namespace, metadata: { name: CHAOSCRAFT_NAMESPACE } });
  for (const object of objects) {
    const { name, namespace: objectNamespace } = metadataOf(object);
    const address = {
      apiVersion: String(object.apiVersion),
      kind: String(object.kind),
      name,
      namespace: objectNamespace,
    };
    if (server.get(address)) continue;
    // A binding for a namespace the test has not made (argocd) is stored without the namespace check,
    // so that it applies once the test makes it.
    const namespaceExists =
      !objectNamespace || server.get({ apiVersion: 'v1', kind: 'Namespace', name: objectNamespace });
    if (namespaceExists) server.create(object);
    else server.seed([object]);
  }
  server.addUser(processUser(process));
}

/** `grantProcess`, then a client configuration that authenticates as the process's service account. */
export async function kubeConfigAs(server: KubeApiServer, process: ProcessName): Promise<KubeConfig> {
  await grantProcess(server, process);
  return kubeConfigFor(server, { user: process });
}
