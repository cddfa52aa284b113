// `chaoscraft agent --node <name>`: the node agent (a DaemonSet pod per node). In-cluster configuration by
// default. SIGTERM stops watching and leaves injections in place: they carry deadlines, and a restarted
// agent continues them.

import { parseArgs } from 'node:util';
import { KubeConfig } from '@kubernetes/client-node';
import { InjectionAgent } from '../agent/injection-agent.ts';
import { NODE_NAME_PATTERN } from '../agent/injection-object.ts';
import { createPodTargetResolver } from '../agent/target-resolver.ts';
import { DurationError, parseDuration } from '../core/duration.ts';
import { startHealthServer } from '../manager/health-server.ts';
import { createLogger } from '../observability/logger.ts';
import { failpointsFrom } from '../runtime/failpoints.ts';
import { type CommandIo, UsageError } from './command.ts';

export const agentHelp = `Usage: chaoscraft agent --node <name> [options]

Runs the node agent: applies and recovers the ChaosInjections labelled chaoscraft.io/node=<name>.
Uses the in-cluster service account unless --kubeconfig is given.

Options:
  --node <name>                 this node's name (default: $NODE_NAME)
  --kubeconfig <file>           kubeconfig to use (default: in-cluster, else $KUBECONFIG / ~/.kube/config)
  --controller-lease <ns/name>  the controller's leader-election Lease; "off" to ignore it
                                (default chaoscraft-system/chaoscraft-controller)
  --controller-grace <dur>      recover everything when that lease stands still this long (default 60s)
  --sweep-interval <dur>        how often to remove changes no live injection owns (default 60s)
  --cgroup-root <name>          kubelet --cgroup-root name; repeatable; '' is the default root
                                (default: '' and kubelet)
  --health-address <addr>       /healthz, /readyz and /metrics (default :8082; "off" for none)
  --log-level <level>           trace, debug, info, warn, error (default info)
`;

const LEASE_PATTERN = /^([a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?)\/([a-z0-9]([-.a-z0-9]{0,251}[a-z0-9])?)$/;

function duration(flag: string, text: string, minMs: number): number {
  try {
    const ms = parseDuration(text);
    if (ms >= minMs) return ms;
  } catch (error) {
    if (!(error instanceof DurationError)) throw error;
  }
  throw new UsageError(`${flag} must be a duration of at least ${minMs} ms, like 30s or 2m`);
}

export async function agentCommand(argv: string[], io: CommandIo): Promise<number> {
  const { values } = parseArgs({
    args: argv,
    options: {
      node: { type: 'string', default: process.env.NODE_NAME ?? '' },
      kubeconfig: { type: 'string' },
      'controller-lease': { type: 'string', default: 'chaoscraft-system/chaoscraft-controller' },
      'controller-grace': { type: 'string', default: '60s' },
      'sweep-interval': { type: 'string', default: '60s' },
      'cgroup-root': { type: 'string', multiple: true },
      'health-address': { type: 'string', default: ':8082' },
      'log-level': { type: 'string', default: 'info' },
      help: { type: 'boolean', short: 'h', default: false },
    },
  });
  if (values.help) {
    io.stdout(agentHelp);
    return 0;
  }
  const nodeName = values.node;
  if (!nodeName) throw new UsageError('--node is required (or set $NODE_NAME)');
  if (!NODE_NAME_PATTERN.test(nodeName)) throw new UsageError('--node must be a valid label value');
  const leaseText = values['controller-lease'];
  const leaseMatch = leaseText === 'off' ? undefined : LEASE_PATTERN.exec(leaseText);
  if (leaseText !== 'off' && !leaseMatch)
    throw new UsageError('--controller-lease must be <namespace>/<name> or off');
  const graceMs = duration('--controller-grace', values['controller-grace'], 1000);
  const sweepIntervalMs = duration('--sweep-interval', values['sweep-interval'], 100);
  if (!['trace', 'debug', 'info', 'warn', 'error'].includes(values['log-level'])) {
    throw new UsageError('--log-level must be trace, debug, info, warn or error');
  }
  let resolver: ReturnType<typeof createPodTargetResolver>;
  try {
    resolver = createPodTargetResolver({ cgroupRoots: values['cgroup-root'] });
  } catch (error) {
    throw new UsageError(`--cgroup-root: ${(error as Error).message}`);
  }

  const kubeConfig = new KubeConfig();
  if (values.kubeconfig) kubeConfig.loadFromFile(values.kubeconfig);
  else if (process.env.KUBERNETES_SERVICE_HOST) kubeConfig.loadFromCluster();
  else kubeConfig.loadFromDefault();

  const logger = createLogger({ level: values['log-level'] });
  const agent = new InjectionAgent({
    kubeConfig,
    nodeName,
    resolver,
    controllerLease: leaseMatch ? { namespace: leaseMatch[1]!, name: leaseMatch[3]!, graceMs } : undefined,
    sweepIntervalMs,
    logger,
    failpoint: failpointsFrom(process.env.CHAOSCRAFT_FAILPOINTS),
  });
  const health =
    values['health-address'] === 'off'
      ? undefined
      : await startHealthServer({
          address: values['health-address'],
          ready: () => agent.ready(),
          registry: agent.metrics.registry,
        });
  if (health) logger.info({ url: health.url }, 'health and metrics server listening');
  logger.info(
    {
      node: nodeName,
      server: kubeConfig.getCurrentCluster()?.server,
      lease: leaseText,
      graceMs,
      sweepIntervalMs,
    },
    'starting the agent',
  );
  const stopped = new Promise<string>((resolve) => {
    for (const signal of ['SIGTERM', 'SIGINT'] as const) process.once(signal, () => resolve(signal));
  });
  const started = agent.start().then(() => logger.info({}, 'agent running'));
  const signal = await stopped;
  logger.info({ signal }, 'stopping: injections stay in place until their deadlines');
  await agent.stop();
  await started.catch(() => {});
  await health?.close();
  logger.info({}, 'stopped');
  return 0;
}
