// The pure choice of the Git revision a generation of an experiment came from.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import {
  type ApplicationSyncs,
  chooseRevision,
  latestSyncStart,
  revisionAnnotation,
  specWrittenAt,
  syncThatApplied,
  trackedApplication,
} from '../../../../controller/core/experiment/revision.ts';

const r1 = '1'.repeat(40);
const r2 = '2'.repeat(40);
const r3 = '3'.repeat(40);
const at = (time: string) => Date.parse(`2026-11-30T${time}Z`);
const iso = (time: string) => `2026-11-30T${time}Z`;

/** Three merges synced five minutes apart; the Application is now at the third. */
function application(extra: Partial<NonNullable<ApplicationSyncs['status']>> = {}): ApplicationSyncs {
  return {
    status: {
      sync: { status: 'Synced', revision: r3 },
      history: [
        { id: 0, revision: r1, deployStartedAt: iso('10:00:00'), deployedAt: iso('10:00:05') },
        { id: 1, revision: r2, deployStartedAt: iso('10:05:00'), deployedAt: iso('10:05:04') },
        { id: 2, revision: r3, deployStartedAt: iso('10:10:00'), deployedAt: iso('10:10:03') },
      ],
      operationState: {
        phase: 'Succeeded',
        startedAt: iso('10:10:00'),
        finishedAt: iso('10:10:03'),
        operation: { sync: { revision: r3 } },
        syncResult: { revision: r3 },
      },
      ...extra,
    },
  };
}

test('a stamped 40-hex revision wins over the history and the current revision', () => {
  const choice = chooseRevision({
    annotations: { [revisionAnnotation]: r1 },
    writtenAt: at('10:05:02'),
    application: application(),
  });
  assert.deepEqual(choice, { revision: r1, source: 'annotation' });
});

test('malformed stamped values are ignored: the history decides', () => {
  for (const value of [
    // biome-ignore lint/suspicious/noTemplateCurlyInString: the placeholder Argo CD failed to expand
    '${ARGOCD_APP_REVISION}',
    '$ARGOCD_APP_REVISION',
    r1.slice(0, 7),
    `${r1}0`,
    'ab'.repeat(20).toUpperCase(),
    ` ${r1}`,
    'main',
    '',
  ]) {
    const choice = chooseRevision({
      annotations: { [revisionAnnotation]: value },
      writtenAt: at('10:05:02'),
      application: application(),
    });
    assert.deepEqual(choice, { revision: r2, source: 'history' }, JSON.stringify(value));
  }
  const alone = chooseRevision({ annotations: { [revisionAnnotation]: 'main' }, writtenAt: at('10:05:02') });
  assert.equal(alone.revision, undefined);
});

test('the history picks the sync that applied this generation; later syncs are ignored', () => {
  const app = application();
  assert.deepEqual(chooseRevision({ writtenAt: at('10:00:03'), application: app }), {
    revision: r1,
    source: 'history',
  });
  assert.deepEqual(chooseRevision({ writtenAt: at('10:05:04'), application: app }), {
    revision: r2,
    source: 'history',
  });
  // Whole-second timestamps and another clock: a write just outside the window still belongs to it.
  assert.deepEqual(chooseRevision({ writtenAt: at('10:09:59'), application: app }), {
    revision: r3,
    source: 'history',
  });
});

test('two syncs of different revisions that may both have applied it: no answer', () => {
  const app: ApplicationSyncs = {
    status: {
      sync: { status: 'Synced', revision: r2 },
      history: [
        { revision: r1, deployStartedAt: iso('10:00:00'), deployedAt: iso('10:00:05') },
        { revision: r2, deployStartedAt: iso('10:00:06'), deployedAt: iso('10:00:08') },
      ],
    },
  };
  const choice = chooseRevision({ writtenAt: at('10:00:06'), application: app });
  assert.equal(choice.revision, undefined);
  assert.equal(choice.revision === undefined && choice.outcome, 'ambiguous');
  // The same revision synced twice in a row is no ambiguity.
  app.status!.history![1]!.revision = r1;
  assert.deepEqual(chooseRevision({ writtenAt: at('10:00:06'), application: app }), {
    revision: r1,
    source: 'history',
  });
});

test('a sync still running (or failed, so not in the history) names the revision it applies', () => {
  const running = application({
    operationState: {
      phase: 'Running',
      startedAt: iso('10:15:00'),
      operation: { sync: { revision: r1 } },
    },
  });
  assert.deepEqual(chooseRevision({ writtenAt: at('10:15:02'), application: running }), {
    revision: r1,
    source: 'operation',
  });
  const failed = application({
    operationState: {
      phase: 'Failed',
      startedAt: iso('10:15:00'),
      finishedAt: iso('10:15:09'),
      syncResult: { revision: r2 },
    },
  });
  assert.deepEqual(chooseRevision({ writtenAt: at('10:15:02'), application: failed }), {
    revision: r2,
    source: 'operation',
  });
});

