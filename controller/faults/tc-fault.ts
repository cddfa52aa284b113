/**
 * The shared body of the tc faults (latency, bandwidth). Egress only.
 *
 * Unscoped (no cidrs/ports/protocol): one root qdisc per interface (`tbf` or `netem`) with the tag's handle.
 * Scoped: a root `htb` with the tag's handle whose unclassified traffic goes straight out (no default class),
 * one class `<major>:1` holding the shaping qdisc, and an nft table that steers matching packets into that
 * class by setting `meta priority` (htb classifies by skb priority first). The scope is thus matched by the
 * same nft rules as loss and partition, not by a second matcher.
 */
import { CommandFailedError, FaultError } from './errors.ts';
import type { Fault, InjectionRecord } from './fault.ts';
import { normaliseScope } from './network-scope.ts';
import { deleteTaggedTable, loadRuleset, namespaceAlive } from './nft.ts';
import { buildRuleset } from './nft-ruleset.ts';
import type { CheckedParamsByKind, FaultParamsByKind, NetworkScope } from './params.ts';
import { tcMajorForTag } from './tags.ts';
import { assertInjectable, assertTaggedTarget, paramIssues } from './target.ts';
import { isDefaultQdisc, listNonLoopbackInterfaces, listRootQdiscs, runTcBatch } from './tc.ts';

export interface TcShape {
  /** Words of the qdisc that does the work, e.g. `['tbf', 'rate', '8mbit', ...]`. */
  leaf: string[];
  /** Rate of the htb class that carries scoped traffic. */
  classRate: string;
}

export function isScoped(scope: NetworkScope): boolean {
  return scope.cidrs !== undefined || scope.ports !== undefined || scope.protocol !== 'all';
}

/** The leaf qdisc of a scoped injection gets the next major after the root's. */
function leafMajor(major: string): string {
  return (Number.parseInt(major, 16) + 1).toString(16);
}

export function buildTcCommands(options: {
  interfaces: string[];
  major: string;
  scoped: boolean;
  shape: TcShape;
  /** Interfaces that already carry this tag's qdisc (deleted first, so injecting twice leaves one). */
  alreadyOurs: ReadonlySet<string>;
}): string[][] {
  const { major, shape } = options;
  const commands: string[][] = [];
  for (const dev of options.interfaces) {
    if (options.alreadyOurs.has(dev)) commands.push(['qdisc', 'del', 'dev', dev, 'root']);
    if (!options.scoped) {
      commands.push(['qdisc', 'add', 'dev', dev, 'root', 'handle', `${major}:`, ...shape.leaf]);
      continue;
    }
    commands.push(['qdisc', 'add', 'dev', dev, 'root', 'handle', `${major}:`, 'htb']);
    commands.push([
      'class',
      'add',
      'dev',
      dev,
      'parent',
      `${major}:`,
      'classid',
      `${major}:1`,
      'htb',
      'rate',
      shape.classRate,
      'ceil',
      shape.classRate,
    ]);
    commands.push([
      'qdisc',
      'add',
      'dev',
      dev,
      'parent',
      `${major}:1`,
      'handle',
      `${leafMajor(major)}:`,
      ...shape.leaf,
    ]);
  }
  return commands;
}

async function removeOurQdiscs(options: { netnsPath?: string; major: string }): Promise<void> {
  if (!namespaceAlive(options)) return;
  const ours = (await listRootQdiscs(options)).filter((qdisc) => qdisc.handle === `${options.major}:`);
  if (ours.length === 0) return;
  const commands = ours.map((qdisc) => ['qdisc', 'del', 'dev', qdisc.interfaceName, 'root']);
  const result = await runTcBatch({ netnsPath: options.netnsPath, commands, force: true });
  if (result.ok || !namespaceAlive(options)) return;
  // An interface may vanish between listing and deleting; only fail if one of ours is still there.
  const left = (await listRootQdiscs(options)).filter((qdisc) => qdisc.handle === `${options.major}:`);
  if (left.length > 0)
    throw new CommandFailedError({ program: 'tc', exitCode: 1, signal: null, stderr: result.stderr });
}

