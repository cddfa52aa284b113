// Shared bits of this directory's own tests: the fixture CRD directory and a bounded wait.

import { setTimeout as sleep } from 'node:timers/promises';
import { fileURLToPath } from 'node:url';

export const FIXTURE_CRD_DIRECTORY = fileURLToPath(new URL('../../fixtures/kube/crds/', import.meta.url));

/** Polls `condition` every 10 ms until it returns a truthy value, or fails after `timeoutMs`. */
export async function waitFor<T>(options: {
  condition: () => T | undefined | false | Promise<T | undefined | false>;
  timeoutMs?: number;
  what: string;
}): Promise<T> {
  const deadline = Date.now() + (options.timeoutMs ?? 5000);
  for (let attempt = 0; attempt < 10_000; attempt += 1) {
    const value = await options.condition();
    if (value) return value;
    if (Date.now() > deadline) break;
    await sleep(10);
  }
  throw new Error(`timed out waiting for ${options.what}`);
}

/** Collects callback events into an array a test can wait on. */
export class EventRecorder<T> {
  readonly events: T[] = [];

  push = (event: T): void => {
    this.events.push(event);
  };

  async waitForCount(count: number, what: string, timeoutMs = 5000): Promise<T[]> {
    await waitFor({ condition: () => this.events.length >= count, timeoutMs, what });
    return this.events;
  }
}
