/**
 * nftables operations inside a target's network namespace. Each injection is one table, loaded or removed
 * with a single `nft -f -` call (the script arrives on stdin, never on a command line).
 */
import { existsSync } from 'node:fs';
import { runChecked } from '../host/command.ts';
import { buildDeleteScript } from './nft-ruleset.ts';
import { runStandbyDelete, standByToDelete } from './nft-standby.ts';
import { NFT_FAMILY, nftTableName, tagFromNftTable } from './tags.ts';

export interface NftLocation {
  /** Absent: the host's network namespace. */
  netnsPath?: string;
}

/** Whether the namespace (if any) still exists; a vanished namespace has nothing left to clean. */
export function namespaceAlive(location: NftLocation): boolean {
  return location.netnsPath === undefined || existsSync(location.netnsPath);
}

export async function loadRuleset(options: NftLocation & { script: string }): Promise<void> {
  await runChecked({
    program: 'nft',
    args: ['-f', '-'],
    netnsPath: options.netnsPath,
    stdin: options.script,
  });
}

/**
 * Removes `chaoscraft_<tag>`; a missing table or a vanished namespace is not an error. Through the
 * table's standby delete when it has one (nft-standby.ts), and as usual when that did not do it all.
 */
export async function deleteTaggedTable(options: NftLocation & { tag: string }): Promise<void> {
  const script = buildDeleteScript({ tag: options.tag });
  if (await runStandbyDelete({ ...options, script })) return;
  if (!namespaceAlive(options)) return;
  await loadRuleset({ netnsPath: options.netnsPath, script });
}

/** Starts the standby delete of a table just loaded, so that its removal does not start a process. */
export function standByToDeleteTable(options: NftLocation & { tag: string }): Promise<void> {
  return standByToDelete({ ...options, script: buildDeleteScript({ tag: options.tag }) });
}

/** Every `inet chaoscraft_*` table in the namespace, by tag. */
export async function listTaggedTables(options: NftLocation): Promise<string[]> {
  if (!namespaceAlive(options)) return [];
  const result = await runChecked({
    program: 'nft',
    args: ['-j', 'list', 'tables'],
    netnsPath: options.netnsPath,
  });
  const parsed = JSON.parse(result.stdout || '{"nftables":[]}') as {
    nftables?: Array<Record<string, unknown>>;
  };
  const tags: string[] = [];
  for (const item of parsed.nftables ?? []) {
    const table = item.table as { family?: string; name?: string } | undefined;
    if (table?.family !== NFT_FAMILY || typeof table.name !== 'string') continue;
    const tag = tagFromNftTable(table.name);
    if (tag) tags.push(tag);
  }
  return tags;
}

/** The table's rules as nft prints them, or undefined when the table does not exist. */
export async function describeTaggedTable(
  options: NftLocation & { tag: string },
): Promise<{ ruleCount: number } | undefined> {
  const tags = await listTaggedTables(options);
  if (!tags.includes(options.tag)) return undefined;
  const result = await runChecked({
    program: 'nft',
    args: ['-j', 'list', 'table', NFT_FAMILY, nftTableName(options.tag)],
    netnsPath: options.netnsPath,
  });
  const parsed = JSON.parse(result.stdout) as { nftables?: Array<Record<string, unknown>> };
  return { ruleCount: (parsed.nftables ?? []).filter((item) => 'rule' in item).length };
}
