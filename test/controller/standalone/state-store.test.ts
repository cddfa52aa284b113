import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import {
  acquireLock,
  emptyState,
  loadState,
  prepareStateDir,
  StateLockedError,
  saveState,
} from '../../../controller/standalone/state-store.ts';

test('the state is written whole, with no temporary file left, and read back', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'ccsa-state-'));
  try {
    await prepareStateDir(dir);
    assert.deepEqual(loadState(dir), emptyState());
    const state = emptyState();
    state.runs['default/x'] = { key: 'default/x' } as never;
    saveState(dir, state);
    assert.deepEqual(loadState(dir), state);
    assert.deepEqual(readdirSync(dir).sort(), ['reports', 'state.json']);
    writeFileSync(join(dir, 'state.json'), '{"version":9,"runs":{}}');
    assert.throws(() => loadState(dir), /not a state file this version can read/);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('the lock refuses a second holder while the first lives, and is taken over once it is dead', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'ccsa-state-'));
  try {
    const release = acquireLock(dir);
    assert.equal(readFileSync(join(dir, 'lock'), 'utf8').trim(), String(process.pid));
    release();
    // A live process of someone else holds it.
    const other = spawn('sleep', ['30'], { stdio: 'ignore' });
    writeFileSync(join(dir, 'lock'), `${other.pid}\n`);
    assert.throws(() => acquireLock(dir), StateLockedError);
    other.kill('SIGKILL');
    await new Promise((resolve) => other.once('exit', resolve));
    // Its holder died (a kill -9): the lock is stale and taken over.
    const again = acquireLock(dir);
    assert.equal(readFileSync(join(dir, 'lock'), 'utf8').trim(), String(process.pid));
    again();
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
