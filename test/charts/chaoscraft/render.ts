// Renders charts/chaoscraft the way `helm template` would, with go-template.ts instead of helm: the
// chart's values.yaml with overrides merged in (maps merged key by key, anything else replaced, as
// Helm merges -f files), .Release, .Chart and .Files.Get, every file of templates/ but the `_` ones,
// then the YAML documents of the output. CRDs (crds/) are returned apart, unrendered, as Helm
// installs them.
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse, parseAllDocuments } from 'yaml';
import { execute, FUNCTIONS, parseTemplate, type Template } from './go-template.ts';

export const CHART = join(import.meta.dirname, '../../../charts/chaoscraft');

export type Json = Record<string, unknown>;

export interface Manifest {
  /** The template file it came from, e.g. templates/agent-daemonset.yaml. */
  source: string;
  object: Json;
}

export function chartValues(): Json {
  return parse(readFileSync(join(CHART, 'values.yaml'), 'utf8')) as Json;
}

export function mergeValues(base: unknown, override: unknown): unknown {
  if (!isMap(base) || !isMap(override)) return override === undefined ? base : override;
  const merged: Json = { ...base };
  for (const [key, value] of Object.entries(override)) merged[key] = mergeValues(base[key], value);
  return merged;
}

function isMap(value: unknown): value is Json {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

export interface RenderOptions {
  values?: Json;
  namespace?: string;
  releaseName?: string;
}

/** The rendered text of each template, by file name. */
export function renderChartText(options: RenderOptions = {}): Map<string, string> {
  const chart = parse(readFileSync(join(CHART, 'Chart.yaml'), 'utf8')) as Json;
  const data = {
    Values: mergeValues(chartValues(), options.values ?? {}),
    Release: {
      Name: options.releaseName ?? 'chaoscraft',
      Namespace: options.namespace ?? 'chaoscraft-system',
      Service: 'Helm',
      IsInstall: true,
      IsUpgrade: false,
    },
    Chart: { Name: chart.name, Version: chart.version, AppVersion: chart.appVersion },
    Files: {
      Get: (path: unknown) => {
        const file = String(path);
        if (file.startsWith('templates/') || file.includes('..')) throw new Error(`.Files.Get ${file}`);
        return readFileSync(join(CHART, file), 'utf8');
      },
    },
  };
  const defines = new Map();
  const templates: Template[] = [];
  for (const file of readdirSync(join(CHART, 'templates')).sort()) {
    const template = parseTemplate(
      `templates/${file}`,
      readFileSync(join(CHART, 'templates', file), 'utf8'),
      defines,
    );
    if (!file.startsWith('_')) templates.push(template);
  }
  const renderer = { defines, functions: FUNCTIONS };
  return new Map(templates.map((t) => [t.name, execute(renderer, t, data)]));
}

export function renderChart(options: RenderOptions = {}): Manifest[] {
  const manifests: Manifest[] = [];
  for (const [source, text] of renderChartText(options)) {
    for (const document of parseAllDocuments(text)) {
      if (document.errors.length > 0) {
        throw new Error(`${source}: ${document.errors[0]!.message}\n--- rendered ---\n${text}`);
      }
      const object = document.toJS() as Json | null;
      if (object !== null) manifests.push({ source, object });
    }
  }
  return manifests;
}

export type Container = Json & {
  securityContext: Json;
  volumeMounts?: Json[];
  env?: Json[];
  args?: string[];
};
export interface PodSpec {
  containers: Container[];
  securityContext?: Json;
  volumes?: Json[];
  hostPID?: boolean;
  hostNetwork?: boolean;
  hostIPC?: boolean;
  tolerations?: Json[];
  serviceAccountName?: string;
}

/** The pod template's spec of the named workload, if rendered. */
export function podSpec(manifests: Manifest[], kind: string, name: string): PodSpec | undefined {
  const workload = manifests.find(
    ({ object }) => object.kind === kind && (object.metadata as Json).name === name,
  )?.object;
  return workload && ((workload.spec as Json).template as { spec: PodSpec }).spec;
}

export function chartCrds(): Json[] {
  return readdirSync(join(CHART, 'crds'))
    .sort()
    .map((file) => parse(readFileSync(join(CHART, 'crds', file), 'utf8')) as Json);
}

/** The value files of charts/chaoscraft/ci/ by name (`everything` for everything-values.yaml): together
 * they switch every optional part of the chart on and off. `make lint` gives helm the same files. */
export const VALUE_SETS: Record<string, Json> = Object.fromEntries(
  readdirSync(join(CHART, 'ci'))
    .filter((file) => file.endsWith('-values.yaml'))
    .sort()
    .map((file) => [
      file.replace(/-values\.yaml$/, ''),
      parse(readFileSync(join(CHART, 'ci', file), 'utf8')) as Json,
    ]),
);
