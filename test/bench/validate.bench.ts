// validate: 1,000 generated manifests through `validatePaths` (walk, read, parse, schema and semantic
// checks), against the least any validator must do: read the same files and parse them with the
// parser validation itself uses for them. These files are plain YAML, which validation parses with
// js-yaml (CORE_SCHEMA, its fast path), so that is the headline's baseline; the `yaml` parse (the
// careful, position-keeping parser validation falls back to) is a second figure. The baselines get
// the file list for free and read synchronously, the fastest way to the bytes. Rounds interleaved.
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CORE_SCHEMA, loadAll } from 'js-yaml';
import { parseAllDocuments } from 'yaml';
import { validatePaths } from '../../controller/manifests/validate.ts';
import { type Benchmark, type Figure, interleavedMs, median, percentile, round } from './harness.ts';

const examples = ['pod-kill', 'network-loss', 'network-partition', 'cpu-stress', 'schedule', 'policy'];
const GOAL = 2.5;

/**
 * Schedules a repository of many teams might hold: validation remembers its verdict per distinct
 * expression, so every copy carrying the example's one schedule would measure that memory, not the check.
 */
const schedules = [
  '0 10 * * 1-5',
  '30 9 * * 1-5',
  '0 14 * * 5',
  '*/15 * * * *',
  '0 */6 * * *',
  '0 3 * * 0',
  '15 11 1 * *',
  '45 16 * * 2,4',
  '@hourly',
  '@daily',
  '@every 30m',
  '0 8-18/2 * * 1-5',
];

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
    const text = templates[i % templates.length]!.replace(/^( {2}name: )(.+)$/m, `$1$2-${i}`);
    writeFileSync(file, text.replace(/(schedule: )"[^"]*"/, `$1"${schedules[i % schedules.length]}"`));
    files.push(file);
  }
  return files;
}

const benchmark: Benchmark = {
  id: 'validate',
  description:
    'validate 1,000 generated manifests; baseline: read + parse the same files with js-yaml, the parser validation uses for them',
  async run({ log, quick, sizes }) {
    const count = quick ? 200 : 1000;
    const rounds = quick ? 5 : 21;
    sizes({ manifests: count, rounds, warmUp: 2 });
    const dir = mkdtempSync(join(tmpdir(), 'chaoscraft-bench-validate-'));
    try {
      const files = generate(dir, count);
      const validate = (valid: number) => async () => {
        const report = await validatePaths({ paths: [dir] });
        if (report.validObjects.length !== valid)
          throw new Error(`expected ${valid} valid objects, got ${report.validObjects.length}`);
      };
      const jsYaml = () => {
        let documents = 0;
        for (const file of files)
          documents += loadAll(readFileSync(file, 'utf8'), undefined, { schema: CORE_SCHEMA }).length;
        if (documents !== count) throw new Error(`js-yaml read ${documents} documents`);
      };
      const yaml = () => {
        let documents = 0;
        for (const file of files) {
          for (const doc of parseAllDocuments(readFileSync(file, 'utf8'))) {
            doc.toJS();
            documents++;
          }
        }
        if (documents !== count) throw new Error(`yaml read ${documents} documents`);
      };
      const times = await interleavedMs({ validate: validate(count), jsYaml, yaml }, { rounds, warmUp: 2 });
      // Per-round ratios, each against the baseline timed next to it; the median of those.
      const ratios = times.validate.map((ms, i) => ms / times.jsYaml[i]!);
      const yamlRatios = times.validate.map((ms, i) => ms / times.yaml[i]!);
      const ratio = median(ratios);
      const validateMs = median(times.validate);
      const perSecond = count / (validateMs / 1000);

      // The worst case: every file has an error, so every file also takes the careful parser.
      for (const file of files) writeFileSync(file, `${readFileSync(file, 'utf8')}  unknownField: 1\n`);
      const invalidRounds = quick ? 3 : 7;
      const invalid = await interleavedMs({ validate: validate(0), yaml }, { rounds: invalidRounds });
      const invalidRatio = median(invalid.validate.map((ms, i) => ms / invalid.yaml[i]!));
      log(
        `validate ${round(validateMs, 1)} ms, js-yaml ${round(median(times.jsYaml), 1)} ms, yaml ${round(median(times.yaml), 1)} ms for ${count} files (medians of ${rounds})`,
      );
      const figure = (name: string, value: number, unit: string, extra: Partial<Figure> = {}): Figure => ({
        id: 'validate',
        figure: name,
        value,
        unit,
        baseline: null,
        ratio: null,
        goal: null,
        met: null,
        ...extra,
      });
      return [
        figure('headline', round(ratio, 2), `x js-yaml read + parse (${count} manifests)`, {
          baseline: round(median(times.jsYaml), 1),
          ratio: round(ratio, 2),
          goal: `<= ${GOAL}`,
          met: ratio <= GOAL,
        }),
        figure(
          'p90 of per-round ratio',
          round(
            percentile(
              [...ratios].sort((a, b) => a - b),
              90,
            ),
            2,
          ),
          'x js-yaml read + parse',
        ),
        figure(
          'vs yaml read + parse',
          round(median(yamlRatios), 2),
          `x yaml read + parse (${count} manifests)`,
          {
            baseline: round(median(times.yaml), 1),
            ratio: round(median(yamlRatios), 2),
          },
        ),
        figure('time', round(validateMs, 1), `ms (${count} manifests)`),
        figure('throughput', Math.round(perSecond), 'manifests/s', {
          goal: '>= 5000',
          met: perSecond >= 5000,
        }),
        figure(
          'all-invalid',
          round(invalidRatio, 2),
          `x yaml read + parse (${count} manifests, each with an error)`,
          {
            baseline: round(median(invalid.yaml), 1),
            ratio: round(invalidRatio, 2),
          },
        ),
      ];
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  },
};

export default benchmark;