/**
 * tc faults shape what leaves an interface (ingress shaping would need an ifb device we do not create), so
 * their schemas allow no direction but egress.
 */
export function createTcFault<K extends 'networkLatency' | 'networkBandwidth'>(options: {
  kind: K;
  shape: (params: CheckedParamsByKind[K]) => TcShape;
  /** Turns a failed batch into a specific error (e.g. netem missing), or undefined for the generic one. */
  explainFailure?: (options: { stderr: string; interfaceName: string }) => Error | undefined;
}): Fault<FaultParamsByKind[K]> {
  const { kind } = options;
  return {
    kind,
    oneShot: false,
    validate: (params) => paramIssues(kind, params),

    async inject({ target, params, tag }): Promise<InjectionRecord> {
      const checked = assertInjectable({ kind, tag, target, params });
      const { netnsPath } = target;
      const scope = normaliseScope(checked);
      const scoped = isScoped(scope);
      const major = tcMajorForTag(tag);
      const interfaces = scope.interfaces ?? (await listNonLoopbackInterfaces({ netnsPath }));
      const roots = await listRootQdiscs({ netnsPath });
      const alreadyOurs = new Set<string>();
      for (const dev of interfaces) {
        const root = roots.find((qdisc) => qdisc.interfaceName === dev);
        if (!root || isDefaultQdisc(root)) continue;
        if (root.handle === `${major}:`) alreadyOurs.add(dev);
        else {
          throw new FaultError({
            code: 'QdiscConflict',
            message: `interface ${dev} already has a ${root.kind} root qdisc (${root.handle}) that this injection did not create; refusing to replace it`,
            data: { interface: dev, kind: root.kind, handle: root.handle },
          });
        }
      }
      const shape = options.shape(checked);
      const commands = buildTcCommands({ interfaces, major, scoped, shape, alreadyOurs });
      const result = await runTcBatch({ netnsPath, commands });
      if (!result.ok) {
        await removeOurQdiscs({ netnsPath, major });
        const interfaceName = interfaces[0] ?? '';
        throw (
          options.explainFailure?.({ stderr: result.stderr, interfaceName }) ??
          new CommandFailedError({ program: 'tc', exitCode: 1, signal: null, stderr: result.stderr })
        );
      }
      if (scoped) {
        const script = buildRuleset({
          tag,
          kind,
          scope: { ...scope, interfaces },
          action: { type: 'setPriority', classId: `${major}:1` },
        });
        try {
          await loadRuleset({ netnsPath, script });
        } catch (error) {
          await removeOurQdiscs({ netnsPath, major });
          throw error;
        }
      }
      return {
        kind,
        tag,
        targetId: target.id,
        ...(netnsPath === undefined ? {} : { netnsPath }),
        details: { interfaces, tcMajor: major, scoped },
      };
    },

    // recover takes the record's namespace over the target's: with it, the target is not needed.
    recoversFromRecord: (record) => record.netnsPath !== undefined,

    async recover({ target, record, tag }): Promise<void> {
      assertTaggedTarget(tag, target);
      const netnsPath = record?.netnsPath ?? target.netnsPath;
      const major = tcMajorForTag(tag);
      await removeOurQdiscs({ netnsPath, major });
      // Steering rules are only there for scoped injections, but removing a missing table is a no-op.
      await deleteTaggedTable({ netnsPath, tag });
    },

    async verify({ target, tag }) {
      assertTaggedTarget(tag, target);
      const major = tcMajorForTag(tag);
      const ours = (await listRootQdiscs({ netnsPath: target.netnsPath })).filter(
        (q) => q.handle === `${major}:`,
      );
      return ours.length > 0
        ? {
            present: true,
            details: { interfaces: ours.map((qdisc) => qdisc.interfaceName), kind: ours[0]!.kind },
          }
        : { present: false };
    },
  };
}
