// Standalone selector fields are refused by the schema when they could climb out of their
// place (cgroup, pidFile), cost exponential time (commandPattern) or smuggle shell or NUL (labels).
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { validateText } from '../../controller/manifests/validate.ts';

function fieldsWithErrors(selector: string): (string | undefined)[] {
  const text = `apiVersion: chaoscraft.io/v1alpha1
kind: ChaosExperiment
metadata: { name: e, namespace: shop }
spec:
  selector: ${selector}
  faults: [{ podKill: {} }]
  duration: 30s
`;
  return validateText({ file: 'e.yaml', text }).diagnostics.map((d) => d.field);
}

test('cgroup: absolute, below the root, no dot segments', () => {
  for (const ok of ['/system.slice/nginx.service', '/kubepods.slice/pod-1'])
    assert.deepEqual(fieldsWithErrors(`{ processes: { cgroup: "${ok}" } }`), [], ok);
  for (const bad of ['/../../etc', '/a/../..', '/', 'system.slice', '/a//b', '/.hidden', '/a/.'])
    assert.deepEqual(
      fieldsWithErrors(`{ processes: { cgroup: "${bad}" } }`),
      ['spec.selector.processes.cgroup'],
      bad,
    );
});

test('pidFile: a .pid file under /run or /var/run', () => {
  for (const ok of ['/run/nginx.pid', '/var/run/postgresql/14-main.pid'])
    assert.deepEqual(fieldsWithErrors(`{ processes: { pidFile: "${ok}" } }`), [], ok);
  for (const bad of ['/etc/shadow', '/run/../etc/shadow.pid', '/tmp/x.pid', 'run/x.pid', '/run/x.pid\\0'])
    assert.deepEqual(
      fieldsWithErrors(`{ processes: { pidFile: "${bad}" } }`),
      ['spec.selector.processes.pidFile'],
      bad,
    );
});

test('systemdUnit: a service or scope name, no path', () => {
  for (const ok of ['nginx.service', 'getty@tty1.service', 'session-3.scope', 'a:b_c-d.service'])
    assert.deepEqual(fieldsWithErrors(`{ processes: { systemdUnit: "${ok}" } }`), [], ok);
  for (const bad of [
    'nginx',
    'nginx.socket',
    '../x.service',
    'system.slice/x.service',
    'a b.service',
    '.service',
  ])
    assert.deepEqual(
      fieldsWithErrors(`{ processes: { systemdUnit: "${bad}" } }`),
      ['spec.selector.processes.systemdUnit'],
      bad,
    );
});

test('commandPattern: no quantified groups or backreferences, few quantifiers, bounded', () => {
  for (const ok of ['^nginx: worker', 'java .*-jar app[.]jar', '(foo|bar) --port=[0-9]+'])
    assert.deepEqual(fieldsWithErrors(`{ processes: { commandPattern: '${ok}' } }`), [], ok);
  for (const bad of ['(a+)+$', '(a|a)*b', '(x)\\\\1', '.*.*.*.*.*.*.*.*.*x', 'a'.repeat(257), 'tab\\there'])
    assert.deepEqual(
      fieldsWithErrors(`{ processes: { commandPattern: "${bad}" } }`),
      ['spec.selector.processes.commandPattern'],
      bad,
    );
});

test('label values in selectors are label values: no $(…), NUL or spaces', () => {
  assert.deepEqual(fieldsWithErrors('{ labelSelector: { matchLabels: { app: web-1 } } }'), []);
  for (const bad of ['$(reboot)', 'a\\0b', 'two words'])
    assert.equal(fieldsWithErrors(`{ labelSelector: { matchLabels: { app: "${bad}" } } }`).length, 1, bad);
  assert.equal(
    fieldsWithErrors(
      '{ labelSelector: { matchExpressions: [{ key: app, operator: In, values: ["$(id)"] }] } }',
    ).length,
    1,
  );
  assert.equal(fieldsWithErrors('{ nodeSelector: { zone: "$(id)" } }').length, 1);
});
