/**
 * The agent's checks (the kind's compiled schema, then the rules no schema states): hostile or malformed
 * values are refused with typed errors before any command runs (no root needed: nothing reaches the kernel).
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { isIPv6Address, parseCidr } from '../../../controller/api/cidr.ts';
import { FaultError, InvalidParamsError } from '../../../controller/faults/errors.ts';
import { createFaultRegistry } from '../../../controller/faults/registry.ts';

const faults = createFaultRegistry();
const target = { id: 't', netnsPath: '/run/netns/ccfnothere' };
const tag = 'cc0011223344aa';

describe('network scope checks', () => {
  test('an interface name with ";" is refused with InvalidParams before anything runs', async () => {
    const params = { percent: 10, interfaces: ['eth0;reboot'] as [string] };
    assert.deepEqual(
      faults.networkLoss.validate(params).map((issue) => issue.path),
      ['/interfaces/0'],
    );
    await assert.rejects(faults.networkLoss.inject({ target, params, tag }), (error) => {
      assert.ok(error instanceof InvalidParamsError);
      assert.equal(error.code, 'InvalidParams');
      assert.equal(error.issues[0]?.path, '/interfaces/0');
      return true;
    });
  });

  test('a CIDR with spaces, a bad prefix or a zone id is refused', () => {
    for (const cidr of [
      '10.0.0.0/8 ',
      '10.0.0.0 /8',
      '10.0.0.0/33',
      '10.0.0/8',
      '010.0.0.0/8',
      'fe80::1%eth0/64',
      '::/129',
      '10.0.0.0',
    ]) {
      assert.equal(parseCidr(cidr), undefined, cidr);
      assert.ok(faults.networkPartition.validate({ cidrs: [cidr] }).length > 0, cidr);
    }
    assert.deepEqual(parseCidr('10.213.0.0/16'), { family: 4, address: '10.213.0.0', prefix: 16 });
    assert.deepEqual(parseCidr('fd00:213::/64'), { family: 6, address: 'fd00:213::', prefix: 64 });
    assert.ok(isIPv6Address('::ffff:10.0.0.1'));
    assert.ok(!isIPv6Address('1::2::3'));
  });

  test('a huge port list, out-of-range ports, and ports with icmp are refused', () => {
    const many = Array.from({ length: 33 }, (_, index) => index + 1);
    assert.deepEqual(faults.networkLoss.validate({ percent: 5, ports: many }), [
      { path: '/ports', message: 'has 33 items; at most 32 allowed' },
    ]);
    assert.equal(faults.networkLoss.validate({ percent: 5, ports: [0] })[0]?.path, '/ports/0');
    assert.equal(faults.networkLoss.validate({ percent: 5, ports: [65536] })[0]?.path, '/ports/0');
    assert.deepEqual(faults.networkLoss.validate({ percent: 5, ports: [80], protocol: 'icmp' }), [
      { path: '/ports', message: '"ports" is not allowed when protocol is "icmp"' },
    ]);
    assert.deepEqual(faults.networkLoss.validate({ percent: 5, ports: [80], protocol: 'tcp' }), []);
  });

  test('empty lists are refused: an empty scope would match nothing and do nothing', () => {
    for (const field of ['interfaces', 'cidrs', 'ports']) {
      assert.deepEqual(
        faults.networkLoss.validate({ percent: 5, [field]: [] }).map((issue) => issue.path),
        [`/${field}`],
        field,
      );
    }
  });

  test('at most 32 CIDRs, the one limit the schema states', () => {
    const cidrs = (count: number) => Array.from({ length: count }, (_, index) => `10.${index}.0.0/16`);
    assert.deepEqual(faults.networkPartition.validate({ cidrs: cidrs(32) }), []);
    assert.deepEqual(faults.networkPartition.validate({ cidrs: cidrs(33) }), [
      { path: '/cidrs', message: 'has 33 items; at most 32 allowed' },
    ]);
  });

  test('unknown fields, wrong types and out-of-range numbers are reported with their paths', () => {
    assert.deepEqual(
      faults.networkLoss
        .validate({ percent: 0, direction: 'sideways', extra: true })
        .map((issue) => issue.path)
        .sort(),
      ['/direction', '/extra', '/percent'],
    );
    assert.deepEqual(
      faults.networkPartition.validate({ cidrs: [] }).map((issue) => issue.path),
      ['/cidrs'],
    );
    assert.equal(faults.networkLoss.validate('percent=5')[0]?.path, '');
  });

  test('tc faults refuse ingress and malformed rates, delays and correlation without jitter', () => {
    assert.equal(
      faults.networkBandwidth.validate({ rate: '10mbit', direction: 'ingress' })[0]?.path,
      '/direction',
    );
    for (const rate of ['10 mbit', '0mbit', '10Mbit', '10mbps', '10mbit;']) {
      assert.equal(faults.networkBandwidth.validate({ rate })[0]?.path, '/rate', rate);
    }
    assert.equal(faults.networkLatency.validate({ latency: '100' })[0]?.path, '/latency');
    assert.deepEqual(faults.networkLatency.validate({ latency: '2m' }), [
      { path: '/latency', message: 'latency must be at most 60s' },
    ]);
    assert.deepEqual(faults.networkLatency.validate({ latency: '60s', jitter: '60s' }), []);
    assert.equal(faults.networkLatency.validate({ latency: '0s' })[0]?.path, '/latency');
    assert.equal(faults.networkLatency.validate({ latency: '10ms', jitter: '61s' })[0]?.path, '/jitter');
    assert.deepEqual(faults.networkLatency.validate({ latency: '10ms', correlation: 5 }), [
      { path: '/correlation', message: '"correlation" needs "jitter" to be set too' },
    ]);
    assert.deepEqual(faults.networkLatency.validate({ latency: '10ms', jitter: '1ms', correlation: 5 }), []);
  });

  test('bandwidth buckets hold at least one full frame (1600 bytes)', () => {
    assert.deepEqual(faults.networkBandwidth.validate({ rate: '1mbit', burst: 1600, limit: 1600 }), []);
    assert.deepEqual(
      faults.networkBandwidth.validate({ rate: '1mbit', burst: 1599, limit: 64 }).map((issue) => issue.path),
      ['/burst', '/limit'],
    );
  });
});

describe('stress and process checks', () => {
  test('stress params are bounded; load has a default, so it may be left out', () => {
    assert.deepEqual(faults.cpuStress.validate({ workers: 2, load: 50 }), []);
    assert.deepEqual(faults.cpuStress.validate({ workers: 2 }), []);
    assert.equal(faults.cpuStress.validate({ workers: 65, load: 50 })[0]?.path, '/workers');
    assert.equal(faults.cpuStress.validate({ workers: 1, load: 101 })[0]?.path, '/load');
    assert.equal(faults.memoryStress.validate({ size: '1Ti' })[0]?.path, '/size');
    assert.equal(faults.memoryStress.validate({ size: '64Mi', workers: 17 })[0]?.path, '/workers');
  });

  test('signals are limited to the listed ones', () => {
    assert.deepEqual(faults.processKill.validate({ signal: 'SIGTERM' }), []);
    assert.equal(faults.processKill.validate({ signal: 'SIGSTOP' })[0]?.path, '/signal');
    assert.equal(faults.containerKill.validate({ signal: 9 })[0]?.path, '/signal');
    assert.equal(faults.processPause.validate({ method: 'sleep' })[0]?.path, '/method');
  });
});

describe('target and tag checks', () => {
  test('a netnsPath with ".." or shell characters is refused as InvalidTarget', async () => {
    for (const netnsPath of ['/run/netns/../../etc', '/run/netns/a;b', 'run/netns/x', '/run//netns/x']) {
      await assert.rejects(
        faults.networkLoss.inject({ target: { id: 't', netnsPath }, params: { percent: 5 }, tag }),
        (error) => {
          assert.ok(error instanceof FaultError);
          assert.equal(error.code, 'InvalidTarget');
          return true;
        },
      );
    }
  });

  test('a cgroupPath outside a cgroup2 mount is refused as InvalidTarget', async () => {
    for (const cgroupPath of ['/etc', '/sys/fs/cgroup/../../etc', 'relative/path']) {
      await assert.rejects(
        faults.cpuStress.inject({ target: { id: 't', cgroupPath }, params: { workers: 1, load: 1 }, tag }),
        (error) => {
          assert.ok(error instanceof FaultError);
          assert.equal(error.code, 'InvalidTarget');
          return true;
        },
      );
    }
  });

  test('a tag that is not a short lowercase id is refused as InvalidTag', async () => {
    for (const bad of ['', 'CC00', 'cc-00', 'cc00; drop', 'a'.repeat(30)]) {
      await assert.rejects(faults.networkLoss.recover({ target, tag: bad }), (error) => {
        assert.ok(error instanceof FaultError);
        assert.equal(error.code, 'InvalidTag');
        return true;
      });
    }
  });

  test('processKill without processes is refused', async () => {
    await assert.rejects(faults.processKill.inject({ target: { id: 't' }, params: {}, tag }), {
      code: 'InvalidTarget',
    });
    await assert.rejects(
      faults.processKill.inject({
        target: { id: 't', processes: [{ pid: -1, startTime: 0 }] },
        params: {},
        tag,
      }),
      { code: 'InvalidTarget' },
    );
  });
});
