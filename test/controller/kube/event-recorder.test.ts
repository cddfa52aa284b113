// The event recorder sends one event at a time, in order, and drops what exceeds its queue: a burst
// of reconciles never has more than one event of a recorder at the API server.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { createEventRecorder } from '../../../controller/kube/event-recorder.ts';
import type { KubeHttp, KubeRequest } from '../../../controller/kube/kube-http.ts';

function slowApi() {
  const sent: string[] = [];
  let inFlight = 0;
  let most = 0;
  const answers: (() => void)[] = [];
  const http: KubeHttp = {
    server: 'http://test',
    async request<T>(request: KubeRequest): Promise<T> {
      inFlight++;
      most = Math.max(most, inFlight);
      await new Promise<void>((resolve) => answers.push(resolve));
      inFlight--;
      const { reason } = request.body as { reason: string };
      if (reason === 'Fails') throw new Error('500');
      sent.push(reason);
      return {} as T;
    },
  };
  /** Answers the waiting requests until none is left. */
  const answerAll = async () => {
    for (let i = 0; i < 100; i++) {
      answers.shift()?.();
      await new Promise((resolve) => setImmediate(resolve));
    }
  };
  return { http, sent, answerAll, most: () => most };
}

const target = { apiVersion: 'v1', kind: 'Thing', namespace: 'ns', name: 'a', uid: 'u' };
const now = new Date('2026-05-04T10:00:00Z');

test('events go out one at a time, in order; a failed one is reported and the next still goes', async () => {
  const api = slowApi();
  const errors: unknown[] = [];
  const recorder = createEventRecorder({
    http: api.http,
    component: 'test',
    onError: (error) => {
      errors.push(error);
      throw new Error('a callback that throws');
    },
  });
  const recorded = ['One', 'Fails', 'Two', 'Three'].map((reason) =>
    recorder.record({ target, type: 'Normal', reason, message: '', now }),
  );
  await api.answerAll();
  await Promise.all(recorded);
  assert.deepEqual(api.sent, ['One', 'Two', 'Three']);
  assert.equal(api.most(), 1);
  assert.equal(errors.length, 1);
});

test('beyond maxPending waiting events, one more is dropped and said to onError', async () => {
  const api = slowApi();
  const errors: string[] = [];
  const recorder = createEventRecorder({
    http: api.http,
    component: 'test',
    maxPending: 2,
    onError: (error) => errors.push((error as Error).message),
  });
  const recorded = ['One', 'Two', 'Three'].map((reason) =>
    recorder.record({ target, type: 'Normal', reason, message: '', now }),
  );
  await api.answerAll();
  await Promise.all(recorded);
  assert.deepEqual(api.sent, ['One', 'Two']);
  assert.deepEqual(errors, ['event Three on a dropped: 2 events waiting']);
  // Once the queue has room again, events go out again.
  const later = recorder.record({ target, type: 'Normal', reason: 'Later', message: '', now });
  await api.answerAll();
  await later;
  assert.deepEqual(api.sent, ['One', 'Two', 'Later']);
});
