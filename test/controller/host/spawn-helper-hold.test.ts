/**
 * Held commands (SpawnHelper.hold): started ahead of need, given their input later; never acting
 * without it, never keeping their caller alive, never left behind.
 */
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, test } from 'node:test';
import { promisify } from 'node:util';
import { HostError } from '../../../controller/host/errors.ts';
import { SpawnHelper } from '../../../controller/host/spawn-helper.ts';
import { waitFor } from '../../support/wait.ts';

const SH = '/bin/sh';
const dir = mkdtempSync(join(tmpdir(), 'chaoscraft-hold-'));
after(() => rmSync(dir, { recursive: true, force: true }));
let files = 0;

/** A shell that marks its start in `<file>.started`, then writes what it read on stdin to `<file>`. */
function recorder(): { args: string[]; file: string } {
  const file = join(dir, `input-${files++}`);
  return { args: ['-c', 'echo up > "$0.started"; input=$(cat); echo "[$input]" > "$0"', file], file };
}

/** What the recorder wrote, once it has written it all (the file exists a moment before its line). */
const written = (file: string) =>
  waitFor({
    condition: () =>
      existsSync(file) && readFileSync(file, 'utf8').endsWith('\n') && readFileSync(file, 'utf8'),
    what: `${file} to be written`,
  });

const faultCode = (error: unknown) => (error instanceof HostError ? error.code : undefined);
const alive = (pid: number) => {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
};

describe('held commands', () => {
  test('start at once, and get their input only at their release', async () => {
    const helper = new SpawnHelper();
    const { args, file } = recorder();
    const held = helper.hold({ program: 'sh', file: SH, args, timeoutMs: 5000 });
    await waitFor({ condition: () => existsSync(`${file}.started`), what: 'the held command to start' });
    assert.equal(existsSync(file), false, 'it waits for its input');
    const result = await held.release('delete table inet x');
    assert.equal(result.exitCode, 0);
    assert.equal(readFileSync(file, 'utf8'), '[delete table inet x]\n');
    assert.equal(await held.ended, result, 'ended settles with the same answer');
  });

  test('their timeout runs from the release, not from the start', async () => {
    const helper = new SpawnHelper();
    const { args, file } = recorder();
    const held = helper.hold({ program: 'sh', file: SH, args, timeoutMs: 100 });
    // Held five times its timeout: still waiting, not killed.
    await new Promise((resolve) => setTimeout(resolve, 500));
    assert.equal((await held.release('late')).exitCode, 0);
    assert.equal(readFileSync(file, 'utf8'), '[late]\n');
    const slow = helper.hold({
      program: 'sh',
      file: SH,
      args: ['-c', 'cat > /dev/null; exec sleep 30'],
      timeoutMs: 100,
    });
    const started = Date.now();
    await assert.rejects(slow.release(''), (error: unknown) => faultCode(error) === 'CommandTimeout');
    assert.ok(Date.now() - started < 5000);
  });

  test('one that ended before its release does not answer as if released', async () => {
    const helper = new SpawnHelper();
    const early = helper.hold({ program: 'sh', file: SH, args: ['-c', 'exit 0'], timeoutMs: 5000 });
    assert.equal((await early.ended).exitCode, 0);
    await assert.rejects(
      early.release('delete table inet x'),
      (error: unknown) => faultCode(error) === 'CommandFailed' && /before its input/.test(String(error)),
    );
  });

  test('a helper that dies ends them with an empty input, and their release says so', async () => {
    const helper = new SpawnHelper();
    const { args, file } = recorder();
    const held = helper.hold({ program: 'sh', file: SH, args, timeoutMs: 5000 });
    await waitFor({ condition: () => existsSync(`${file}.started`), what: 'the held command to start' });
    process.kill(helper.pid!, 'SIGKILL');
    await assert.rejects(held.ended, (error: unknown) => faultCode(error) === 'CommandFailed');
    await assert.rejects(held.release('delete table inet x'), /before its input/);
    assert.equal(await written(file), '[]\n', 'it read nothing');
  });

  test('they do not keep their caller alive; when it is gone they read an empty input, and nothing is left', async () => {
    const { args, file } = recorder();
    const script = [
      `import { SpawnHelper } from ${JSON.stringify(join(import.meta.dirname, '../../../controller/host/spawn-helper.ts'))};`,
      'const helper = new SpawnHelper();',
      `helper.hold({ program: 'sh', file: '${SH}', args: ${JSON.stringify(args)}, timeoutMs: 5000 });`,
      `await new Promise((resolve) => setTimeout(resolve, 200));`,
      'process.stdout.write(String(helper.pid));',
    ].join('\n');
    const { stdout } = await promisify(execFile)(process.execPath, ['--input-type=module', '-e', script], {
      timeout: 10_000,
    });
    const helperPid = Number(stdout);
    assert.ok(helperPid > 0, stdout);
    assert.equal(await written(file), '[]\n', 'it read nothing');
    await waitFor({ condition: () => !alive(helperPid), what: 'the helper to exit' });
  });
});
