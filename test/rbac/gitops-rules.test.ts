// charts/chaoscraft/rbac/gitops.yaml against the real planner and reporter: sufficient, and no rule to spare.
import { gitopsScenario } from './gitops-scenario.ts';
import { checkRules } from './rule-checks.ts';

checkRules(gitopsScenario);
