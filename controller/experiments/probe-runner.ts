// Runs an experiment's probes through the providers and turns the result into an Outcome.

import type { ControllerMetrics } from '../observability/metrics.ts';
import type { ProbeProviders } from '../probes/provider.ts';
import { probeKind, runProbe } from '../probes/run-probe.ts';
import type { ProbeRunner } from './reconciler.ts';

export function createProbeRunner(options: {
  providers: ProbeProviders;
  now: () => Date;
  metrics?: ControllerMetrics;
}): ProbeRunner {
  return {
    async run({ experiment, name, phase, signal }) {
      const probe = experiment.spec.hypothesis?.probes?.find((p) => p.name === name);
      const result = probe
        ? await runProbe({
            probe,
            providers: options.providers,
            defaultNamespace: experiment.metadata.namespace,
            ...(signal ? { signal } : {}),
          })
        : { outcome: 'Error' as const, message: `probe ${name} is not in the spec` };
      const kind = probe ? probeKind(probe) : undefined;
      options.metrics?.probeResults.inc({
        type: kind && 'kind' in kind ? kind.kind : 'unknown',
        phase,
        outcome: result.outcome,
      });
      return {
        type: 'probe',
        name,
        phase,
        outcome: result.outcome,
        message: result.message,
        at: options.now(),
      };
    },
  };
}
