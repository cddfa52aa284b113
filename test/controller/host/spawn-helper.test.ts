/** The spawn helper: commands run in a small process of their own, and its failures never hang a caller. */
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import { promisify } from 'node:util';
import { HostError } from '../../../controller/host/errors.ts';
import { SpawnHelper } from '../../../controller/host/spawn-helper.ts';

const ECHO = '/bin/echo';
const SLEEP = '/bin/sleep';
const CAT = '/bin/cat';

function faultCode(error: unknown): string | undefined {
  return error instanceof HostError ? error.code : undefined;
}

describe('spawn helper', () => {
  test('runs an argv in a process other than ours and returns its output and exit status', async () => {
    const helper = new SpawnHelper();
    const result = await helper.run({
      program: 'echo',
      file: ECHO,
      args: ['a b', '$HOME'],
      stdin: '',
      timeoutMs: 5000,
    });
    assert.deepEqual(result, { exitCode: 0, signal: null, stdout: 'a b $HOME\n', stderr: '' });
    assert.ok(helper.pid !== undefined && helper.pid !== process.pid);
    const piped = await helper.run({
      program: 'cat',
      file: CAT,
      args: [],
      stdin: 'line 1\nline 2\n',
      timeoutMs: 5000,
    });
    assert.equal(piped.stdout, 'line 1\nline 2\n', 'stdin reaches the command');
    const failed = await helper.run({
      program: 'sleep',
      file: SLEEP,
      args: ['bogus'],
      stdin: '',
      timeoutMs: 5000,
    });
    assert.equal(failed.exitCode, 1);
    assert.match(failed.stderr, /invalid time interval/);
  });

  test('commands run side by side, and every answer goes to the caller that asked', async () => {
    const helper = new SpawnHelper();
    const started = Date.now();
    const results = await Promise.all(
      Array.from({ length: 20 }, (_, index) =>
        helper.run({
          program: 'sh',
          file: '/bin/sh',
          args: ['-c', 'sleep 0.2; echo "$0"', String(index)],
          stdin: '',
          timeoutMs: 5000,
        }),
      ),
    );
    assert.deepEqual(
      results.map((result) => result.stdout),
      Array.from({ length: 20 }, (_, index) => `${index}\n`),
    );
    assert.ok(
      Date.now() - started < 3000,
      `20 sleeps of 0.2 s took ${Date.now() - started} ms: not side by side`,
    );
  });

  test('the helper refuses a program outside the system directories, whatever its caller checked', async () => {
    const helper = new SpawnHelper();
    for (const file of ['/tmp/nft', 'nft', '/usr/sbin/../../tmp/nft', '/usr/sbin/sub/nft']) {
      await assert.rejects(
        helper.run({ program: 'nft', file, args: [], stdin: '', timeoutMs: 5000 }),
        (error: unknown) => faultCode(error) === 'CommandFailed' && /refused/.test(String(error)),
        file,
      );
    }
  });

  test('a command past its timeout is killed and reported as a timeout', async () => {
    const helper = new SpawnHelper();
    const started = Date.now();
    await assert.rejects(
      helper.run({ program: 'sleep', file: SLEEP, args: ['30'], stdin: '', timeoutMs: 200 }),
      (error: unknown) => faultCode(error) === 'CommandTimeout',
    );
    assert.ok(Date.now() - started < 5000);
  });

  test('a helper that dies fails the commands under way, and the next command starts a new one', async () => {
    const helper = new SpawnHelper();
    const running = helper.run({ program: 'sleep', file: SLEEP, args: ['30'], stdin: '', timeoutMs: 60_000 });
    const first = helper.pid!;
    process.kill(first, 'SIGKILL');
    await assert.rejects(
      running,
      (error: unknown) => faultCode(error) === 'CommandFailed' && /exited/.test(String(error)),
    );
    const again = await helper.run({
      program: 'echo',
      file: ECHO,
      args: ['back'],
      stdin: '',
      timeoutMs: 5000,
    });
    assert.equal(again.stdout, 'back\n');
    assert.notEqual(helper.pid, first);
  });

  test('an idle helper does not keep its parent alive', async () => {
    // A process that ran one command and has nothing else to do must exit; the helper then follows it.
    const script = [
      `import { SpawnHelper } from ${JSON.stringify(join(import.meta.dirname, '../../../controller/host/spawn-helper.ts'))};`,
      'const helper = new SpawnHelper();',
      `const result = await helper.run({ program: 'echo', file: '${ECHO}', args: ['done'], stdin: '', timeoutMs: 5000 });`,
      'process.stdout.write(result.stdout);',
    ].join('\n');
    const { stdout } = await promisify(execFile)(process.execPath, ['--input-type=module', '-e', script], {
      timeout: 10_000,
    });
    assert.equal(stdout, 'done\n');
  });
});
