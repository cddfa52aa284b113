// `chaoscraft controller`: the experiment controller. In-cluster configuration by default.

import { parseArgs } from 'node:util';
import { KubeConfig } from '@kubernetes/client-node';
import { ControllerManager } from '../manager/controller-manager.ts';
import { createLogger } from '../observability/logger.ts';
import { failpointsFrom } from '../runtime/failpoints.ts';
import { type CommandIo, UsageError } from './command.ts';

export const controllerHelp = `Usage: chaoscraft controller [options]

Runs the ChaosExperiment controller. Uses the in-cluster service account unless --kubeconfig is given.

Options:
  --kubeconfig <file>        kubeconfig to use (default: in-cluster, else $KUBECONFIG / ~/.kube/config)
  --namespace <ns>           the controller's own namespace: lease home, protected from experiments
                             (default: $POD_NAMESPACE or chaoscraft-system)
  --watch-namespaces <a,b>   reconcile experiments only in these namespaces (default: all)
  --leader-elect <bool>      only the replica holding the Lease reconciles (default true)
  --lease-name <name>        Lease name (default chaoscraft-controller)
  --health-address <addr>    /healthz, /readyz and /metrics (default :8081; "off" for none)
  --workers <n>              concurrent reconciles (default 4)
  --prometheus-url <url>     default address for prometheus probes
  --log-level <level>        trace, debug, info, warn, error (default info)
`;

export async function controllerCommand(argv: string[], io: CommandIo): Promise<number> {
  const { values } = parseArgs({
    args: argv,
    options: {
      kubeconfig: { type: 'string' },
      namespace: { type: 'string', default: process.env.POD_NAMESPACE ?? 'chaoscraft-system' },
      'watch-namespaces': { type: 'string', default: '' },
      'leader-elect': { type: 'string', default: 'true' },
      'lease-name': { type: 'string', default: 'chaoscraft-controller' },
      'health-address': { type: 'string', default: ':8081' },
      workers: { type: 'string', default: '4' },
      'prometheus-url': { type: 'string' },
      'log-level': { type: 'string', default: 'info' },
      help: { type: 'boolean', short: 'h', default: false },
    },
  });
  if (values.help) {
    io.stdout(controllerHelp);
    return 0;
  }
  const workers = Number(values.workers);
  if (!Number.isInteger(workers) || workers < 1 || workers > 64)
    throw new UsageError('--workers must be 1 to 64');
  if (!['true', 'false'].includes(values['leader-elect']))
    throw new UsageError('--leader-elect must be true or false');
  if (!['trace', 'debug', 'info', 'warn', 'error'].includes(values['log-level'])) {
    throw new UsageError('--log-level must be trace, debug, info, warn or error');
  }
  const watchNamespaces = values['watch-namespaces']
    .split(',')
    .map((ns) => ns.trim())
    .filter(Boolean);
  const badNamespace = watchNamespaces.find((ns) => !/^[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?$/.test(ns));
  if (badNamespace) throw new UsageError(`--watch-namespaces: "${badNamespace}" is not a namespace name`);
  const kubeConfig = new KubeConfig();
  if (values.kubeconfig) kubeConfig.loadFromFile(values.kubeconfig);
  else if (process.env.KUBERNETES_SERVICE_HOST) kubeConfig.loadFromCluster();
  else kubeConfig.loadFromDefault();

  const logger = createLogger({ level: values['log-level'] });
  const manager = new ControllerManager({
    kubeConfig,
    namespace: values.namespace,
    logger,
    workers,
    watchNamespaces,
    leaderElection: { enabled: values['leader-elect'] === 'true', leaseName: values['lease-name'] },
    healthAddress: values['health-address'] === 'off' ? undefined : values['health-address'],
    prometheusUrl: values['prometheus-url'],
    failpoint: failpointsFrom(process.env.CHAOSCRAFT_FAILPOINTS),
  });
  logger.info(
    { server: kubeConfig.getCurrentCluster()?.server, namespace: values.namespace },
    'starting the controller',
  );
  const stopped = new Promise<string>((resolve) => {
    for (const signal of ['SIGTERM', 'SIGINT'] as const) process.once(signal, () => resolve(signal));
  });
  await manager.start();
  const signal = await stopped;
  logger.info({ signal }, 'stopping: no new work, finishing in-flight reconciles, releasing the lease');
  await manager.stop();
  logger.info({}, 'stopped');
  return 0;
}
