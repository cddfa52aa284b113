// Budgets per pull request, checked before any manifest is parsed. A YAML parser holds every
// document of a file in memory at once, so a PR of a few hundred KiB of `---` lines can exhaust the
// heap of the process that serves every other PR too. The checks here only read blob bytes and count
// lines: cheap, linear, and stopped as soon as one budget is exceeded.
import { mapInOrder } from '../../controller/runtime/map-in-order.ts';
import type { ChangedFile, GitRepository } from './types.ts';

export interface PlanBudgets {
  /** Changed manifest files in the PR (added, modified or removed). */
  maxFiles: number;
  /** Bytes of every changed manifest blob read for the plan, head and base sides together. */
  maxBytes: number;
  /** YAML documents in those blobs, counted from `---` and `...` lines. */
  maxDocuments: number;
  /** Objects in those blobs, counted from `kind:` keys (nested ones count too). */
  maxObjects: number;
  /** Wall time from the start of the fetch to a finished plan. */
  maxWallMs: number;
  /** Heap of the worker thread that parses the changed manifests once on trial, in MiB. */
  maxParseHeapMiB: number;
}

export const defaultPlanBudgets: Readonly<PlanBudgets> = Object.freeze({
  maxFiles: 1000,
  maxBytes: 16 * 1024 * 1024,
  maxDocuments: 10_000,
  maxObjects: 2000,
  maxWallMs: 120_000,
  maxParseHeapMiB: 128,
});

/** `memory`: the trial parse ran out of its heap; `parser`: the parser failed on a file. */
export type BudgetName = 'files' | 'bytes' | 'documents' | 'objects' | 'time' | 'memory' | 'parser';

export interface BudgetExceeded {
  budget: BudgetName;
  limit: number;
  /** How much was counted when the check stopped (a lower bound: counting stops early). */
  counted: number;
  /** The file that holds the most of what was counted, with its own count. */
  file?: { path: string; count: number };
}

const newline = 0x0a;
const dash = 0x2d;
const dot = 0x2e;

function endsMarker(bytes: Uint8Array, at: number): boolean {
  const next = bytes[at];
  return next === undefined || next === newline || next === 0x0d || next === 0x20 || next === 0x09;
}

/**
 * An upper bound of the YAML documents in a file: one, plus one per line that starts with `---`
 * or `...` followed by a space, a tab or the end of the line. JSON files hold one.
 */
export function countDocuments(path: string, bytes: Uint8Array): number {
  if (path.endsWith('.json')) return 1;
  let documents = 1;
  for (let start = 0; start < bytes.length; ) {
    const mark = bytes[start];
    if (
      (mark === dash || mark === dot) &&
      bytes[start + 1] === mark &&
      bytes[start + 2] === mark &&
      endsMarker(bytes, start + 3)
    ) {
      documents += 1;
    }
    const end = bytes.indexOf(newline, start);
    if (end < 0) break;
    start = end + 1;
  }
  return documents;
}

const yamlKind = /^[ \t]*(?:-[ \t]+)*["']?kind["']?[ \t]*:/gm;
const jsonKind = /"kind"\s*:/g;

/** An upper bound of the objects in a file: its `kind` keys, at any depth. */
export function countObjects(path: string, bytes: Uint8Array): number {
  const text = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('latin1');
  return (text.match(path.endsWith('.json') ? jsonKind : yamlKind) ?? []).length;
}

interface Tally {
  total: number;
  top?: { path: string; count: number };
}

function add(tally: Tally, path: string, count: number): void {
  tally.total += count;
  if (!tally.top || count > tally.top.count) tally.top = { path, count };
}

function over(budget: BudgetName, limit: number, tally: Tally): BudgetExceeded | undefined {
  if (tally.total <= limit) return undefined;
  return { budget, limit, counted: tally.total, ...(tally.top ? { file: tally.top } : {}) };
}

/**
 * Reads the blobs the planner would read (both sides of each changed file) and counts them against
 * the budgets, stopping at the first one exceeded. Returns undefined when the PR fits.
 */
export async function checkPlanBudgets(options: {
  repository: GitRepository;
  files: readonly ChangedFile[];
  budgets?: Partial<PlanBudgets>;
  /** Receives every blob read (in no particular order), for a trial parse after the counts pass. */
  onBlob?: (path: string, bytes: Uint8Array) => void;
}): Promise<BudgetExceeded | undefined> {
  const budgets = { ...defaultPlanBudgets, ...options.budgets };
  const { files, repository } = options;
  if (files.length > budgets.maxFiles) {
    return { budget: 'files', limit: budgets.maxFiles, counted: files.length };
  }
  const blobs = files.flatMap((file) =>
    [file.headOid, file.baseOid].filter((oid) => oid !== undefined).map((oid) => ({ path: file.path, oid })),
  );
  const bytes: Tally = { total: 0 };
  const documents: Tally = { total: 0 };
  const objects: Tally = { total: 0 };
  let exceeded: BudgetExceeded | undefined;
  await mapInOrder(blobs, 4, async ({ path, oid }) => {
    if (exceeded) return;
    const blob = await repository.readBlob(oid);
    if (exceeded) return;
    options.onBlob?.(path, blob);
    add(bytes, path, blob.length);
    add(documents, path, countDocuments(path, blob));
    add(objects, path, countObjects(path, blob));
    exceeded =
      over('bytes', budgets.maxBytes, bytes) ??
      over('documents', budgets.maxDocuments, documents) ??
      over('objects', budgets.maxObjects, objects);
  });
  return exceeded;
}
