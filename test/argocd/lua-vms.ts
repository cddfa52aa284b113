// The two Lua VMs the Argo CD health checks are run in, each opened the way Argo CD opens its VM
// for a health script taken from argocd-cm (useOpenLibs off, util/lua/lua.go in Argo CD): the
// package, base and table libraries and an os table holding only time and date. No string, math,
// io or debug library, and no methods on strings.
//
// - gopher-lua, the VM Argo CD embeds: a small Go runner (gopher-lua-runner/main.go) built offline
//   from Debian's golang-github-yuin-gopher-lua-dev with GOPATH=/usr/share/gocode.
// - lua5.1 (Debian's), with the missing libraries removed before the script runs.
import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, renameSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/** What a health script returned, or the error it raised. */
export type LuaOutcome = { ok: true; status: string; message: string } | { ok: false; error: string };

export interface LuaVm {
  name: string;
  run(scriptPath: string, object: unknown): LuaOutcome;
}

export type VmLookup = { vm: LuaVm } | { missing: string };

const gopherSource = join(import.meta.dirname, 'gopher-lua-runner', 'main.go');
const gocode = '/usr/share/gocode';

/** A JSON value as a Lua table literal (arrays 1-based, as gopher-lua builds them from JSON). */
export function toLuaLiteral(value: unknown): string {
  if (value === null || value === undefined) return 'nil';
  if (Array.isArray(value)) return `{${value.map(toLuaLiteral).join(', ')}}`;
  if (typeof value === 'object')
    return `{${Object.entries(value)
      .map(([k, v]) => `[${JSON.stringify(k)}] = ${toLuaLiteral(v)}`)
      .join(', ')}}`;
  if (typeof value === 'number' && !Number.isFinite(value)) throw new Error(`no Lua literal for ${value}`);
  return JSON.stringify(value);
}

function lua51Program(scriptPath: string, object: unknown): string {
  return [
    `obj = ${toLuaLiteral(object)}`,
    `local chunk, err = loadfile(${JSON.stringify(scriptPath)})`,
    'if chunk == nil then io.stderr:write(err) os.exit(1) end',
    'local write, stderr, exit, time, date = io.write, io.stderr, os.exit, os.time, os.date',
    // Close what Argo CD does not open: string (and its methods on string values), math, io,
    // debug, coroutine; os keeps only time and date.
    "getmetatable('').__index = nil",
    'string, math, io, debug, coroutine = nil, nil, nil, nil, nil',
    'os = { time = time, date = date }',
    'local ok, hs = pcall(chunk)',
    'if not ok then stderr:write(tostring(hs)) exit(1) end',
    "if type(hs) ~= 'table' then stderr:write('expect table output from Lua script, not ' .. type(hs)) exit(1) end",
    "for _, field in ipairs({ 'status', 'message' }) do",
    "  if hs[field] ~= nil and type(hs[field]) ~= 'string' then stderr:write(field .. ' is a ' .. type(hs[field])) exit(1) end",
    'end',
    // status on the first line, the message (which may hold anything) after it.
    "write(hs.status or '', '\\n', hs.message or '')",
    '',
  ].join('\n');
}

export function findLua51(): VmLookup {
  const path = ['/usr/bin/lua5.1'].find((p) => spawnSync(p, ['-v']).status === 0);
  if (!path)
    return { missing: 'lua5.1 is not installed (Debian package lua5.1; make test installs it as root)' };
  return {
    vm: {
      name: 'lua5.1',
      run(scriptPath, object) {
        const run = spawnSync(path, ['-'], { input: lua51Program(scriptPath, object), encoding: 'utf8' });
        if (run.status !== 0) return { ok: false, error: run.stderr || `exit ${run.status}` };
        const newline = run.stdout.indexOf('\n');
        return { ok: true, status: run.stdout.slice(0, newline), message: run.stdout.slice(newline + 1) };
      },
    },
  };
}

let gopher: VmLookup | undefined;

/** Builds the gopher-lua runner once per source version (cached under the OS temp directory). */
export function findGopherLua(): VmLookup {
  gopher ??= buildGopherRunner();
  return gopher;
}

function buildGopherRunner(): VmLookup {
  const go = ['/usr/bin/go', '/usr/lib/go/bin/go'].find((p) => existsSync(p));
  if (!go)
    return { missing: 'go is not installed (Debian package golang-go; make test installs it as root)' };
  if (!existsSync(join(gocode, 'src/github.com/yuin/gopher-lua')))
    return {
      missing: `gopher-lua is not in ${gocode} (Debian package golang-github-yuin-gopher-lua-dev; make test installs it as root)`,
    };
  const source = readFileSync(gopherSource);
  const dir = join(tmpdir(), 'chaoscraft-gopher-lua');
  const binary = join(dir, `runner-${createHash('sha256').update(source).digest('hex').slice(0, 16)}`);
  if (!existsSync(binary)) {
    mkdirSync(dir, { recursive: true });
    const partial = `${binary}.${process.pid}`;
    // GOPATH mode against Debian's packaged sources: nothing is downloaded.
    const build = spawnSync(go, ['build', '-o', partial, gopherSource], {
      encoding: 'utf8',
      env: {
        PATH: process.env.PATH ?? '/usr/bin:/bin',
        HOME: dir,
        GO111MODULE: 'off',
        GOPATH: gocode,
        GOFLAGS: '',
        GOPROXY: 'off',
        GOCACHE: join(dir, 'cache'),
      },
    });
    if (build.status !== 0) return { missing: `the gopher-lua runner did not build: ${build.stderr}` };
    renameSync(partial, binary);
  }
  return {
    vm: {
      name: 'gopher-lua',
      run(scriptPath, object) {
        const run = spawnSync(binary, [scriptPath], { input: JSON.stringify(object), encoding: 'utf8' });
        if (run.status !== 0) return { ok: false, error: run.stderr || `exit ${run.status}` };
        const out = JSON.parse(run.stdout) as { status?: string; message?: string };
        return { ok: true, status: out.status ?? '', message: out.message ?? '' };
      },
    },
  };
}

/** Argo CD's answer for what a script returned: a status it does not know becomes Unknown. */
export function argoHealth(outcome: LuaOutcome): { status: string; message: string } | { error: string } {
  if (!outcome.ok) return { error: outcome.error };
  const known = ['Healthy', 'Progressing', 'Degraded', 'Suspended', 'Missing', 'Unknown'];
  if (!known.includes(outcome.status))
    return { status: 'Unknown', message: 'Lua returned an invalid health status' };
  return { status: outcome.status, message: outcome.message };
}
