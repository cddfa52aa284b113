// argocd/argocd-cm.yaml is generated from the health checks in argocd/resource_customizations/:
// it must be committed fresh, and each of its scripts must be the health.lua it came from, byte
// for byte, once YAML has read it.
import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { parse } from 'yaml';
import { argocdCmPath, renderArgocdCm } from '../../scripts/argocd-cm.ts';

const root = join(import.meta.dirname, '../..');

test('the committed argocd-cm snippet equals what the health checks generate', () => {
  assert.equal(
    readFileSync(join(root, argocdCmPath), 'utf8'),
    renderArgocdCm(root),
    `${argocdCmPath} is stale: run \`npm run generate\` and commit the result`,
  );
});

test('the snippet holds every health.lua unchanged, under the key Argo CD reads, and annotation tracking', () => {
  const configMap = parse(renderArgocdCm(root)) as { kind: string; data: Record<string, string> };
  assert.equal(configMap.kind, 'ConfigMap');
  assert.equal(
    configMap.data['application.resourceTrackingMethod'],
    'annotation',
    'the reporter relies on it',
  );
  const dir = join(root, 'argocd/resource_customizations/chaoscraft.io');
  const kinds = readdirSync(dir).sort();
  assert.deepEqual(kinds, ['ChaosExperiment', 'ChaosPolicy', 'ChaosSchedule']);
  for (const kind of kinds)
    assert.equal(
      configMap.data[`resource.customizations.health.chaoscraft.io_${kind}`],
      readFileSync(join(dir, kind, 'health.lua'), 'utf8'),
      kind,
    );
  // Argo CD's open-libs switch stays off: the checks are tested without those libraries.
  assert.ok(
    !Object.keys(configMap.data).some((key) => key.startsWith('resource.customizations.useOpenLibs')),
  );
});
