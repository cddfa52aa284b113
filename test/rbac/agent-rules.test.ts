// charts/chaoscraft/rbac/agent.yaml against the real agent: sufficient, and no rule to spare.
import { agentScenario } from './agent-scenario.ts';
import { checkRules } from './rule-checks.ts';

checkRules(agentScenario);
