import assert from 'node:assert/strict';
import { test } from 'node:test';
import { summarize } from '../../../../controller/core/experiment/report.ts';

const target = (injectedAt: string, recoveredAt?: string) => ({
  kind: 'Pod' as const,
  namespace: 'shop',
  name: 'web-1',
  fault: 'networkloss-0',
  faultKind: 'networkLoss' as const,
  state: 'recovered' as const,
  injectedAt,
  ...(recoveredAt ? { recoveredAt } : {}),
});

test('time to inject and to recover, from the run start and the recovery start', () => {
  const report = summarize(
    {
      startTime: '2026-05-04T10:00:00Z',
      recoveryStartTime: '2026-05-04T10:01:00Z',
      targets: [target('2026-05-04T10:00:02Z', '2026-05-04T10:01:03Z')],
    },
    new Date('2026-05-04T10:01:05Z'),
  );
  assert.equal(report.timeToInjectSeconds, 2);
  assert.equal(report.timeToRecoverSeconds, 3);
});

test('an agent whose clock is behind the controller’s gives 0, never a negative time the schema refuses', () => {
  const report = summarize(
    {
      startTime: '2026-05-04T10:00:00Z',
      recoveryStartTime: '2026-05-04T10:01:00Z',
      targets: [target('2026-05-04T09:59:30Z', '2026-05-04T10:00:50Z')],
    },
    new Date('2026-05-04T10:01:05Z'),
  );
  assert.equal(report.timeToInjectSeconds, 0);
  assert.equal(report.timeToRecoverSeconds, 0);
});
