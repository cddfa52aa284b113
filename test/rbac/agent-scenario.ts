// What the node agent does in a cluster, in a moment: it watches the injections of its node, reads the
// controller's Lease (dead-man switch), takes an injection (finalizer, Injected) and gives it back when
// it is deleted (Recovered, finalizer removed). One status write loses a race (an injected 409), so the
// agent also reads a fresh copy. Faults are recorded, not applied: no root needed.
import { InjectionAgent } from '../../controller/agent/injection-agent.ts';
import { createFaultRegistry, type FaultRegistry } from '../../controller/faults/registry.ts';
import { injection, startServer } from '../controller/agent/agent-harness.ts';
import type { KubeApiServer } from '../support/kube-api-server/index.ts';
import { waitFor } from '../support/wait.ts';
import type { Scenario } from './least-privilege.ts';

const NODE = 'node-1';
const POD_UID = '6f1c1a9e-2a44-4b3e-9a55-3d8f0c1b2e7a';
const INJECTION = { apiVersion: 'chaoscraft.io/v1alpha1', kind: 'ChaosInjection', namespace: 'shop' };
const LEASE = { namespace: 'chaoscraft-system', name: 'chaoscraft-controller' };

/** Every fault kind, validating as the real one does and changing nothing. */
function inertFaults(): FaultRegistry {
  const real = createFaultRegistry();
  const inert = Object.values(real).map((fault) => ({
    kind: fault.kind,
    oneShot: fault.oneShot,
    validate: (params: unknown) => fault.validate(params),
    inject: async ({ target, tag }: { target: { id: string }; tag: string }) => ({
      kind: fault.kind,
      tag,
      targetId: target.id,
      details: {},
    }),
    recover: async () => {},
    verify: async () => ({ present: true }),
  }));
  return Object.fromEntries(inert.map((fault) => [fault.kind, fault])) as unknown as FaultRegistry;
}

function conditionOf(server: KubeApiServer, type: string): string | undefined {
  const object = server.get({ ...INJECTION, name: 'loss' }) as
    | { status?: { conditions?: { type: string; status: string }[] } }
    | undefined;
  return object?.status?.conditions?.find((c) => c.type === type)?.status;
}

export const agentScenario: Scenario = {
  process: 'agent',
  timeoutMs: 10_000,
  async startServer() {
    const server = await startServer();
    server.create({
      apiVersion: 'coordination.k8s.io/v1',
      kind: 'Lease',
      metadata: LEASE,
      spec: { holderIdentity: 'controller-0', leaseDurationSeconds: 15, renewTime: new Date().toISOString() },
    });
    return server;
  },
  start({ server, kubeConfig }) {
    const agent = new InjectionAgent({
      kubeConfig,
      nodeName: NODE,
      faults: inertFaults(),
      resolver: {
        resolve: async ({ podUid }) => ({ id: `pod/${podUid}`, netnsPath: '/run/netns/none' }),
        listScopes: async () => [],
      },
      controllerLease: { ...LEASE, graceMs: 60_000, pollIntervalMs: 50 },
      sweepIntervalMs: 60_000,
    });
    let stopped = false;
    const until = (what: string, check: () => boolean) =>
      waitFor({
        condition: () => {
          if (stopped) throw new Error('stopped');
          return check();
        },
        what,
        timeoutMs: 8_000,
      });
    const done = (async () => {
      // Not awaited first: without a list rule the informer never syncs.
      const started = agent.start();
      server.failNext({
        count: 1,
        status: 409,
        match: { verb: 'patch', resource: 'chaosinjections/status' },
      });
      server.create(
        injection({
          name: 'loss',
          node: NODE,
          fault: { networkLoss: { percent: 50 } },
          podUid: POD_UID,
          deadlineMs: Date.now() + 60_000,
        }),
      );
      await started;
      await until('Injected', () => conditionOf(server, 'Injected') === 'True');
      server.delete({ ...INJECTION, name: 'loss' });
      await until(
        'the injection to be recovered and gone',
        () => !server.get({ ...INJECTION, name: 'loss' }),
      );
    })();
    return {
      done,
      stop: async () => {
        stopped = true;
        await agent.stop();
      },
    };
  },
};
