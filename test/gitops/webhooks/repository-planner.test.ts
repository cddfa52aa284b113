// The planner behind the receiver stops at its wall-time budget: a git server that never answers
// ends in a plan saying so, not in a webhook that hangs, and the abandoned fetch fails quietly.
import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { createRepositoryPlanner } from '../../../gitops/webhooks/repository-planner.ts';

test('a fetch that never finishes ends in a plan over the time budget', async (t) => {
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
    cloneUrlFor: () => `http://127.0.0.1:${port}/acme/chaos`,
    budgets: { maxWallMs: 300 },
  });
  const started = performance.now();
  const plan = await planner({
    owner: 'acme',
    repo: 'chaos',
    pullNumber: 7,
    headSha: 'a'.repeat(40),
    headRef: 'feature',
    baseSha: 'b'.repeat(40),
    baseRef: 'main',
    fromFork: true,
    cloneUrl: 'https://github.test/acme/chaos.git',
  });
  assert.ok(performance.now() - started < 5000);
  assert.equal(plan.valid, false);
  assert.equal(plan.headSha, 'a'.repeat(40));
  assert.match(plan.markdown, /over the time budget/);
  assert.match(plan.markdown, /planning this pull request took longer than 0\.3 seconds and was stopped/);
  assert.match(plan.markdown, /--plan-timeout/);
});
