/**
 * How everything a fault creates is named after its injection's tag, so that an agent that restarts with
 * nothing but the tag (or nothing at all) can find its changes again and remove them.
 */
import { FaultError } from './errors.ts';

/**
 * Lowercase letters and digits only: safe inside nft identifiers, cgroup names and environment values. Wider
 * than the injection tags the controller derives (api/contract.ts, `cc` + 12 hex), which all match it.
 */
export const TAG_PATTERN = /^[a-z][a-z0-9]{3,23}$/;

/** Every nft table we create is named `chaoscraft_<tag>` in the `inet` family. */
export const NFT_TABLE_PREFIX = 'chaoscraft_';
export const NFT_FAMILY = 'inet';

/** Environment variable carried by every stress-ng process we start (and inherited by its workers). */
export const STRESS_TAG_ENV = 'CHAOSCRAFT_TAG';

/**
 * Root qdisc handles we create use majors in [0xc000, 0xfff0). Other tools rarely pick that range, so a root
 * qdisc with such a handle is treated as ours when the agent sweeps for leftovers.
 */
const TC_MAJOR_BASE = 0xc000;
const TC_MAJOR_SPAN = 0x3ff0;

export function assertTag(tag: unknown): asserts tag is string {
  if (typeof tag !== 'string' || !TAG_PATTERN.test(tag)) {
    throw new FaultError({
      code: 'InvalidTag',
      message: `tag must match ${TAG_PATTERN} (lowercase letters and digits, 4 to 24 chars)`,
      data: { tagLength: typeof tag === 'string' ? tag.length : null },
    });
  }
}

export function nftTableName(tag: string): string {
  assertTag(tag);
  return `${NFT_TABLE_PREFIX}${tag}`;
}

/** The tag inside an nft table name, or undefined when the table is not one of ours. */
export function tagFromNftTable(name: string): string | undefined {
  if (!name.startsWith(NFT_TABLE_PREFIX)) return undefined;
  const tag = name.slice(NFT_TABLE_PREFIX.length);
  return TAG_PATTERN.test(tag) ? tag : undefined;
}

/** FNV-1a, 32 bit: a stable, dependency-free spread of the tag over the handle range. */
function fnv1a(text: string): number {
  let hash = 0x811c9dc5;
  for (let index = 0; index < text.length; index++) {
    hash ^= text.charCodeAt(index);
    hash = Math.imul(hash, 0x01000193) >>> 0;
  }
  return hash;
}

/** The root qdisc major handle (hex, no `0x`, no colon) for a tag, e.g. `d1f3`. */
export function tcMajorForTag(tag: string): string {
  assertTag(tag);
  return (TC_MAJOR_BASE + (fnv1a(tag) % TC_MAJOR_SPAN)).toString(16);
}

/** Whether a qdisc handle such as `d1f3:` or `d1f3` lies in the range reserved for our qdiscs. */
export function isChaoscraftTcMajor(handle: string): boolean {
  const major = Number.parseInt(handle.replace(/:.*$/, ''), 16);
  return Number.isInteger(major) && major >= TC_MAJOR_BASE && major < TC_MAJOR_BASE + TC_MAJOR_SPAN;
}
