// `make demo` end to end (scripts/demo.ts): the three experiments with their verdicts, under two
// minutes, and afterwards no process, network namespace, nftables table or cgroup of it is left.
// Without root (run as nobody) it still runs the process kill and says in one sentence what it skipped.
import assert from 'node:assert/strict';
import { execFileSync, spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';

const script = join(import.meta.dirname, '../../scripts/demo.ts');
const isRoot = process.getuid?.() === 0;

function runDemo(
  options: { uid?: number } = {},
): Promise<{ code: number | null; output: string; ms: number }> {
  const started = Date.now();
  const child = spawn(process.execPath, [script], {
    env: { ...process.env, CI: '1', ...(options.uid === undefined ? {} : { HOME: '/tmp' }) },
    stdio: ['ignore', 'pipe', 'pipe'],
    ...(options.uid === undefined ? {} : { uid: options.uid, gid: options.uid }),
  });
  let output = '';
  child.stdout.on('data', (chunk: Buffer) => {
    output += chunk.toString('utf8');
  });
  child.stderr.on('data', (chunk: Buffer) => {
    output += chunk.toString('utf8');
  });
  return new Promise((resolve) =>
    child.on('exit', (code) => resolve({ code, output, ms: Date.now() - started })),
  );
}

function leftovers(port: string, id: string | undefined): string[] {
  const found: string[] = [];
  const processes = execFileSync('ps', ['-eo', 'args'], { encoding: 'utf8' }).split('\n');
  for (const line of processes) {
    if (line.includes(`--port ${port}`)) found.push(`process: ${line}`);
    if (id && line.includes('stress-ng') && line.includes(id)) found.push(`process: ${line}`);
  }
  if (id) {
    if (execFileSync('/usr/sbin/ip', ['netns', 'list'], { encoding: 'utf8' }).includes(id))
      found.push(`netns ${id}`);
    for (const mount of ['/sys/fs/cgroup', '/sys/fs/cgroup/unified'])
      if (existsSync(join(mount, id))) found.push(`cgroup ${mount}/${id}`);
    if (/chaoscraft_/.test(execFileSync('/usr/sbin/nft', ['list', 'tables'], { encoding: 'utf8' })))
      found.push('a chaoscraft nftables table on the host');
  }
  return found;
}

test('make demo: kill healed by the supervisor, CPU stress held, packet loss breaks the hypothesis and recovers at once', {
  skip: !isRoot && 'needs root (run as root to see all three)',
  timeout: 180_000,
}, async () => {
  const { code, output, ms } = await runDemo();
  assert.equal(code, 0, output);
  assert.ok(ms < 120_000, `took ${ms} ms`);
  assert.match(output, /default\/demo-process-kill {2}PASSED Completed/);
  assert.match(output, /default\/demo-cpu-stress {2}PASSED Completed/);
  assert.match(output, /default\/demo-packet-loss {2}Recovering: the hypothesis broke; recovering now/);
  assert.match(output, /default\/demo-packet-loss {2}FAILED HypothesisFailed/);
  assert.match(output, /Reports \(Markdown and JSON\): \S+\/state\/reports/);
  assert.match(output, /notes --ref=chaoscraft show HEAD/);
  assert.doesNotMatch(output, /DESIGN\.md|REVIEW\.md|\.\.\/shared/);
  const port = output.match(/answers on http:\/\/[0-9.]+:(\d+)\/health/)?.[1];
  const id = output.match(/network namespace (ccsa[0-9a-f]+)/)?.[1];
  assert.ok(port && id, output);
  assert.deepEqual(leftovers(port, id), []);
});

test('make demo without root: the process kill runs and one sentence says what was skipped', {
  skip: !isRoot && 'runs the demo as nobody, which needs root',
  timeout: 180_000,
}, async () => {
  const { code, output } = await runDemo({ uid: 65534 });
  assert.equal(code, 0, output);
  assert.equal(output.match(/^Not root: .*$/gm)?.length, 1, output);
  assert.match(
    output,
    /Not root: the CPU stress and packet loss experiments are skipped, because cgroups and network namespaces need root/,
  );
  assert.match(output, /default\/demo-process-kill {2}PASSED Completed/);
  assert.doesNotMatch(output, /demo-cpu-stress|demo-packet-loss/);
  const port = output.match(/answers on http:\/\/[0-9.]+:(\d+)\/health/)?.[1];
  assert.ok(port, output);
  assert.deepEqual(leftovers(port, undefined), []);
});
