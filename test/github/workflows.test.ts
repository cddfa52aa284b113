// The GitHub workflows parse as YAML and hold what they promise: CI runs `make test`; a release on
// a version tag runs the tests first, then pushes both images and the chart. No workflow pastes an
// expression into a script (inputs and names reach scripts through env).
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { parse } from 'yaml';

const dir = join(import.meta.dirname, '../../.github/workflows');
interface Step {
  uses?: string;
  run?: string;
  with?: Record<string, unknown>;
}
interface Workflow {
  name: string;
  on: Record<string, unknown>;
  permissions: Record<string, string>;
  jobs: Record<
    string,
    { steps?: Step[]; uses?: string; needs?: string; strategy?: { matrix: Record<string, string[]> } }
  >;
}
const read = (file: string) => parse(readFileSync(join(dir, file), 'utf8'), { uniqueKeys: true }) as Workflow;

test('ci.yaml runs make test on pushes, pull requests and when called, with read-only permissions', () => {
  const ci = read('ci.yaml');
  assert.deepEqual(Object.keys(ci.on).sort(), ['pull_request', 'push', 'workflow_call']);
  assert.deepEqual(ci.permissions, { contents: 'read' });
  const runs = ci.jobs.test!.steps!.map((s) => s.run ?? '');
  assert.ok(runs.some((r) => r.trim() === 'make test'));
});

test('release.yaml: on a version tag, tests first, then both images and the chart', () => {
  const release = read('release.yaml');
  assert.deepEqual(release.on, { push: { tags: ['v*.*.*'] } });
  assert.equal(release.jobs.test!.uses, './.github/workflows/ci.yaml');
  assert.equal(release.jobs.images!.needs, 'test');
  assert.equal(release.jobs.chart!.needs, 'test');
  assert.deepEqual(release.jobs.images!.strategy!.matrix.target, ['controller', 'agent']);
  const build = release.jobs.images!.steps!.find((s) => s.uses?.startsWith('docker/build-push-action@'));
  assert.equal(build?.with?.push, true);
  // biome-ignore lint/suspicious/noTemplateCurlyInString: a GitHub Actions expression, not a template
  assert.equal(build?.with?.target, '${{ matrix.target }}');
  const chart = release.jobs.chart!.steps!.map((s) => s.run ?? '').join('\n');
  assert.match(chart, /helm package charts\/chaoscraft/);
  assert.match(chart, /helm push/);
});

test('no workflow script holds an expression, and every action is pinned to a version', () => {
  for (const file of ['ci.yaml', 'release.yaml']) {
    for (const job of Object.values(read(file).jobs))
      for (const step of job.steps ?? []) {
        if (step.run) assert.doesNotMatch(step.run, /\$\{\{/, `${file}: ${step.run}`);
        if (step.uses) assert.match(step.uses, /^[\w-]+\/[\w-]+@v\d+$/, `${file}: ${step.uses}`);
      }
  }
});
