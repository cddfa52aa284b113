// A bounded wait for tests and benchmarks: polls a condition, fails with what it waited for.
import { setTimeout as sleep } from 'node:timers/promises';

export async function waitFor<T>(options: {
  condition: () => T | undefined | false | Promise<T | undefined | false>;
  what: string;
  timeoutMs?: number;
  /** Benchmarks poll every millisecond so as not to add sleep to what they measure. */
  intervalMs?: number;
}): Promise<T> {
  const deadline = performance.now() + (options.timeoutMs ?? 5000);
  for (;;) {
    const value = await options.condition();
    if (value) return value;
    if (performance.now() > deadline)
      throw new Error(`timed out after ${options.timeoutMs ?? 5000} ms waiting for ${options.what}`);
    await sleep(options.intervalMs ?? 10);
  }
}
