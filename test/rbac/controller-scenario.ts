// What the controller does in a cluster, in a few seconds: it elects itself leader on its Lease, reads
// Argo CD Applications (--argocd-namespace), runs a podKill whose hypothesis probes a Deployment, and a
// networkLoss handed to a node agent (played by the test through the admin's JS API) and taken back.
// The schedule controller, under the same identity, creates a run at a fire time, and when the
// schedule is deleted deletes its runs and releases its finalizer.
import { Writable } from 'node:stream';
import { ControllerManager } from '../../controller/manager/controller-manager.ts';
import { createLogger } from '../../controller/observability/logger.ts';
import { experiment, finished, getExperiment, startCluster } from '../controller/manager/harness.ts';
import type { KubeApiServer } from '../support/kube-api-server/index.ts';
import { waitFor } from '../support/wait.ts';
import type { Scenario } from './least-privilege.ts';

const INJECTIONS = { apiVersion: 'chaoscraft.io/v1alpha1', kind: 'ChaosInjection' };
const SCHEDULE = {
  apiVersion: 'chaoscraft.io/v1alpha1',
  kind: 'ChaosSchedule',
  namespace: 'shop',
  name: 'every',
};

/** Fires every second; keeps no finished run, so the first one is deleted for history at once. */
export function everySecond() {
  return {
    ...SCHEDULE,
    metadata: { name: SCHEDULE.name, namespace: SCHEDULE.namespace },
    spec: {
      schedule: '@every 1s',
      successfulHistoryLimit: 0,
      failedHistoryLimit: 0,
      template: { spec: experiment('run', { duration: '1s' }).spec },
    },
  };
}

type Injection = {
  metadata: { namespace: string; name: string; finalizers?: string[]; deletionTimestamp?: string };
};

/**
 * The node agent's side, answered at once: finalizer and Injected on a new injection, Recovered on
 * deletion. `at` is the agent's clock (a test that moves the controller's clock passes the same).
 */
export function playAgent(server: KubeApiServer, at: Date = new Date()): void {
  const now = at.toISOString();
  for (const injection of server.list(INJECTIONS) as Injection[]) {
    const address = { ...INJECTIONS, namespace: injection.metadata.namespace, name: injection.metadata.name };
    const condition = (type: string, reason: string) => ({
      type,
      status: 'True',
      reason,
      message: reason,
      lastTransitionTime: now,
    });
    if (injection.metadata.deletionTimestamp) {
      server.patch({
        ...address,
        subresource: 'status',
        patch: { status: { recoveredAt: now, conditions: [condition('Recovered', 'Recovered')] } },
      });
      server.patch({ ...address, patch: { metadata: { finalizers: [] } } });
    } else if (!injection.metadata.finalizers?.length) {
      server.patch({ ...address, patch: { metadata: { finalizers: ['chaoscraft.io/agent-recover'] } } });
      server.patch({
        ...address,
        subresource: 'status',
        patch: { status: { injectedAt: now, conditions: [condition('Injected', 'Injected')] } },
      });
    }
  }
}

export const probeOfDeployment = {
  name: 'web-available',
  kubernetes: {
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    name: 'web',
    condition: { type: 'Available', status: 'True' },
  },
};

export function quietLogger() {
  return createLogger({
    level: 'warn',
    destination: new Writable({ write: (_chunk, _encoding, done) => done() }),
  });
}

export const controllerScenario: Scenario = {
  process: 'controller',
  timeoutMs: 20_000,
  async startServer() {
    const server = await startCluster({ replicas: 3 });
    server.create({ apiVersion: 'v1', kind: 'Node', metadata: { name: 'node-1' } });
    server.create({ apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'argocd' } });
    return server;
  },
  start({ server, kubeConfig }) {
    const manager = new ControllerManager({
      kubeConfig,
      namespace: 'chaoscraft-system',
      logger: quietLogger(),
      workers: 2,
      argocdNamespace: 'argocd',
      leaderElection: {
        enabled: true,
        identity: 'rbac-test',
        leaseDurationMs: 2000,
        renewDeadlineMs: 1500,
        retryPeriodMs: 100,
      },
    });
    const agent = setInterval(() => playAgent(server), 20);
    let stopped = false;
    const done = (async () => {
      // Not awaited before the experiments: without a list rule the caches never sync.
      const started = manager.start();
      server.create(
        experiment('kill', { hypothesis: { probes: [probeOfDeployment] }, faults: [{ podKill: {} }] }),
      );
      server.create(experiment('loss', { faults: [{ networkLoss: { percent: 50 } }] }));
      server.create(everySecond());
      await started;
      await waitFor({
        condition: () => {
          if (stopped) throw new Error('stopped');
          return ['kill', 'loss'].every((name) => finished(getExperiment(server, name)!));
        },
        what: 'both experiments to finish',
        timeoutMs: 12_000,
      });
      // A run the schedule created, then the schedule's deletion: its runs go, then its finalizer.
      await waitFor({
        condition: () => {
          if (stopped) throw new Error('stopped');
          return (server.get(SCHEDULE) as { status?: { lastScheduleTime?: string } })?.status
            ?.lastScheduleTime;
        },
        what: 'the schedule to create a run',
        timeoutMs: 5_000,
      });
      server.delete(SCHEDULE);
      await waitFor({
        condition: () => {
          if (stopped) throw new Error('stopped');
          return server.get(SCHEDULE) === undefined;
        },
        what: 'the deleted schedule to remove its runs and go',
        timeoutMs: 10_000,
      });
      // The leader renews its Lease (an update) while it runs.
      await new Promise((resolve) => setTimeout(resolve, 300));
    })();
    return {
      done,
      stop: async () => {
        stopped = true;
        clearInterval(agent);
        await manager.stop({ drainTimeoutMs: 2000 });
      },
    };
  },
};
