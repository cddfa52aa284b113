// `make demo`: what ChaosCraft can show on a fresh machine today. It validates the bundled
// examples, then shows how a broken manifest is reported. It never fails: the demo is a tour.
import { run } from '../controller/cli/main.ts';

const io = { stdout: (t: string) => process.stdout.write(t), stderr: (t: string) => process.stderr.write(t) };
const say = (text: string) => process.stdout.write(`\n\x1b[1m== ${text}\x1b[0m\n`);

say('chaoscraft validate examples/  (every example experiment, schedule and policy)');
await run(['validate', 'examples'], io);

say('chaoscraft validate on a manifest with mistakes: file, line, column, field and a plain sentence');
await run(
  [
    'validate',
    'test/fixtures/validate/invalid/unknown-field.yaml',
    'test/fixtures/validate/invalid/hostile-interface.yaml',
  ],
  io,
);

say('the same as GitHub Actions annotations (--format github)');
await run(['validate', '--format', 'github', 'test/fixtures/validate/invalid/percent-over-100.yaml'], io);

process.stdout.write(
  '\nThe full demo, the standalone mode running a real experiment on this host against a bundled Git\n' +
    'repository, is not built yet; until it is, this tour shows the manifest checks.\n',
);
process.exitCode = 0;
