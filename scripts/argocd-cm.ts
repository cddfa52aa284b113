// Renders argocd/argocd-cm.yaml, the snippet to merge into Argo CD's argocd-cm ConfigMap, from the
// health checks kept in Argo CD's own layout under argocd/resource_customizations/. The scripts run
// without Argo CD's "open libs" option, the default for checks given in argocd-cm.
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';

export const argocdCmPath = 'argocd/argocd-cm.yaml';
const customizations = 'argocd/resource_customizations';

const header = `# Generated from argocd/resource_customizations/ by \`npm run generate\`; edit the health.lua files
# there (each with its health_test.yaml), not this file.
#
# Merge into the argocd-cm ConfigMap: annotation-based resource tracking (which the results reporter
# reads) and health checks for ChaosCraft kinds, so the Application shows a running experiment as
# Progressing, a failed one or a stalled recovery as Degraded, and the kill switch as Suspended.
`;

/** The ConfigMap text for the health checks found under the repository root given. */
export function renderArgocdCm(root: string): string {
  const lines = [
    header.trimEnd(),
    'apiVersion: v1',
    'kind: ConfigMap',
    'metadata:',
    '  name: argocd-cm',
    '  namespace: argocd',
    'data:',
    '  application.resourceTrackingMethod: annotation',
  ];
  for (const group of readdirSync(join(root, customizations)).sort()) {
    for (const kind of readdirSync(join(root, customizations, group)).sort()) {
      const script = readFileSync(join(root, customizations, group, kind, 'health.lua'), 'utf8');
      if (/\t/.test(script) || /[ ]$/m.test(script))
        throw new Error(`${group}/${kind}/health.lua: tabs or trailing spaces`);
      lines.push(`  resource.customizations.health.${group}_${kind}: |`);
      for (const line of script.trimEnd().split('\n')) lines.push(line === '' ? '' : `    ${line}`);
    }
  }
  return `${lines.join('\n')}\n`;
}
