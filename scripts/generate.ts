// Writes every generated artefact: from schemas/ the CRDs, TypeScript types and docs/API.md; from
// argocd/resource_customizations/ the argocd-cm snippet.
// Usage: node scripts/generate.ts crds|types|docs|argocd|all
import { mkdirSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { renderApiDocs } from '../controller/api/api-docs.ts';
import { renderCrds } from '../controller/api/crds.ts';
import { generatedPaths } from '../controller/api/generated-paths.ts';
import { renderTypes } from '../controller/api/typescript-types.ts';
import { argocdCmPath, renderArgocdCm } from './argocd-cm.ts';

const root = join(import.meta.dirname, '..');
const what = process.argv[2] ?? 'all';

if (what === 'crds' || what === 'all') {
  const dir = join(root, generatedPaths.crdDirectory);
  mkdirSync(dir, { recursive: true });
  const files = renderCrds();
  // Remove CRDs of kinds that no longer exist, so the folder mirrors schemas/ exactly.
  for (const stale of readdirSync(dir).filter((f) => f.endsWith('.yaml') && !files.has(f)))
    rmSync(join(dir, stale));
  for (const [name, text] of files) writeFileSync(join(dir, name), text);
  console.log(`wrote ${files.size} CRDs to ${generatedPaths.crdDirectory}`);
}
if (what === 'types' || what === 'all') {
  writeFileSync(join(root, generatedPaths.types), await renderTypes());
  console.log(`wrote ${generatedPaths.types}`);
}
if (what === 'docs' || what === 'all') {
  writeFileSync(join(root, generatedPaths.apiDocs), renderApiDocs());
  console.log(`wrote ${generatedPaths.apiDocs}`);
}
if (what === 'argocd' || what === 'all') {
  writeFileSync(join(root, argocdCmPath), renderArgocdCm(root));
  console.log(`wrote ${argocdCmPath}`);
}
if (!['crds', 'types', 'docs', 'argocd', 'all'].includes(what)) {
  console.error(`usage: node scripts/generate.ts crds|types|docs|argocd|all (got "${what}")`);
  process.exit(2);
}
