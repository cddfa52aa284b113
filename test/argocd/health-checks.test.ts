// The Argo CD health checks for our kinds are Lua; run them with a real Lua interpreter against
// experiments in each state, so a typo in a condition name cannot slip through.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { parse } from 'yaml';

const configMap = parse(readFileSync(join(import.meta.dirname, '../../argocd/argocd-cm.yaml'), 'utf8')) as {
  data: Record<string, string>;
};
const lua = ['/usr/bin/lua5.4', '/usr/bin/lua'].find((path) => spawnSync(path, ['-v']).status === 0);

/** A JSON value as a Lua table literal. */
function toLua(value: unknown): string {
  if (value === null || value === undefined) return 'nil';
  if (Array.isArray(value)) return `{${value.map(toLua).join(', ')}}`;
  if (typeof value === 'object') {
    return `{${Object.entries(value)
      .map(([k, v]) => `[${JSON.stringify(k)}] = ${toLua(v)}`)
      .join(', ')}}`;
  }
  return JSON.stringify(value);
}

function health(kind: string, object: unknown): { status: string; message: string } {
  const script = configMap.data[`resource.customizations.health.chaoscraft.io_${kind}`]!;
  const program = `obj = ${toLua(object)}\nlocal function check()\n${script}\nend\nlocal hs = check()\nprint(hs.status)\nprint(hs.message)\n`;
  const run = spawnSync(lua!, ['-'], { input: program, encoding: 'utf8' });
  assert.equal(run.status, 0, run.stderr);
  const [status, message] = run.stdout.trim().split('\n');
  return { status: status!, message: message! };
}

const succeeded = (status: string, reason: string) => ({
  spec: {},
  status: {
    conditions: [
      { type: 'Injected', status: 'True', reason: 'Injected', message: '' },
      { type: 'Succeeded', status, reason, message: 'm' },
    ],
  },
});

test('ChaosExperiment health follows the Succeeded condition', (t) => {
  if (!lua) {
    t.skip('no Lua interpreter (apt-get install lua5.4)');
    return;
  }
  assert.deepEqual(health('ChaosExperiment', { spec: {} }), {
    status: 'Progressing',
    message: 'Waiting for the controller',
  });
  assert.equal(health('ChaosExperiment', succeeded('Unknown', 'Running')).status, 'Progressing');
  assert.deepEqual(health('ChaosExperiment', succeeded('True', 'Completed')), {
    status: 'Healthy',
    message: 'Completed: m',
  });
  assert.equal(health('ChaosExperiment', succeeded('False', 'HypothesisFailed')).status, 'Degraded');
});

test('ChaosSchedule health shows suspension', (t) => {
  if (!lua) {
    t.skip('no Lua interpreter (apt-get install lua5.4)');
    return;
  }
  assert.equal(health('ChaosSchedule', { spec: { suspend: true } }).status, 'Suspended');
  assert.equal(health('ChaosSchedule', { spec: { suspend: false } }).status, 'Healthy');
});

test('the Argo CD objects are valid YAML of the kinds they claim', () => {
  const dir = join(import.meta.dirname, '../../argocd');
  const kinds = ['application.yaml', 'appproject.yaml', 'argocd-cm.yaml'].map(
    (file) => (parse(readFileSync(join(dir, file), 'utf8')) as { kind: string }).kind,
  );
  assert.deepEqual(kinds, ['Application', 'AppProject', 'ConfigMap']);
  assert.equal(
    configMap.data['application.resourceTrackingMethod'],
    'annotation',
    'the reporter relies on annotation tracking',
  );
});
