/** Tags, durations, argv building and shape helpers: the small pure pieces under the faults. */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { injectionTag } from '../../../controller/api/contract.ts';
import { delayMicros } from '../../../controller/api/fault-semantics.ts';
import { memoryStressArgs } from '../../../controller/faults/memory-stress.ts';
import { bandwidthShape, rateToBitsPerSecond } from '../../../controller/faults/network-bandwidth.ts';
import { isUnknownQdiscMessage, latencyShape } from '../../../controller/faults/network-latency.ts';
import {
  isChaoscraftTcMajor,
  nftTableName,
  TAG_PATTERN,
  tagFromNftTable,
  tcMajorForTag,
} from '../../../controller/faults/tags.ts';
import { buildTcCommands } from '../../../controller/faults/tc-fault.ts';
import { buildArgv, CGROUP_EXEC_SCRIPT, hasProgram, runChecked } from '../../../controller/host/command.ts';

describe('tags', () => {
  test("an injection's tag is a safe fault-layer tag, and nft table names derive from it", () => {
    const tag = injectionTag('0b7c3f5e-1111-2222-3333-444455556666', 'shop/web-1/loss');
    assert.match(tag, TAG_PATTERN);
    assert.equal(tagFromNftTable(nftTableName(tag)), tag);
    assert.equal(tagFromNftTable('filter'), undefined);
  });

  test('tc majors stay in the reserved range and are recognised', () => {
    for (let index = 0; index < 500; index++) {
      const major = tcMajorForTag(injectionTag(`uid-${index}`, 'record'));
      assert.ok(isChaoscraftTcMajor(`${major}:`), major);
      assert.ok(Number.parseInt(major, 16) + 1 <= 0xffff, 'the leaf major (root + 1) is a valid handle too');
    }
    assert.equal(isChaoscraftTcMajor('0:'), false);
    assert.equal(isChaoscraftTcMajor('1:'), false);
  });
});

describe('durations', () => {
  test('latency durations become whole microseconds for tc', () => {
    assert.equal(delayMicros('250us'), 250);
    assert.equal(delayMicros('2µs'), 2);
    assert.equal(delayMicros('1.5ms'), 1500);
    assert.equal(delayMicros('1h'), 3600e6);
    for (const bad of ['', '10', 's', '1.s', '-1s', '1 s', '1d'])
      assert.equal(delayMicros(bad), undefined, bad);
  });
});

describe('argv building', () => {
  test('namespaces are entered with nsenter --net=<path> -- <absolute program>', () => {
    if (!hasProgram('nft') || !hasProgram('nsenter')) return;
    const { file, args } = buildArgv({ program: 'nft', args: ['-f', '-'], netnsPath: '/run/netns/ccfabc' });
    assert.match(file, /\/nsenter$/);
    assert.equal(args[0], '--net=/run/netns/ccfabc');
    assert.equal(args[1], '--');
    assert.match(args[2]!, /^\/(usr\/)?s?bin\/nft$/);
    assert.deepEqual(args.slice(3), ['-f', '-']);
  });

  test('sh runs only the constant placement script, and arguments with NUL or newlines are refused', () => {
    assert.throws(() => buildArgv({ program: 'sh', args: ['-c', 'rm -rf /'] }), { code: 'UnsafeArgument' });
    assert.throws(() => buildArgv({ program: 'tc', args: ['qdisc\nshow'] }), { code: 'UnsafeArgument' });
    assert.throws(() => buildArgv({ program: 'tc', args: ['a\0b'] }), { code: 'UnsafeArgument' });
    assert.throws(() => buildArgv({ program: 'tc', args: [], netnsPath: '/proc/1/ns/../../../etc/passwd' }), {
      code: 'InvalidTarget',
    });
    if (hasProgram('sh'))
      assert.doesNotThrow(() =>
        buildArgv({ program: 'sh', args: ['-c', CGROUP_EXEC_SCRIPT, 'sh', '/x', 'y'] }),
      );
  });

  test('a failing command raises CommandFailed with a bounded stderr excerpt', async (t) => {
    if (!hasProgram('tc')) return t.skip('tc is not installed');
    await assert.rejects(
      runChecked({ program: 'tc', args: ['qdisc', 'show', 'dev', 'ccfnosuchdev0'] }),
      (error: Error & { code?: string; data?: Record<string, unknown> }) => {
        assert.equal(error.code, 'CommandFailed');
        assert.equal(error.data?.program, 'tc');
        assert.ok(String(error.data?.stderr).length <= 500);
        return true;
      },
    );
  });
});

