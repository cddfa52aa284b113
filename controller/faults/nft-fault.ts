/**
 * The shared body of the nftables faults (loss, partition): validate, build one table, load it with one
 * `nft -f -`, remove the table on recovery. Only the rule action differs per fault.
 */
import type { Fault, InjectionRecord, Target } from './fault.ts';
import { normaliseScope } from './network-scope.ts';
import { deleteTaggedTable, describeTaggedTable, loadRuleset, standByToDeleteTable } from './nft.ts';
import { buildRuleset, type NftAction } from './nft-ruleset.ts';
import type { CheckedParamsByKind, FaultParamsByKind } from './params.ts';
import { NFT_FAMILY, nftTableName } from './tags.ts';
import { assertInjectable, assertTaggedTarget, paramIssues } from './target.ts';

export function createNftFault<K extends 'networkLoss' | 'networkPartition'>(options: {
  kind: K;
  action: (params: CheckedParamsByKind[K]) => NftAction;
}): Fault<FaultParamsByKind[K]> {
  const { kind } = options;
  return {
    kind,
    oneShot: false,
    validate: (params) => paramIssues(kind, params),

    async inject({ target, params, tag }): Promise<InjectionRecord> {
      const checked = assertInjectable({ kind, tag, target, params });
      const script = buildRuleset({
        tag,
        kind,
        scope: normaliseScope(checked),
        action: options.action(checked),
      });
      await loadRuleset({ netnsPath: target.netnsPath, script });
      await standByToDeleteTable({ netnsPath: target.netnsPath, tag });
      return {
        kind,
        tag,
        targetId: target.id,
        ...(target.netnsPath === undefined ? {} : { netnsPath: target.netnsPath }),
        details: { nftTable: `${NFT_FAMILY} ${nftTableName(tag)}` },
      };
    },

    // recover takes the record's namespace over the target's: with it, the target is not needed.
    recoversFromRecord: (record) => record.netnsPath !== undefined,

    async recover({ target, record, tag }): Promise<void> {
      assertTaggedTarget(tag, target);
      // The record wins over the target: it says where the table was really created.
      await deleteTaggedTable({ netnsPath: record?.netnsPath ?? target.netnsPath, tag });
    },

    async verify({ target, tag }: { target: Target; tag: string }) {
      assertTaggedTarget(tag, target);
      const table = await describeTaggedTable({ netnsPath: target.netnsPath, tag });
      if (!table) return { present: false };
      // A table found in place (an agent that restarted continues its faults) gets its standby
      // delete as at injection: the previous agent's went with its spawn helper.
      await standByToDeleteTable({ netnsPath: target.netnsPath, tag });
      return { present: true, details: { rules: table.ruleCount } };
    },
  };
}
