// The planner behind the receiver stops at its wall-time budget: a git server that never answers
// ends in a plan saying so, not in a webhook that hangs, and the abandoned fetch fails quietly.
// Plans beyond the concurrency limit wait their turn.
import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { createRepositoryPlanner } from '../../../gitops/webhooks/repository-planner.ts';

test('a fetch that never finishes ends in a plan over the time budget; one plan at a time', async (t) => {
  const folder = await mkdtemp(join(tmpdir(), 'chaoscraft-repository-planner-'));
  const silent = createServer(() => {
    // Never answers.
  });
  await new Promise<void>((resolve) => silent.listen(0, '127.0.0.1', resolve));
  t.after(async () => {
    silent.closeAllConnections();
    await new Promise((resolve) => silent.close(resolve));
    await rm(folder, { recursive: true, force: true });
  });
  const { port } = silent.address() as AddressInfo;
  const planner = createRepositoryPlanner({
    cacheDir: folder,
    cloneUrlFor: (request) => `http://127.0.0.1:${port}/acme/chaos-${request.pullNumber}`,
    budgets: { maxWallMs: 300 },
    maxConcurrentPlans: 1,
  });
  const request = (pullNumber: number) => ({
    owner: 'acme',
    repo: 'chaos',
    pullNumber,
    headSha: 'a'.repeat(40),
    headRef: 'feature',
    baseSha: 'b'.repeat(40),
    baseRef: 'main',
    fromFork: true,
    cloneUrl: 'https://github.test/acme/chaos.git',
  });
  const started = performance.now();
  const [plan, second] = await Promise.all([planner(request(7)), planner(request(8))]);
  const elapsed = performance.now() - started;
  // One plan at a time, and the second one's time budget starts when its turn comes.
  assert.ok(elapsed >= 600 && elapsed < 5000, `both took ${Math.round(elapsed)} ms`);
  assert.match(second.markdown, /over the time budget/);
  assert.equal(plan.valid, false);
  assert.equal(plan.headSha, 'a'.repeat(40));
  assert.match(plan.markdown, /over the time budget/);
  assert.match(plan.markdown, /planning this pull request took longer than 0\.3 seconds and was stopped/);
  assert.match(plan.markdown, /--plan-timeout/);
});
