// Reading one commit's ChaosPolicies: the same checks as `chaoscraft validate`, and a commit is
// taken whole or refused whole (its suspended policies aside).
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { folderPrefix, readGitPolicies } from '../../../controller/policy-sources/read-git-policies.ts';

/** A commit as path → text; object ids are the paths (the reader only passes them back). */
function tree(files: Record<string, string | Uint8Array>) {
  return {
    async changedFiles({ base }: { base: string | undefined; head: string }) {
      assert.equal(base, undefined, 'the whole commit is listed, not a diff');
      return Object.keys(files)
        .filter((path) => /\.(ya?ml|json)$/.test(path))
        .map((path) => ({ path, change: 'added', headOid: path }));
    },
    async readBlob(oid: string) {
      const content = files[oid]!;
      return typeof content === 'string' ? new TextEncoder().encode(content) : content;
    },
  };
}

const policy = (name: string, spec: string) =>
  `apiVersion: chaoscraft.io/v1alpha1\nkind: ChaosPolicy\nmetadata:\n  name: ${name}\nspec:\n${spec}`;

test('policies under the folder are read; other files, kinds and folders are not', async () => {
  const read = await readGitPolicies({
    repository: tree({
      'policies/a.yaml': `${policy('a', '  suspend: true\n')}---\n${policy('b', '  deniedFaults: [podKill]\n')}`,
      'policies/config.yaml': 'apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: x\n',
      'policies/README.md': 'not read',
      'elsewhere/c.yaml': policy('c', '  suspend: true\n'),
    }),
    commit: 'c0ffee',
    path: 'policies',
  });
  assert.deepEqual(read, {
    ok: true,
    files: 2,
    policies: [
      { name: 'a', spec: { suspend: true }, file: 'policies/a.yaml' },
      { name: 'b', spec: { deniedFaults: ['podKill'] }, file: 'policies/a.yaml' },
    ],
  });
});

test('a schema error in any policy refuses the commit, naming file and line', async () => {
  const read = await readGitPolicies({
    repository: tree({
      'p/good.yaml': policy('good', '  suspend: false\n'),
      'p/bad.yaml': policy('bad', '  maxTargetsPercent: many\n'),
    }),
    commit: 'c0ffee',
    path: 'p/',
  });
  assert.equal(read.ok, false);
  assert.ok(!read.ok);
  assert.equal(read.problems.length, 1);
  assert.match(read.problems[0]!, /^p\/bad\.yaml:6: spec\.maxTargetsPercent:/);
  assert.deepEqual(read.suspended, []);
});

test('a refused commit hands back its valid suspended policies, and only those', async () => {
  const read = await readGitPolicies({
    repository: tree({
      'p/stop.yaml': policy('stop', '  suspend: true\n'),
      'p/open.yaml': policy('open', '  suspend: false\n'),
      'p/broken.yaml': 'apiVersion: chaoscraft.io/v1alpha1\nkind: ChaosPolicy\nmetadata: [\n',
    }),
    commit: 'c0ffee',
    path: 'p',
  });
  assert.ok(!read.ok);
  assert.match(read.problems.join('\n'), /p\/broken\.yaml/);
  assert.deepEqual(
    read.suspended.map((p) => p.name),
    ['stop'],
  );
});

test('unknown kinds, wrong apiVersions, binary files and YAML errors refuse; broken experiments do not', async () => {
  const cases: [string, string | Uint8Array, boolean][] = [
    ['kind typo', policy('x', '  suspend: true\n').replace('kind: ChaosPolicy', 'kind: ChaosPolicyy'), false],
    ['wrong group', policy('x', '  suspend: true\n').replace('chaoscraft.io/', 'chaoscraft.oi/'), false],
    ['binary', new Uint8Array([0x61, 0, 0x62]), false],
    ['yaml syntax', 'kind: [unclosed\n', false],
    [
      'broken experiment',
      'apiVersion: chaoscraft.io/v1alpha1\nkind: ChaosExperiment\nmetadata:\n  name: e\nspec:\n  nonsense: 1\n',
      true,
    ],
  ];
  for (const [what, content, accepted] of cases) {
    const read = await readGitPolicies({
      repository: tree({ 'p/ok.yaml': policy('ok', '  suspend: false\n'), 'p/other.yaml': content }),
      commit: 'c0ffee',
      path: 'p',
    });
    assert.equal(read.ok, accepted, `${what}: ${JSON.stringify(read)}`);
  }
});

test('no manifest file under the folder is refused, a file without policies is an empty set', async () => {
  const missing = await readGitPolicies({
    repository: tree({ 'other/a.yaml': policy('a', '  suspend: true\n') }),
    commit: 'c0ffee',
    path: 'policies',
  });
  assert.ok(!missing.ok);
  assert.match(missing.problems[0]!, /no \.yaml, \.yml or \.json file under policies\//);
  const empty = await readGitPolicies({
    repository: tree({ 'policies/none.yaml': '# no policies for now\n' }),
    commit: 'c0ffee',
    path: 'policies',
  });
  assert.deepEqual(empty, { ok: true, policies: [], files: 1 });
});

test('folder prefixes', () => {
  assert.equal(folderPrefix(''), '');
  assert.equal(folderPrefix('.'), '');
  assert.equal(folderPrefix('./policies/'), 'policies/');
  assert.equal(folderPrefix('a/b'), 'a/b/');
});
