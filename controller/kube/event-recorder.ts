// Kubernetes Events for every transition of an experiment (`kubectl describe` shows them).
// Recording an event is best effort: a failure is logged, never fails a reconcile.
//
// A recorder sends its events one at a time, in order, as client-go's broadcaster does: when a
// thousand schedules fire in the same second, their RunCreated events would otherwise go out as fast
// as the runs are created, and the creations would wait behind them at the API server. At most
// `maxPending` wait (client-go's queue holds 1000); one more is dropped, and said to onError.
import { randomBytes } from 'node:crypto';
import type { KubeHttp } from './kube-http.ts';
import { resourcePath, resources } from './paths.ts';

export interface EventTarget {
  apiVersion: string;
  kind: string;
  namespace: string;
  name: string;
  uid: string;
  resourceVersion?: string;
}

export interface EventRecorder {
  record(options: {
    target: EventTarget;
    type: 'Normal' | 'Warning';
    reason: string;
    message: string;
    now: Date;
  }): Promise<void>;
}

export function createEventRecorder(options: {
  http: KubeHttp;
  component: string;
  onError?: (error: unknown) => void;
  maxPending?: number;
}): EventRecorder {
  const maxPending = options.maxPending ?? 1000;
  let pending = 0;
  let last: Promise<void> = Promise.resolve();

  async function send({ target, type, reason, message, now }: Parameters<EventRecorder['record']>[0]) {
    const time = now.toISOString();
    try {
      await options.http.request({
        method: 'POST',
        path: resourcePath({ ...resources.events, namespace: target.namespace }),
        body: {
          apiVersion: 'v1',
          kind: 'Event',
          metadata: {
            name: `${target.name}.${randomBytes(8).toString('hex')}`,
            namespace: target.namespace,
          },
          involvedObject: {
            apiVersion: target.apiVersion,
            kind: target.kind,
            namespace: target.namespace,
            name: target.name,
            uid: target.uid,
            resourceVersion: target.resourceVersion,
          },
          type,
          reason,
          message: message.slice(0, 1024),
          source: { component: options.component },
          reportingComponent: options.component,
          firstTimestamp: time,
          lastTimestamp: time,
          count: 1,
        },
      });
    } catch (error) {
      options.onError?.(error);
    }
  }

  return {
    async record(event) {
      if (pending >= maxPending) {
        options.onError?.(
          new Error(`event ${event.reason} on ${event.target.name} dropped: ${pending} events waiting`),
        );
        return;
      }
      pending++;
      // An onError that throws must not stop the events after this one.
      const sent = last.then(() => send(event)).catch(() => {});
      last = sent.finally(() => pending--);
      await last;
    },
  };
}
