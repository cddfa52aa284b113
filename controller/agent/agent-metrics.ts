// Prometheus metrics of the node agent (prom-client, chaoscraft_agent_ prefix), one registry per agent so
// tests can run several agents in one process.
import { Counter, Gauge, Registry } from 'prom-client';

export interface AgentMetrics {
  registry: Registry;
  /** Injections applied or refused, by fault kind and result (Injected or the failure reason). */
  injections: Counter<'kind' | 'result'>;
  /** Recoveries by reason (DeadlineReached, Recovered, ControllerLost, InvalidSpec). */
  recoveries: Counter<'reason'>;
  /** Tagged changes removed because no live injection owned them. */
  swept: Counter;
  /** Faults in place on this node right now. */
  active: Gauge;
  /** 1 while the controller's lease counts as lost. */
  controllerLost: Gauge;
}

export function createAgentMetrics(): AgentMetrics {
  const registry = new Registry();
  const registers = [registry];
  return {
    registry,
    injections: new Counter({
      name: 'chaoscraft_agent_injections_total',
      help: 'Injections the agent applied or refused, by fault kind and result.',
      labelNames: ['kind', 'result'],
      registers,
    }),
    recoveries: new Counter({
      name: 'chaoscraft_agent_recoveries_total',
      help: 'Injections the agent recovered, by reason.',
      labelNames: ['reason'],
      registers,
    }),
    swept: new Counter({
      name: 'chaoscraft_agent_swept_changes_total',
      help: 'Tagged changes removed because no live injection owned them.',
      registers,
    }),
    active: new Gauge({
      name: 'chaoscraft_agent_active_injections',
      help: 'Faults in place on this node.',
      registers,
    }),
    controllerLost: new Gauge({
      name: 'chaoscraft_agent_controller_lost',
      help: "1 while the controller's lease has not been renewed within the grace.",
      registers,
    }),
  };
}
