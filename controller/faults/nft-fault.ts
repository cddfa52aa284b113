/**
 * The shared body of the nftables faults (loss, partition): validate, build one table, load it with one
 * `nft -f -`, remove the table on recovery. Only the params check and the rule action differ per fault.
 */
import { normaliseScope } from './checks.ts';
import type { ValidationIssue } from './errors.ts';
import type { Fault, InjectionRecord, Target } from './fault.ts';
import { deleteTaggedTable, describeTaggedTable, loadRuleset } from './nft.ts';
import { buildRuleset, type NftAction } from './nft-ruleset.ts';
import type { Direction, NetworkScope } from './params.ts';
import { NFT_FAMILY, nftTableName } from './tags.ts';
import { assertInjectable, assertTaggedTarget } from './target.ts';

export function createNftFault<P extends NetworkScope>(options: {
  kind: 'networkLoss' | 'networkPartition';
  validate: (params: unknown) => ValidationIssue[];
  action: (params: P) => NftAction;
  /** The schema's default direction for this fault. */
  defaultDirection?: Direction;
}): Fault<P> {
  const { kind } = options;
  return {
    kind,
    validate: options.validate,

    async inject({ target, params, tag }): Promise<InjectionRecord> {
      assertInjectable({ kind, tag, target, params, validate: options.validate });
      const script = buildRuleset({
        tag,
        kind,
        scope: normaliseScope(params, options.defaultDirection),
        action: options.action(params),
      });
      await loadRuleset({ netnsPath: target.netnsPath, script });
      return {
        kind,
        tag,
        targetId: target.id,
        ...(target.netnsPath === undefined ? {} : { netnsPath: target.netnsPath }),
        details: { nftTable: `${NFT_FAMILY} ${nftTableName(tag)}` },
      };
    },

    async recover({ target, record, tag }): Promise<void> {
      assertTaggedTarget(tag, target);
      // The record wins over the target: it says where the table was really created.
      await deleteTaggedTable({ netnsPath: record?.netnsPath ?? target.netnsPath, tag });
    },

    async verify({ target, tag }: { target: Target; tag: string }) {
      assertTaggedTarget(tag, target);
      const table = await describeTaggedTable({ netnsPath: target.netnsPath, tag });
      return table ? { present: true, details: { rules: table.ruleCount } } : { present: false };
    },
  };
}
