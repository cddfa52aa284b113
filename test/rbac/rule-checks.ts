// The two checks every process's rule file gets, as node:test cases: the chart's rules allow the whole
// scenario and each of their grants is used; without any one rule, the scenario hits a 403 that the
// missing rule would have allowed.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { describeRule, processRbacObjects, rulesOf, withoutRule } from '../support/chaoscraft-rbac.ts';
import {
  describeRecord,
  roleNamespace,
  ruleCovers,
  runScenario,
  type Scenario,
  unusedGrants,
} from './least-privilege.ts';

export function checkRules(scenario: Scenario): void {
  const file = `charts/chaoscraft/rbac/${scenario.process}.yaml`;

  test(`${file} allows everything the ${scenario.process} does, and every grant is used`, async () => {
    const objects = await processRbacObjects(scenario.process);
    for (const ref of rulesOf(objects)) {
      for (const key of ['verbs', 'apiGroups', 'resources', 'resourceNames', 'nonResourceURLs']) {
        const values = (ref.rule[key] ?? []) as string[];
        assert.ok(!values.some((v) => v.includes('*')), `${describeRule(ref)}: no wildcards`);
      }
    }
    const outcome = await runScenario(scenario, objects);
    assert.equal(
      outcome.refused,
      undefined,
      `refused: ${outcome.refused && describeRecord(outcome.refused)}`,
    );
    assert.ok(outcome.completed, 'the scenario completed');
    for (const ref of rulesOf(objects)) {
      const unused = unusedGrants(ref, roleNamespace(objects, ref), outcome.requests);
      assert.deepEqual(unused, [], `${describeRule(ref)} grants what the ${scenario.process} never does`);
    }
  });

  test(`without any one rule of ${file}, the ${scenario.process} is refused what that rule allowed`, async () => {
    const objects = await processRbacObjects(scenario.process);
    for (const ref of rulesOf(objects)) {
      const outcome = await runScenario(scenario, withoutRule(objects, ref));
      const refused = outcome.refused;
      assert.ok(
        refused,
        `without ${describeRule(ref)} nothing was refused (completed: ${outcome.completed})`,
      );
      assert.equal(refused.status, 403);
      assert.ok(
        ruleCovers(ref, roleNamespace(objects, ref), refused),
        `without ${describeRule(ref)}, the refusal was of something else: ${describeRecord(refused)}`,
      );
    }
  });
}
