// Kubernetes Events for every transition of an experiment (`kubectl describe` shows them).
// Recording an event is best effort: a failure is logged, never fails a reconcile.
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
}): EventRecorder {
  return {
    async record({ target, type, reason, message, now }) {
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
    },
  };
}
