// The agent's params check: the kind's compiled schema with its defaults, then the rules no schema
// states. Defaults are filled in once, from the schema, on a copy.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { checkFaultParams } from '../../../controller/api/fault-params.ts';
import { cpuStressArgs } from '../../../controller/faults/cpu-stress.ts';
import { memoryStressArgs } from '../../../controller/faults/memory-stress.ts';
import type { CpuStressParams, MemoryStressParams } from '../../../controller/faults/params.ts';

function paramsOf<P>(check: ReturnType<typeof checkFaultParams>): P {
  assert.ok(check.ok, JSON.stringify(check));
  return check.params as unknown as P;
}

test('defaults come from the schema and reach the command line', () => {
  const cpu = checkFaultParams('cpuStress', { workers: 2 });
  assert.deepEqual(cpu, { ok: true, params: { workers: 2, load: 100 } });
  assert.deepEqual(cpuStressArgs(paramsOf<CpuStressParams>(cpu)), [
    '--cpu',
    '2',
    '--cpu-load',
    '100',
    '--quiet',
  ]);
  const memory = checkFaultParams('memoryStress', { size: '64Mi' });
  assert.deepEqual(memoryStressArgs(paramsOf<MemoryStressParams>(memory)).slice(0, 2), ['--vm', '1']);
  assert.deepEqual(checkFaultParams('networkPartition', { cidrs: ['10.0.0.0/8'] }), {
    ok: true,
    params: { cidrs: ['10.0.0.0/8'], direction: 'both', protocol: 'all' },
  });
  assert.deepEqual(checkFaultParams('networkLoss', { percent: 5 }), {
    ok: true,
    params: { percent: 5, direction: 'egress', protocol: 'all' },
  });
  assert.deepEqual(checkFaultParams('processKill', {}), { ok: true, params: { signal: 'SIGKILL' } });
  assert.deepEqual(checkFaultParams('processPause', {}), { ok: true, params: { method: 'signal' } });
});

test("the caller's params are left as they were", () => {
  const params = { workers: 2 };
  checkFaultParams('cpuStress', params);
  assert.deepEqual(params, { workers: 2 });
});

test('each cross-field rule is refused with one sentence at the field', () => {
  assert.deepEqual(
    checkFaultParams('networkPartition', { cidrs: ['10.0.0.0/8'], ports: [53], protocol: 'icmp' }),
    {
      ok: false,
      issues: [{ path: '/ports', message: '"ports" is not allowed when protocol is "icmp"' }],
    },
  );
  assert.deepEqual(checkFaultParams('networkLatency', { latency: '5ms', correlation: 0 }), {
    ok: false,
    issues: [{ path: '/correlation', message: '"correlation" needs "jitter" to be set too' }],
  });
});

test('the rules no schema states run only on schema-valid params', () => {
  assert.deepEqual(checkFaultParams('networkLatency', { latency: '1m0.5s' }), {
    ok: false,
    issues: [{ path: '/latency', message: 'latency must be at most 60s' }],
  });
  assert.deepEqual(checkFaultParams('networkLatency', { latency: '0.4us' }), {
    ok: false,
    issues: [{ path: '/latency', message: 'latency must be at least 1us' }],
  });
  const both = checkFaultParams('networkLatency', { latency: '90s', percent: 3 });
  assert.deepEqual(both.ok ? [] : both.issues.map((issue) => issue.path), ['/percent']);
});
