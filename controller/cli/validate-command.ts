// `chaoscraft validate [paths…]`: checks ChaosCraft manifests in files and folders.
import { parseArgs } from 'node:util';
import { exitCodeFor } from '../manifests/diagnostic.ts';
import { formatReport, type ReportFormat, reportFormats } from '../manifests/format.ts';
import { validatePaths } from '../manifests/validate.ts';
import { type CommandIo, UsageError } from './command.ts';

export const validateHelp = `Usage: chaoscraft validate [paths...] [--format text|json|github] [--verbose] [--exclude GLOB]...

Checks every chaoscraft.io object in the YAML/JSON files under the given paths (default: .).
Other Kubernetes objects, templates ({{ … }}) and files that never mention chaoscraft and are
not valid YAML are skipped (listed with --verbose). Symlinks are followed only inside the paths.

  --exclude GLOB   leave out matching paths (relative to each path given; repeatable); a
                   .chaoscraftignore file in a folder given holds more, one glob a line

Exit codes: 0 all valid, 1 invalid, 2 usage or I/O error.
`;

export async function validateCommand(argv: string[], io: CommandIo): Promise<number> {
  const { values, positionals } = parseArgs({
    args: argv,
    allowPositionals: true,
    options: {
      format: { type: 'string', short: 'f', default: 'text' },
      verbose: { type: 'boolean', short: 'v', default: false },
      exclude: { type: 'string', multiple: true, default: [] },
      help: { type: 'boolean', short: 'h', default: false },
    },
  });
  if (values.help) {
    io.stdout(validateHelp);
    return 0;
  }
  const format = values.format as ReportFormat;
  if (!reportFormats.includes(format)) {
    throw new UsageError(`--format must be one of ${reportFormats.join(', ')}, not "${values.format}"`);
  }
  const report = await validatePaths({
    paths: positionals.length ? positionals : ['.'],
    exclude: values.exclude,
  });
  io.stdout(formatReport({ report, format, verbose: values.verbose }));
  return exitCodeFor(report.diagnostics);
}
