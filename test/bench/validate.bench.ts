// validate: 1,000 generated manifests through `validatePaths`, against reading and parsing the
// same files with `yaml` alone (parseAllDocuments + toJS, what any validator must do first).
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseAllDocuments } from 'yaml';
import { validatePaths } from '../../controller/manifests/validate.ts';
import { type Benchmark, compareMs, round } from './harness.ts';

const examples = ['pod-kill', 'network-loss', 'network-partition', 'cpu-stress', 'schedule', 'policy'];

function generate(dir: string, count: number): string[] {
  const templates = examples.map((name) =>
    readFileSync(join(import.meta.dirname, `../../examples/${name}.yaml`), 'utf8'),
  );
  const files: string[] = [];
  for (let i = 0; i < count; i++) {
    const team = `team-${i % 25}`;
    mkdirSync(join(dir, team), { recursive: true });
    const file = join(dir, team, `manifest-${i}.yaml`);
    // Distinct names keep the files honest copies of a real repository, not one file cached.
    writeFileSync(file, templates[i % templates.length]!.replace(/^( {2}name: )(.+)$/m, `$1$2-${i}`));
    files.push(file);
  }
  return files;
}

const benchmark: Benchmark = {
  id: 'validate',
  description: 'validate 1,000 generated manifests; baseline: read + parse the same files with yaml alone',
  async run({ log, quick }) {
    const count = quick ? 200 : 1000;
    const dir = mkdtempSync(join(tmpdir(), 'chaoscraft-bench-validate-'));
    try {
      const files = generate(dir, count);
      const subject = async () => {
        const report = await validatePaths({ paths: [dir] });
        if (report.validObjects.length !== count)
          throw new Error(`expected ${count} valid objects, got ${report.validObjects.length}`);
      };
      // The baseline reads synchronously, the fastest way to get the bytes, so it is never handicapped.
      const baseline = () => {
        for (const file of files) for (const doc of parseAllDocuments(readFileSync(file, 'utf8'))) doc.toJS();
      };
      const times = await compareMs(subject, baseline, quick ? 3 : 7);
      // The worst case: every file has an error, so every file also takes the careful parser.
      for (const file of files) writeFileSync(file, `${readFileSync(file, 'utf8')}  unknownField: 1\n`);
      const invalid = await compareMs(
        async () => {
          const report = await validatePaths({ paths: [dir] });
          if (report.validObjects.length !== 0) throw new Error('expected every file to be invalid');
        },
        baseline,
        quick ? 3 : 5,
      );
      const ratio = times.subject / times.baseline;
      const perSecond = count / (times.subject / 1000);
      log(
        `validate ${round(times.subject, 1)} ms, yaml alone ${round(times.baseline, 1)} ms for ${count} files`,
      );
      return [
        {
          id: 'validate',
          figure: 'headline',
          value: round(ratio, 2),
          unit: 'x yaml parse',
          baseline: round(times.baseline, 1),
          ratio: round(ratio, 2),
          goal: '<= 3',
          met: ratio <= 3,
        },
        {
          id: 'validate',
          figure: 'throughput',
          value: Math.round(perSecond),
          unit: 'manifests/s',
          baseline: null,
          ratio: null,
          goal: '>= 5000',
          met: perSecond >= 5000,
        },
        {
          id: 'validate',
          figure: 'all-invalid',
          value: round(invalid.subject / invalid.baseline, 2),
          unit: 'x yaml parse',
          baseline: round(invalid.baseline, 1),
          ratio: round(invalid.subject / invalid.baseline, 2),
          goal: null,
          met: null,
        },
        {
          id: 'validate',
          figure: 'time',
          value: round(times.subject, 1),
          unit: 'ms',
          baseline: round(times.baseline, 1),
          ratio: round(ratio, 2),
          goal: null,
          met: null,
        },
      ];
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  },
};

export default benchmark;