describe('shapes', () => {
  test('bandwidth: rates in bits, default burst >= one frame and 10 ms, limit = burst + 50 ms', () => {
    assert.equal(rateToBitsPerSecond('8mbit'), 8e6);
    assert.equal(rateToBitsPerSecond('1gbit'), 1e9);
    assert.deepEqual(bandwidthShape({ rate: '8mbit' }).leaf, [
      'tbf',
      'rate',
      '8mbit',
      'burst',
      '10000',
      'limit',
      '60000',
    ]);
    assert.deepEqual(bandwidthShape({ rate: '100kbit' }).leaf, [
      'tbf',
      'rate',
      '100kbit',
      'burst',
      '1600',
      'limit',
      '2225',
    ]);
    assert.deepEqual(bandwidthShape({ rate: '8mbit', burst: 4096, limit: 8192 }).leaf.slice(3), [
      'burst',
      '4096',
      'limit',
      '8192',
    ]);
  });

  test('latency: netem words in microseconds; unknown-qdisc messages are recognised', () => {
    assert.deepEqual(latencyShape({ latency: '100ms' }).leaf, ['netem', 'delay', '100000us']);
    assert.deepEqual(latencyShape({ latency: '1s', jitter: '10ms', correlation: 25 }).leaf, [
      'netem',
      'delay',
      '1000000us',
      '10000us',
      '25%',
    ]);
    assert.ok(isUnknownQdiscMessage('Error: Specified qdisc kind is unknown.\nCommand failed -:1'));
    assert.ok(!isUnknownQdiscMessage('RTNETLINK answers: File exists'));
  });

  test('memory: size per worker, converted to stress-ng units', () => {
    assert.deepEqual(memoryStressArgs({ size: '64Mi', workers: 1 }), [
      '--vm',
      '1',
      '--vm-bytes',
      '64m',
      '--vm-keep',
      '--quiet',
    ]);
    assert.deepEqual(memoryStressArgs({ size: '1Gi', workers: 3 }).slice(0, 4), [
      '--vm',
      '3',
      '--vm-bytes',
      '3g',
    ]);
  });

  test('tc commands: unscoped is one root qdisc; scoped is htb + class + leaf; re-inject deletes first', () => {
    const shape = { leaf: ['tbf', 'rate', '1mbit', 'burst', '1600', 'limit', '8000'], classRate: '1mbit' };
    assert.deepEqual(
      buildTcCommands({ interfaces: ['eth0'], major: 'c010', scoped: false, shape, alreadyOurs: new Set() }),
      [['qdisc', 'add', 'dev', 'eth0', 'root', 'handle', 'c010:', ...shape.leaf]],
    );
    assert.deepEqual(
      buildTcCommands({
        interfaces: ['eth0'],
        major: 'c010',
        scoped: true,
        shape,
        alreadyOurs: new Set(['eth0']),
      }),
      [
        ['qdisc', 'del', 'dev', 'eth0', 'root'],
        ['qdisc', 'add', 'dev', 'eth0', 'root', 'handle', 'c010:', 'htb'],
        [
          'class',
          'add',
          'dev',
          'eth0',
          'parent',
          'c010:',
          'classid',
          'c010:1',
          'htb',
          'rate',
          '1mbit',
          'ceil',
          '1mbit',
        ],
        ['qdisc', 'add', 'dev', 'eth0', 'parent', 'c010:1', 'handle', 'c011:', ...shape.leaf],
      ],
    );
  });
});