test('a spec no recorded sync wrote (a hand edit) gets no revision, not the current one', () => {
  const choice = chooseRevision({ writtenAt: at('10:20:00'), application: application() });
  assert.equal(choice.revision, undefined);
  assert.equal(choice.revision === undefined && choice.outcome, 'unapplied');
  // Written before the oldest sync kept in the history: the history cannot vouch for it either.
  const old = chooseRevision({ writtenAt: at('09:00:00'), application: application() });
  assert.equal(old.revision, undefined);
});

test('only when the history cannot tell: the current revision, and only if Synced to a commit', () => {
  const bare: ApplicationSyncs = { status: { sync: { status: 'Synced', revision: r3 } } };
  assert.deepEqual(chooseRevision({ writtenAt: at('10:00:00'), application: bare }), {
    revision: r3,
    source: 'application',
  });
  // The time of the write is unknown (no managedFields): the history cannot tell.
  assert.deepEqual(chooseRevision({ writtenAt: undefined, application: application() }), {
    revision: r3,
    source: 'application',
  });
  for (const sync of [
    { status: 'OutOfSync', revision: r3 },
    { status: 'Synced', revision: '1.4.2' },
    { status: 'Synced' },
  ]) {
    const choice = chooseRevision({ writtenAt: at('10:00:00'), application: { status: { sync } } });
    assert.equal(choice.revision, undefined, JSON.stringify(sync));
  }
  assert.equal(chooseRevision({ writtenAt: at('10:00:00') }).revision, undefined);
});

test('multi-source Applications: the first source revision; a chart version is not a commit', () => {
  const multi: ApplicationSyncs = {
    status: {
      history: [{ revisions: [r2, '4.11.3'], deployStartedAt: iso('10:00:00'), deployedAt: iso('10:00:05') }],
    },
  };
  assert.deepEqual(syncThatApplied({ writtenAt: at('10:00:02'), application: multi }), {
    revision: r2,
    source: 'history',
  });
  const chart: ApplicationSyncs = {
    status: {
      history: [{ revision: '4.11.3', deployStartedAt: iso('10:00:00'), deployedAt: iso('10:00:05') }],
    },
  };
  assert.equal(syncThatApplied({ writtenAt: at('10:00:02'), application: chart }).revision, undefined);
});

test('history entries without a start are bounded by the previous end; malformed times are skipped', () => {
  const app: ApplicationSyncs = {
    status: {
      history: [
        { revision: r1, deployedAt: iso('10:00:05') },
        { revision: r3, deployedAt: 'yesterday' },
        { revision: r2, deployedAt: iso('10:05:04') },
      ],
    },
  };
  assert.deepEqual(syncThatApplied({ writtenAt: at('10:03:00'), application: app }), {
    revision: r2,
    source: 'history',
  });
  // The oldest entry kept has no start: only its end counts.
  assert.equal(syncThatApplied({ writtenAt: at('09:50:00'), application: app }).revision, undefined);
  assert.equal(latestSyncStart(app), at('10:00:05'));
  assert.equal(latestSyncStart({ status: { sync: { status: 'Synced', revision: r1 } } }), undefined);
});

test('when a generation was written: creation for the first, the newest spec owner for later ones', () => {
  assert.equal(specWrittenAt({ generation: 1, creationTimestamp: iso('10:00:01') }), at('10:00:01'));
  const managedFields = [
    { manager: 'argocd-controller', operation: 'Update', time: iso('10:05:02'), fieldsV1: { 'f:spec': {} } },
    {
      manager: 'chaoscraft-controller',
      operation: 'Update',
      time: iso('10:06:00'),
      subresource: 'status',
      fieldsV1: { 'f:status': {} },
    },
    {
      manager: 'chaoscraft-controller',
      operation: 'Update',
      time: iso('10:06:01'),
      fieldsV1: { 'f:metadata': { 'f:finalizers': {} } },
    },
    { manager: 'kubectl-edit', operation: 'Update', time: 'not a time', fieldsV1: { 'f:spec': {} } },
  ];
  assert.equal(
    specWrittenAt({ generation: 2, creationTimestamp: iso('10:00:01'), managedFields }),
    at('10:05:02'),
  );
  assert.equal(specWrittenAt({ generation: 2, creationTimestamp: iso('10:00:01') }), undefined);
  assert.equal(specWrittenAt({ generation: 1, creationTimestamp: 'soon' }), undefined);
});

test('the tracking id must name this very experiment', () => {
  const tracked = (annotation: string, name = 'web-kill') =>
    trackedApplication({
      metadata: {
        name,
        namespace: 'shop',
        annotations: { 'argocd.argoproj.io/tracking-id': annotation },
      },
    });
  assert.deepEqual(tracked('chaos:chaoscraft.io/ChaosExperiment:shop/web-kill'), { name: 'chaos' });
  assert.deepEqual(tracked('team-a_chaos:chaoscraft.io/ChaosExperiment:shop/web-kill'), {
    namespace: 'team-a',
    name: 'chaos',
  });
  assert.equal(tracked('chaos:chaoscraft.io/ChaosExperiment:shop/web-kill', 'db-kill'), undefined);
  assert.equal(tracked('chaos:chaoscraft.io/ChaosExperiment:other/web-kill'), undefined);
  assert.equal(tracked('chaos:apps/Deployment:shop/web-kill'), undefined);
  assert.equal(tracked('garbage'), undefined);
});
