import assert from 'node:assert/strict';
import { test } from 'node:test';
import { createKeyedSerialRunner, createSerialRunner } from '../../../controller/runtime/serial-runner.ts';

const tick = () => new Promise((resolve) => setImmediate(resolve));

test('one at a time in arrival order; a failure does not block the next', async () => {
  const serial = createSerialRunner();
  const order: string[] = [];
  const a = serial(async () => {
    await tick();
    order.push('a');
    throw new Error('a failed');
  });
  const b = serial(async () => {
    order.push('b');
    return 'b';
  });
  await assert.rejects(a, /a failed/);
  assert.equal(await b, 'b');
  assert.deepEqual(order, ['a', 'b']);
});

test('keyed: one at a time per key, keys side by side', async () => {
  const serial = createKeyedSerialRunner();
  const log: string[] = [];
  let running = 0;
  let most = 0;
  const work = (name: string) => async () => {
    running++;
    most = Math.max(most, running);
    log.push(`${name} start`);
    await tick();
    log.push(`${name} end`);
    running--;
    return name;
  };
  const results = await Promise.all([
    serial('x', work('x1')),
    serial('x', work('x2')),
    serial('y', work('y1')),
  ]);
  assert.deepEqual(results, ['x1', 'x2', 'y1']);
  assert.ok(log.indexOf('x1 end') < log.indexOf('x2 start'), 'x2 waits for x1');
  assert.ok(log.indexOf('y1 start') < log.indexOf('x1 end'), 'y runs beside x');
  assert.equal(most, 2);
});
