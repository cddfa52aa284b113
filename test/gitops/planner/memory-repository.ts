// A GitRepository held in memory: two commits (base and head) given as path → text maps. For
// planner unit tests that are about planning, not about git.
import { createHash } from 'node:crypto';
import type { ChangedFile, GitRepository } from '../../../gitops/repository/types.ts';

const manifest = /\.(ya?ml|json)$/;

export function memoryRepository(options: {
  base: Record<string, string>;
  head: Record<string, string>;
}): GitRepository & { blobReads: number } {
  const blobs = new Map<string, string>();
  const oidOf = (text: string) => {
    const oid = createHash('sha1').update(text).digest('hex');
    blobs.set(oid, text);
    return oid;
  };
  const commits: Record<string, Record<string, string>> = {
    ['b'.repeat(40)]: options.base,
    ['h'.repeat(40).replace(/h/g, 'a')]: options.head,
  };
  const [baseSha, headSha] = Object.keys(commits) as [string, string];
  const refs: Record<string, string> = { main: baseSha, feature: headSha };
  const repository = {
    source: 'memory',
    blobReads: 0,
    async resolve(ref: string) {
      const sha = refs[ref] ?? (commits[ref] ? ref : undefined);
      if (!sha) throw Object.assign(new Error(`no ref ${ref}`), { code: 'RefNotFound' });
      return sha;
    },
    async mergeBase() {
      return baseSha;
    },
    async listFiles(sha: string) {
      return Object.keys(commits[sha]!).sort();
    },
    async readFile(sha: string, path: string) {
      return commits[sha]![path]!;
    },
    async readBlob(oid: string) {
      repository.blobReads++;
      return new TextEncoder().encode(blobs.get(oid)!);
    },
    async changedFiles({ base, head }: { base: string | undefined; head: string }) {
      const before = base ? commits[base]! : {};
      const after = commits[head]!;
      const changes: ChangedFile[] = [];
      for (const path of [...new Set([...Object.keys(before), ...Object.keys(after)])].sort()) {
        if (!manifest.test(path) || before[path] === after[path]) continue;
        if (before[path] === undefined) changes.push({ path, change: 'added', headOid: oidOf(after[path]!) });
        else if (after[path] === undefined)
          changes.push({ path, change: 'removed', baseOid: oidOf(before[path]) });
        else
          changes.push({
            path,
            change: 'modified',
            baseOid: oidOf(before[path]),
            headOid: oidOf(after[path]!),
          });
      }
      return changes;
    },
  };
  return repository;
}
