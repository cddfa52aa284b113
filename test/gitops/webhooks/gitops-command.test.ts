// `chaoscraft gitops` on the command line: usage mistakes exit 2 with a message (never a file's
// content), and a started receiver answers a signed ping until its stop signal.
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { gitopsCommand } from '../../../controller/cli/gitops-command.ts';
import { run } from '../../../controller/cli/main.ts';
import { sendWebhook } from './webhook-client.ts';

let folder: string;
const token = 'ghp_commandLineTestTokenValue0001';
const secret = 'command-line-webhook-secret-01';

before(async () => {
  folder = await mkdtemp(join(tmpdir(), 'chaoscraft-gitops-cli-'));
  await writeFile(join(folder, 'token'), token);
  await writeFile(join(folder, 'secret'), secret);
});

after(async () => {
  await rm(folder, { recursive: true, force: true });
});

function capture() {
  const out: string[] = [];
  const err: string[] = [];
  return { io: { stdout: (t: string) => out.push(t), stderr: (t: string) => err.push(t) }, out, err };
}

test('usage mistakes exit 2 and say what is wrong', async () => {
  const cases: Array<[string[], RegExp]> = [
    [['--repository', 'acme/chaos', '--report-interval', '0'], /nothing to do/],
    [['--repository', 'not a repo', '--poll-interval', '1m'], /OWNER\/NAME/],
    [['--poll-interval', '1m', '--token-file', join(folder, 'token')], /needs --repository/],
    [['--webhook-secret-file', join(folder, 'secret')], /no GitHub credentials/],
    [
      [
        '--webhook-secret-file',
        join(folder, 'secret'),
        '--token-file',
        join(folder, 'token'),
        '--listen',
        'x',
      ],
      /HOST:PORT/,
    ],
  ];
  const receiver = ['--webhook-secret-file', join(folder, 'secret'), '--token-file', join(folder, 'token')];
  cases.push(
    [
      [...receiver, '--plan-max-documents', '0'],
      /--plan-max-documents must be a whole number above 0, not "0"/,
    ],
    [[...receiver, '--plan-max-files', '10MiB'], /--plan-max-files must be a whole number above 0/],
    [[...receiver, '--plan-max-bytes', '16MB'], /--plan-max-bytes must be a size such as 16MiB, not "16MB"/],
    [[...receiver, '--plan-timeout', '0'], /--plan-timeout must be above 0/],
    [[...receiver, '--plan-timeout', 'soon'], /--plan-timeout must be a duration/],
    [
      [...receiver, '--plan-max-parse-memory', '1GiB'],
      /--plan-max-parse-memory must be a whole number above 0/,
    ],
  );
  for (const [argv, message] of cases) {
    const { io, err } = capture();
    assert.equal(await run(['gitops', ...argv], io), 2, argv.join(' '));
    assert.match(err.join(''), message);
    assert.ok(!err.join('').includes(token));
  }
  const help = capture();
  assert.equal(await run(['gitops', '--help'], help.io), 0);
  assert.match(help.out.join(''), /--webhook-secret-file/);
});

test('starts the receiver, answers a signed ping, stops on the signal', async () => {
  const { io, err } = capture();
  const stop = new AbortController();
  const running = gitopsCommand(
    [
      '--repository',
      'acme/chaos',
      '--token-file',
      join(folder, 'token'),
      '--webhook-secret-file',
      join(folder, 'secret'),
      '--listen',
      '127.0.0.1:0',
      '--report-interval',
      '0',
      '--log-level',
      'silent',
      '--cache-dir',
      join(folder, 'cache'),
    ],
    io,
    stop.signal,
  );
  let url: string | undefined;
  for (let attempt = 0; attempt < 200 && !url; attempt += 1) {
    url = /receiving webhooks at (\S+)/.exec(err.join(''))?.[1];
    if (!url) await new Promise((resolve) => setTimeout(resolve, 10));
  }
  assert.ok(url, 'the receiver announced its URL');
  assert.equal((await sendWebhook({ url, secret, event: 'ping', payload: { zen: 'hi' } })).status, 200);
  assert.equal(
    (await sendWebhook({ url, secret: 'wrong', event: 'ping', payload: { zen: 'hi' } })).status,
    401,
  );
  stop.abort();
  assert.equal(await running, 0);
});

/** The real executable, as an operator runs it: exit code and stderr. */
function runChaoscraft(argv: string[]): Promise<{ code: number | null; stderr: string }> {
  return new Promise((resolve) => {
    execFile(
      process.execPath,
      ['controller/cli/chaoscraft.ts', 'gitops', ...argv],
      {
        cwd: new URL('../../../', import.meta.url).pathname,
        env: { PATH: process.env.PATH ?? '' },
        timeout: 30_000,
      },
      (error, _stdout, stderr) => resolve({ code: error ? (error.code as number | null) : 0, stderr }),
    );
  });
}

test('a --log-level typo and a port in use: exit 2, the mistake in one line, no stack trace', async () => {
  const taken = createServer();
  await new Promise<void>((resolve) => taken.listen(0, '127.0.0.1', resolve));
  const { port } = taken.address() as { port: number };
  const common = [
    '--repository',
    'acme/chaos',
    '--token-file',
    join(folder, 'token'),
    '--webhook-secret-file',
    join(folder, 'secret'),
    '--report-interval',
    '0',
    '--cache-dir',
    join(folder, 'cache'),
  ];
  try {
    const cases: Array<[string[], string]> = [
      [
        [...common, '--listen', '127.0.0.1:0', '--log-level', 'inf0'],
        'chaoscraft gitops: --log-level must be one of fatal, error, warn, info, debug, trace, silent, not "inf0"',
      ],
      [
        [...common, '--listen', `127.0.0.1:${port}`, '--log-level', 'silent'],
        `chaoscraft gitops: --listen 127.0.0.1:${port}: the address is already in use`,
      ],
    ];
    for (const [argv, message] of cases) {
      const { code, stderr } = await runChaoscraft(argv);
      assert.equal(code, 2, stderr);
      const [first, ...rest] = stderr.trimEnd().split('\n');
      assert.equal(first, message);
      assert.deepEqual(rest, ["Run 'chaoscraft gitops --help' for usage."]);
      assert.ok(!stderr.includes(token) && !stderr.includes(secret));
    }
  } finally {
    await new Promise((resolve) => taken.close(resolve));
  }
});
