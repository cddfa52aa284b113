// The template interpreter the chart tests render with: the Go text/template behaviour the chart
// relies on (trimming, pipelines passing the value last, else-if chains, range, variables, include)
// and its refusals (a field of a missing value, an unknown function, a map printed as text).
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { execute, FUNCTIONS, parseTemplate } from './go-template.ts';

function render(source: string, data: unknown): string {
  const defines = new Map();
  const template = parseTemplate('t', source, defines);
  return execute({ defines, functions: FUNCTIONS }, template, data);
}

test('trimming, pipelines and the functions the chart uses render as Go and Helm would', () => {
  assert.equal(render('a  {{- " b " -}}  c', {}), 'a b c');
  assert.equal(render('{{ .x | default "d" | quote }}', { x: '' }), '"d"');
  assert.equal(render('{{ .x | default "d" }}', { x: 'v' }), 'v');
  assert.equal(render('{{ printf "--a=%s/%d" .n (int .p) | quote }}', { n: 'ns', p: 8081 }), '"--a=ns/8081"');
  assert.equal(render('k:{{ toYaml .m | nindent 2 }}', { m: { b: [1, 2] } }), 'k:\n  b:\n    - 1\n    - 2');
  assert.equal(render('{{ join "," .l }}', { l: ['a', 'b'] }), 'a,b');
  assert.equal(render('{{ "x: a\\n" | replace "a\\n" "b\\n" | trim }}', {}), 'x: b');
  assert.equal(render('{{ .missing }}', {}), '');
});

test('if / else if / else, with, range with variables, and include with dict', () => {
  const chain = '{{ if eq .v 1 }}one{{ else if eq .v 2 }}two{{ else }}many{{ end }}';
  assert.deepEqual(
    [1, 2, 3].map((v) => render(chain, { v })),
    ['one', 'two', 'many'],
  );
  assert.equal(render('{{ with .a }}[{{ .b }}]{{ else }}none{{ end }}', { a: { b: 'x' } }), '[x]');
  assert.equal(render('{{ with .a }}[{{ .b }}]{{ else }}none{{ end }}', { a: {} }), 'none');
  assert.equal(render('{{ range $i, $v := .l }}{{ $i }}={{ $v }};{{ end }}', { l: ['a', 'b'] }), '0=a;1=b;');
  assert.equal(
    render('{{ range $k, $v := .m }}{{ $k }}={{ $v }};{{ end }}', { m: { b: 2, a: 1 } }),
    'a=1;b=2;',
  );
  assert.equal(render('{{ $x := .a }}{{ range .l }}{{ $x }}{{ . }}{{ end }}', { a: '-', l: [1, 2] }), '-1-2');
  assert.equal(render('{{ range .l }}{{ $.top }}{{ end }}', { top: 'T', l: [1] }), 'T');
  const withDefine =
    '{{- define "h" -}}{{ .root.n }}/{{ .c }}{{- end -}}{{ include "h" (dict "root" $ "c" "k") }}';
  assert.equal(render(withDefine, { n: 'N' }), 'N/k');
  assert.equal(render('{{ and .a .b }}|{{ or .a .b }}|{{ not .a }}', { a: '', b: 'y' }), '|y|true');
});

test('mistakes a lenient renderer would hide are errors', () => {
  assert.throws(() => render('{{ .a.b }}', {}), /has no field "b"/);
  assert.throws(() => render('{{ nosuch 1 }}', {}), /unknown function nosuch/);
  assert.throws(() => render('{{ .m }}', { m: { a: 1 } }), /map printed as text/);
  assert.throws(() => render('{{ include "none" . }}', {}), /undefined template/);
  assert.throws(() => render('{{ if .a }}x', {}), /missing \{\{end\}\}/);
  assert.throws(() => render('{{ required "give x" .x }}', {}), /give x/);
});
