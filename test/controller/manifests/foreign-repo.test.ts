// `chaoscraft validate`, the real CLI, over a small repository of files that are not ours:
// a Helm chart, LitmusChaos kinds, a kubectl List, kustomizations, JSON with comments, an old
// file with duplicate keys, Prometheus rules with {{ }} and a CRD bundle over 1 MiB generated
// here. It must pass (exit 0) with nothing on stderr, and still find the one object of ours.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { cpSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { maxManifestBytes } from '../../../controller/manifests/read-source.ts';

const root = join(import.meta.dirname, '../../..');
const corpus = join(root, 'test/fixtures/foreign-repo');
const repo = mkdtempSync(join(tmpdir(), 'chaoscraft-foreign-repo-'));
after(() => rmSync(repo, { recursive: true, force: true }));

/** A vendored CRD bundle (another project's API group), grown past 1 MiB. */
function crdBundle(): string {
  const crd = (i: number) => `---
apiVersion: apiextensions.k8s.io/v1
kind: CustomResourceDefinition
metadata:
  name: widgets${i}.example.com
spec:
  group: example.com
  names: { kind: Widget${i}, plural: widgets${i} }
  scope: Namespaced
  versions:
    - name: v1
      served: true
      storage: true
      schema:
        openAPIV3Schema:
          type: object
          description: ${'A widget of the example project, described at length. '.repeat(20)}
`;
  const parts: string[] = [];
  let size = 0;
  for (let i = 0; size <= maxManifestBytes + 4096; i++) {
    parts.push(crd(i));
    size += parts.at(-1)!.length;
  }
  return parts.join('');
}

function validate(...args: string[]) {
  return spawnSync(process.execPath, [join(root, 'bin/chaoscraft.js'), 'validate', ...args], {
    encoding: 'utf8',
    cwd: repo,
  });
}

test('validate passes over a repository of foreign files: exit 0, empty stderr', () => {
  cpSync(corpus, repo, { recursive: true });
  writeFileSync(join(repo, 'vendor-crds.yaml'), crdBundle());
  // A link out of the repository is reported, not followed.
  symlinkSync('/', join(repo, 'host-root'));
  const result = validate('--verbose', '.');
  assert.equal(result.stderr, '');
  assert.equal(result.status, 0, result.stdout);
  // The one object of ours, inside the kubectl List, is found and valid.
  assert.match(result.stdout, /^ok: \d+ files, 1 ChaosCraft object, all valid$/m);
  // Each kind of foreign file is accounted for under --verbose.
  for (const expected of [
    /deployment\.yaml:4:1: info \[ignored\] file is a template/,
    /pod-kill\.yaml:1:1: warning \[template\] file is a template/,
    /exported-list\.yaml:8:1: info \[ignored\] document 1 v1 Service is not a ChaosCraft object/,
    /litmuschaos\.io\/v1alpha1 ChaosExperiment is not a ChaosCraft object/,
    /litmuschaos\.io\/v1alpha1 ChaosSchedule is not a ChaosCraft object/,
    /alerts\.yaml:12:1: info \[ignored\] file is a template/,
    /values-2019\.yaml:5:1: info \[ignored\] not read as YAML \(Map keys must be unique\)/,
    /vendor-crds\.yaml: info \[ignored\] file is \d+ bytes and never mentions chaoscraft; skipped/,
    /_helpers\.tpl: info \[ignored\] not a \.yaml, \.yml or \.json file/,
    /host-root: warning \[symlink-outside\] symlink leads outside the paths given; not followed/,
  ]) {
    assert.match(result.stdout, expected);
  }
});

test('--exclude leaves the chart out, and a .chaoscraftignore does the same', () => {
  const excluded = validate('--verbose', '--exclude', 'charts/**', '.');
  assert.equal(excluded.status, 0);
  assert.doesNotMatch(excluded.stdout, /warning \[template\]/);
  writeFileSync(join(repo, '.chaoscraftignore'), '# rendered by Helm, checked after rendering\ncharts/\n');
  const ignored = validate('--verbose', '.');
  assert.equal(ignored.stderr, '');
  assert.doesNotMatch(ignored.stdout, /warning \[template\]/);
  assert.match(ignored.stdout, /charts: info \[ignored\] excluded; skipped/);
});
