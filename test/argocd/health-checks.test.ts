// The Argo CD health checks for our kinds, in Argo CD's own layout
// (argocd/resource_customizations/chaoscraft.io/<Kind>/health.lua, health_test.yaml, testdata/),
// run in the two VMs that matter: gopher-lua, which Argo CD embeds, and Debian's lua5.1, each with
// only the libraries Argo CD opens for a health script from argocd-cm (lua-vms.ts). A check that
// leans on string.format, math, `//` or a string method fails here as it would in Argo CD.
import assert from 'node:assert/strict';
import { mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { parse } from 'yaml';
import { validatePaths } from '../../controller/manifests/validate.ts';
import { argoHealth, findGopherLua, findLua51, type VmLookup } from './lua-vms.ts';

const customizations = join(import.meta.dirname, '../../argocd/resource_customizations/chaoscraft.io');
const kinds = ['ChaosExperiment', 'ChaosSchedule', 'ChaosPolicy'];

interface HealthTest {
  healthStatus: { status: string; message: string };
  inputPath: string;
}

function casesOf(kind: string): HealthTest[] {
  const file = parse(readFileSync(join(customizations, kind, 'health_test.yaml'), 'utf8')) as {
    tests: HealthTest[];
  };
  return file.tests;
}

const vms: Array<[string, () => VmLookup]> = [
  ['gopher-lua', findGopherLua],
  ['lua5.1', findLua51],
];

test('every kind has a health check with cases in Argo CD layout, and every testdata file is a case', () => {
  assert.deepEqual(readdirSync(customizations).sort(), [...kinds].sort());
  for (const kind of kinds) {
    const files = readdirSync(join(customizations, kind)).sort();
    assert.deepEqual(files, ['health.lua', 'health_test.yaml', 'testdata'], kind);
    const used = casesOf(kind).map((c) => c.inputPath);
    const present = readdirSync(join(customizations, kind, 'testdata')).map((f) => `testdata/${f}`);
    assert.deepEqual(
      [...used].sort(),
      present.sort(),
      `${kind}: a testdata file without a case, or the reverse`,
    );
    const statuses = new Set(casesOf(kind).map((c) => c.healthStatus.status));
    for (const status of kind === 'ChaosPolicy'
      ? ['Healthy', 'Suspended']
      : ['Healthy', 'Progressing', 'Degraded'])
      assert.ok(statuses.has(status), `${kind} has no case ending ${status}`);
  }
});

for (const [name, find] of vms) {
  for (const kind of kinds) {
    test(`${kind} health in ${name}: every case of health_test.yaml`, (t) => {
      const found = find();
      if ('missing' in found) {
        t.skip(found.missing);
        return;
      }
      for (const c of casesOf(kind)) {
        const object = parse(readFileSync(join(customizations, kind, c.inputPath), 'utf8'));
        const outcome = found.vm.run(join(customizations, kind, 'health.lua'), object);
        assert.deepEqual(argoHealth(outcome), c.healthStatus, `${kind} ${c.inputPath} in ${name}`);
      }
    });
  }

  test(`${name} is opened as Argo CD opens it: no string, math, io or debug library`, (t) => {
    const found = find();
    if ('missing' in found) {
      t.skip(found.missing);
      return;
    }
    const dir = mkdtempSync(join(tmpdir(), 'chaoscraft-lua-'));
    const run = (body: string) => {
      const path = join(dir, 'probe.lua');
      writeFileSync(path, `local hs = {}\n${body}\nhs.status = "Healthy"\nreturn hs\n`);
      return found.vm.run(path, { metadata: { generation: 3 } });
    };
    for (const body of [
      'hs.message = string.format("%d", 1)',
      'hs.message = ("abc"):upper()',
      'hs.message = tostring(math.floor(1.5))',
      'io.write("x")',
      'debug.traceback()',
      'os.exit(0)',
      'hs.message = tostring(7 // 2)',
      'local c = obj.status.conditions',
    ])
      assert.equal(run(body).ok, false, `${name} ran: ${body}`);
    // What the checks do use works: concatenating numbers, #, ipairs, os.time.
    assert.deepEqual(run('hs.message = "g" .. obj.metadata.generation .. #{1, 2} .. type(os.time())'), {
      ok: true,
      status: 'Healthy',
      message: 'g32number',
    });
  });
}

test('the health scripts name no library Argo CD leaves closed and no string method', () => {
  for (const kind of kinds) {
    const code = readFileSync(join(customizations, kind, 'health.lua'), 'utf8')
      .replace(/--[^\n]*/g, '')
      .replace(/"(?:[^"\\\n]|\\.)*"/g, '""');
    for (const banned of [
      /\bstring\./,
      /\bmath\./,
      /\bio\./,
      /\bdebug\./,
      /\brequire\b/,
      /\bgoto\b/,
      /\/\//,
      /:\s*\w+\s*\(/,
    ])
      assert.doesNotMatch(code, banned, `${kind}/health.lua`);
  }
});

test('the testdata objects are valid ChaosCraft objects, apart from the one missing a message on purpose', async () => {
  const report = await validatePaths({ paths: [customizations] });
  const errors = report.diagnostics.filter((d) => d.severity === 'error');
  // metav1.Condition requires a message; a client that omits it must still not break the check.
  assert.deepEqual(
    errors.map((d) => `${d.file.slice(customizations.length + 1)} ${d.field}`),
    ['ChaosExperiment/testdata/completed-without-message.yaml status.conditions[0]'],
  );
});
