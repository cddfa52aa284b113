// charts/chaoscraft/rbac/controller.yaml against the real controller: sufficient, and no rule to spare.
import { controllerScenario } from './controller-scenario.ts';
import { checkRules } from './rule-checks.ts';

checkRules(controllerScenario);
