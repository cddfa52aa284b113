// The controller's optional view of Argo CD: Applications cached with their sync records only, the
// revision of each experiment generation remembered from when it arrived, and the flag that turns
// it on.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { controllerCommand, controllerHelp } from '../../../controller/cli/controller-command.ts';
import type { RevisionChoice } from '../../../controller/core/experiment/revision.ts';
import { keepSyncRecords, RevisionMemo } from '../../../controller/manager/argocd-applications.ts';

const r1 = 'a'.repeat(40);
const r2 = 'b'.repeat(40);

test('the cache keeps the sync records of an Application and drops the rest', () => {
  const kept = keepSyncRecords({
    apiVersion: 'argoproj.io/v1alpha1',
    kind: 'Application',
    metadata: {
      name: 'chaos',
      namespace: 'argocd',
      resourceVersion: '7',
      annotations: { big: 'x'.repeat(1000) },
    },
    spec: { source: { repoURL: 'https://github.com/acme/chaos.git' } },
    status: {
      sync: { status: 'Synced', revision: r2, comparedTo: { source: {} } },
      history: [{ id: 3, revision: r1, deployStartedAt: 't0', deployedAt: 't1', source: { repoURL: 'x' } }],
      operationState: {
        phase: 'Running',
        startedAt: 't2',
        operation: { sync: { revision: r2, prune: true } },
        syncResult: { revision: r2, resources: [{ name: 'web-kill' }] },
      },
      resources: [{ kind: 'ChaosExperiment', name: 'web-kill' }],
    },
  } as never);
  assert.deepEqual(kept, {
    metadata: { name: 'chaos', namespace: 'argocd', resourceVersion: '7' },
    status: {
      sync: { status: 'Synced', revision: r2 },
      history: [{ id: 3, deployStartedAt: 't0', deployedAt: 't1', revision: r1 }],
      operationState: {
        phase: 'Running',
        startedAt: 't2',
        finishedAt: undefined,
        operation: { sync: { revision: r2 } },
        syncResult: { revision: r2 },
      },
    },
  });
});

test('a generation keeps the revision it arrived with, though a later sync restamps the annotation', () => {
  const memo = new RevisionMemo();
  const experiment = { metadata: { uid: 'u1', generation: 1 } };
  let answer: RevisionChoice = { revision: r1, source: 'annotation' };
  const compute = () => answer;
  assert.equal(memo.revision(experiment, compute), r1);
  // The run waits for a slot; meanwhile the next merge restamps every manifest of the Application.
  answer = { revision: r2, source: 'annotation' };
  assert.equal(memo.revision(experiment, compute), r1);
  // A new generation is a new spec: its own revision.
  assert.equal(memo.revision({ metadata: { uid: 'u1', generation: 2 } }, compute), r2);
  // An older generation seen late (a stale event) does not displace the newer one.
  answer = { revision: r1, source: 'history' };
  memo.revision({ metadata: { uid: 'u1', generation: 1 } }, compute);
  answer = { outcome: 'unknown', reason: 'x' };
  assert.equal(memo.revision({ metadata: { uid: 'u1', generation: 2 } }, compute), r2);
  memo.forget('u1');
  assert.equal(memo.revision({ metadata: { uid: 'u1', generation: 2 } }, compute), undefined);
});

test('no answer, or only the current Synced revision, is not remembered: the next look decides', () => {
  const memo = new RevisionMemo();
  const experiment = { metadata: { uid: 'u2', generation: 1 } };
  let answer: RevisionChoice = { outcome: 'unknown', reason: 'the Application is not cached yet' };
  assert.equal(
    memo.revision(experiment, () => answer),
    undefined,
  );
  answer = { revision: r1, source: 'application' };
  assert.equal(
    memo.revision(experiment, () => answer),
    r1,
  );
  answer = { revision: r2, source: 'history' };
  assert.equal(
    memo.revision(experiment, () => answer),
    r2,
  );
});

test('--argocd-namespace is documented and must be a namespace name', async () => {
  assert.match(controllerHelp, /--argocd-namespace <ns>/);
  const io = { stdout: () => undefined, stderr: () => undefined };
  await assert.rejects(controllerCommand(['--argocd-namespace', 'Argo_CD'], io), {
    name: 'UsageError',
    message: '--argocd-namespace: "Argo_CD" is not a namespace name',
  });
});
