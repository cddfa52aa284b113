// The planner's output as the GitHub side consumes it. The planner owns the definition
// (gitops/planner/types.ts); this module is the single place the GitHub code imports it from.
export type { PlanAnnotation, PullRequestPlan } from '../planner/types.ts';
export { planCommentMarker } from '../planner/types.ts';
