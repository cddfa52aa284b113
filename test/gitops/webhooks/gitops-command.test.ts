// `chaoscraft gitops` on the command line: usage mistakes exit 2 with a message (never a file's
// content), and a started receiver answers a signed ping until its stop signal.
import assert from 'node:assert/strict';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
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
