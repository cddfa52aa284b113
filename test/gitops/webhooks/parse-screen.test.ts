// The trial parse in a worker with a capped heap: ordinary manifests pass, a file that makes the
// parser exhaust the heap is named and only the worker ends, and an abort stops it at once.
import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import { test } from 'node:test';
import { screenParse } from '../../../gitops/webhooks/parse-screen.ts';

const bytes = (text: string) => new TextEncoder().encode(text);

test('ordinary manifests pass; no blobs need no worker', async () => {
  const experiment = await readFile(new URL('../../../examples/pod-kill.yaml', import.meta.url));
  const blobs = [
    { path: 'experiments/pod-kill.yaml', bytes: new Uint8Array(experiment) },
    { path: 'broken.yaml', bytes: bytes('a: [1\n') },
    { path: 'binary.yaml', bytes: new Uint8Array([0, 1, 2]) },
  ];
  assert.deepEqual(await screenParse({ blobs, maxHeapMiB: 64 }), { ok: true });
  assert.deepEqual(await screenParse({ blobs: [], maxHeapMiB: 64 }), { ok: true });
});

test('half a MiB of `[` runs the worker out of heap: the file is named, this process carries on', async () => {
  const blobs = [
    { path: 'fine.yaml', bytes: bytes('kind: A\n') },
    { path: 'experiments/brackets.yaml', bytes: bytes('['.repeat(500_000)) },
  ];
  const before = process.memoryUsage().heapUsed;
  assert.deepEqual(await screenParse({ blobs, maxHeapMiB: 32 }), {
    ok: false,
    reason: 'memory',
    path: 'experiments/brackets.yaml',
  });
  assert.ok(process.memoryUsage().heapUsed - before < 64 * 1024 * 1024, 'the parse did not happen here');
});

test('an abort ends the trial parse', async () => {
  const controller = new AbortController();
  const started = performance.now();
  const screening = screenParse({
    blobs: [{ path: 'slow.yaml', bytes: bytes('['.repeat(500_000)) }],
    maxHeapMiB: 512,
    signal: controller.signal,
  });
  setTimeout(() => controller.abort(), 200);
  assert.deepEqual(await screening, { ok: false, reason: 'aborted' });
  assert.ok(performance.now() - started < 3000);
  assert.deepEqual(
    await screenParse({
      blobs: [{ path: 'a.yaml', bytes: bytes('a: 1') }],
      maxHeapMiB: 64,
      signal: controller.signal,
    }),
    { ok: false, reason: 'aborted' },
  );
});
