// A trial parse of a PR's changed manifests in a worker thread whose heap is capped. The cheap
// counts of gitops/repository/budget.ts bound how much a PR holds; they cannot see how much memory
// one file makes the parser use (half a MiB of `[` needs more than 192 MiB). The worker answers
// that: if it runs out of its heap, only the worker ends, and the PR gets a comment naming the file
// instead of the real parse taking the process down. A file the parser throws on is named too.
import { Worker } from 'node:worker_threads';
import type { ScreenMessage } from './parse-screen-worker.ts';

export type ScreenResult =
  | { ok: true }
  | { ok: false; reason: 'memory' | 'parser'; path?: string }
  | { ok: false; reason: 'aborted' };

export async function screenParse(options: {
  blobs: readonly { path: string; bytes: Uint8Array }[];
  maxHeapMiB: number;
  signal?: AbortSignal;
}): Promise<ScreenResult> {
  if (options.blobs.length === 0) return { ok: true };
  if (options.signal?.aborted) return { ok: false, reason: 'aborted' };
  const worker = new Worker(new URL('./parse-screen-worker.ts', import.meta.url), {
    workerData: { blobs: options.blobs },
    // Young generation and stack as small as the main thread's, so a parse that fits here fits there.
    resourceLimits: {
      maxOldGenerationSizeMb: options.maxHeapMiB,
      maxYoungGenerationSizeMb: 16,
      stackSizeMb: 1,
    },
    stdout: true,
    stderr: true,
  });
  let current: string | undefined;
  const result = await new Promise<ScreenResult>((resolve) => {
    const abort = () => resolve({ ok: false, reason: 'aborted' });
    options.signal?.addEventListener('abort', abort, { once: true });
    worker.on('message', (message: ScreenMessage) => {
      if (message.kind === 'parsing') current = message.path;
      else if (message.kind === 'failed') resolve({ ok: false, reason: 'parser', path: message.path });
      else resolve({ ok: true });
    });
    worker.on('error', (error: Error & { code?: string }) => {
      const reason = error.code === 'ERR_WORKER_OUT_OF_MEMORY' ? 'memory' : 'parser';
      resolve({ ok: false, reason, ...(current ? { path: current } : {}) });
    });
    worker.on('exit', () => resolve({ ok: false, reason: 'parser', ...(current ? { path: current } : {}) }));
  });
  const stopped = worker.terminate();
  // An abort answers at once: a worker deep in a collection of its large heap can take seconds to stop
  // (terminating waits for the collector), and the caller is shutting down or giving up on the PR.
  if (result.ok || result.reason !== 'aborted') await stopped;
  else stopped.catch(() => {});
  return result;
}
