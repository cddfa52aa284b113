// Server-side printing: the meta.k8s.io/v1 Table kubectl asks for with `Accept: ...;as=Table`.
import { evaluateJsonPath } from './jsonpath.ts';
import { metadataOf } from './object-store.ts';
import type { JsonObject, PrinterColumn, ResourceType } from './resource-types.ts';

export interface TableColumnDefinition {
  name: string;
  type: string;
  format: string;
  description: string;
  priority: number;
}

export type IncludeObject = 'None' | 'Metadata' | 'Object';

/** kube's duration.HumanDuration, used for Age columns. */
export function humanDuration(milliseconds: number): string {
  const seconds = Math.floor(milliseconds / 1000);
  if (seconds < -1) return '<invalid>';
  if (seconds < 0) return '0s';
  if (seconds < 120) return `${seconds}s`;
  const minutes = Math.floor(seconds / 60);
  if (minutes < 10) return seconds % 60 === 0 ? `${minutes}m` : `${minutes}m${seconds % 60}s`;
  if (minutes < 180) return `${minutes}m`;
  const hours = Math.floor(minutes / 60);
  if (hours < 8) return minutes % 60 === 0 ? `${hours}h` : `${hours}h${minutes % 60}m`;
  if (hours < 48) return `${hours}h`;
  const days = Math.floor(hours / 24);
  if (hours < 24 * 8) return hours % 24 === 0 ? `${days}d` : `${days}d${hours % 24}h`;
  if (days < 365 * 2) return `${days}d`;
  const years = Math.floor(days / 365);
  if (days < 365 * 8) return days % 365 === 0 ? `${years}y` : `${years}y${days % 365}d`;
  return `${years}y`;
}

function ageOf(timestamp: unknown, now: Date): string {
  if (typeof timestamp !== 'string') return '<unknown>';
  return humanDuration(now.getTime() - Date.parse(timestamp));
}

interface BuiltinColumn {
  definition: Omit<TableColumnDefinition, 'format' | 'description'> & { format?: string };
  cell(object: JsonObject, now: Date): unknown;
}

const age: BuiltinColumn = {
  definition: { name: 'Age', type: 'string', priority: 0 },
  cell: (object, now) => ageOf(metadataOf(object).creationTimestamp, now),
};

function path(object: JsonObject, expression: string): unknown {
  return evaluateJsonPath({ expression, value: object })[0];
}

function column(name: string, type: string, cell: BuiltinColumn['cell'], priority = 0): BuiltinColumn {
  return { definition: { name, type, priority }, cell };
}

const BUILTIN_COLUMNS: Record<string, BuiltinColumn[]> = {
  Pod: [
    column('Ready', 'string', (pod) => {
      const statuses = (path(pod, '.status.containerStatuses') as { ready?: boolean }[] | undefined) ?? [];
      const containers = (path(pod, '.spec.containers') as unknown[] | undefined) ?? [];
      return `${statuses.filter((status) => status.ready).length}/${containers.length}`;
    }),
    column('Status', 'string', (pod) =>
      metadataOf(pod).deletionTimestamp ? 'Terminating' : (path(pod, '.status.phase') ?? 'Pending'),
    ),
    column('Restarts', 'string', (pod) => {
      const statuses =
        (path(pod, '.status.containerStatuses') as { restartCount?: number }[] | undefined) ?? [];
      return String(statuses.reduce((sum, status) => sum + (status.restartCount ?? 0), 0));
    }),
    age,
    column('IP', 'string', (pod) => path(pod, '.status.podIP') ?? '<none>', 1),
    column('Node', 'string', (pod) => path(pod, '.spec.nodeName') ?? '<none>', 1),
  ],
  Deployment: [
    column(
      'Ready',
      'string',
      (d) => `${path(d, '.status.readyReplicas') ?? 0}/${path(d, '.spec.replicas') ?? 1}`,
    ),
    column('Up-to-date', 'integer', (d) => path(d, '.status.updatedReplicas') ?? 0),
    column('Available', 'integer', (d) => path(d, '.status.availableReplicas') ?? 0),
    age,
  ],
  ReplicaSet: [
    column('Desired', 'integer', (rs) => path(rs, '.spec.replicas') ?? 1),
    column('Current', 'integer', (rs) => path(rs, '.status.replicas') ?? 0),
    column('Ready', 'integer', (rs) => path(rs, '.status.readyReplicas') ?? 0),
    age,
  ],
  Namespace: [column('Status', 'string', (ns) => path(ns, '.status.phase') ?? 'Active'), age],
  Node: [
    column('Status', 'string', (node) =>
      path(node, '.status.conditions[?(@.type=="Ready")].status') === 'False' ? 'NotReady' : 'Ready',
    ),
    column('Roles', 'string', () => '<none>'),
    age,
    column('Version', 'string', (node) => path(node, '.status.nodeInfo.kubeletVersion') ?? ''),
  ],
  Event: [
    column('Last Seen', 'string', (event, now) =>
      ageOf(path(event, '.lastTimestamp') ?? path(event, '.eventTime'), now),
    ),
    column('Type', 'string', (event) => path(event, '.type') ?? ''),
    column('Reason', 'string', (event) => path(event, '.reason') ?? ''),
    column(
      'Object',
      'string',
      (event) =>
        `${String(path(event, '.involvedObject.kind') ?? '').toLowerCase()}/${String(path(event, '.involvedObject.name') ?? '')}`,
    ),
    column('Message', 'string', (event) => path(event, '.message') ?? ''),
  ],
  CustomResourceDefinition: [column('Created At', 'date', (crd) => metadataOf(crd).creationTimestamp)],
  Lease: [column('Holder', 'string', (lease) => path(lease, '.spec.holderIdentity') ?? ''), age],
  Application: [
    column('Sync Status', 'string', (app) => path(app, '.status.sync.status') ?? ''),
    column('Health Status', 'string', (app) => path(app, '.status.health.status') ?? ''),
    age,
  ],
};

const NAME_COLUMN: TableColumnDefinition = {
  name: 'Name',
  type: 'string',
  format: 'name',
  description: 'Name must be unique within a namespace.',
  priority: 0,
};

function formatPrinterCell(columnDefinition: PrinterColumn, object: JsonObject, now: Date): unknown {
  let values: unknown[];
  try {
    values = evaluateJsonPath({ expression: columnDefinition.jsonPath, value: object });
  } catch {
    return null;
  }
  if (values.length === 0) return null;
  if (columnDefinition.type === 'date') return ageOf(values[0], now);
  if (values.length === 1 && (typeof values[0] !== 'object' || values[0] === null)) return values[0];
  return values.map((value) => (typeof value === 'object' ? JSON.stringify(value) : String(value))).join(',');
}

function columnsFor(type: ResourceType): {
  definitions: TableColumnDefinition[];
  cells(object: JsonObject, now: Date): unknown[];
} {
  if (type.printerColumns) {
    const printerColumns = type.printerColumns;
    return {
      definitions: [
        NAME_COLUMN,
        ...printerColumns.map((printer) => ({
          name: printer.name,
          type: printer.type === 'date' ? 'date' : printer.type,
          format: printer.format ?? '',
          description: printer.description ?? '',
          priority: printer.priority ?? 0,
        })),
      ],
      cells: (object, now) => [
        metadataOf(object).name,
        ...printerColumns.map((printer) => formatPrinterCell(printer, object, now)),
      ],
    };
  }
  const builtinColumns = BUILTIN_COLUMNS[type.kind] ?? [age];
  return {
    definitions: [
      NAME_COLUMN,
      ...builtinColumns.map((builtinColumn) => ({
        format: '',
        description: '',
        ...builtinColumn.definition,
      })),
    ],
    cells: (object, now) => [
      metadataOf(object).name,
      ...builtinColumns.map((builtinColumn) => builtinColumn.cell(object, now)),
    ],
  };
}

function rowObject(object: JsonObject, includeObject: IncludeObject): JsonObject | undefined {
  if (includeObject === 'None') return undefined;
  if (includeObject === 'Object') return object;
  return { kind: 'PartialObjectMetadata', apiVersion: 'meta.k8s.io/v1', metadata: object.metadata };
}

export function tableFor(options: {
  type: ResourceType;
  objects: JsonObject[];
  resourceVersion: string;
  continueToken?: string;
  includeObject: IncludeObject;
  now: Date;
  /** Watch events after the first omit the column definitions, as kube-apiserver does. */
  withColumnDefinitions?: boolean;
}): JsonObject {
  const columns = columnsFor(options.type);
  const metadata: JsonObject = { resourceVersion: options.resourceVersion };
  if (options.continueToken) metadata.continue = options.continueToken;
  return {
    kind: 'Table',
    apiVersion: 'meta.k8s.io/v1',
    metadata,
    columnDefinitions: options.withColumnDefinitions === false ? null : columns.definitions,
    rows: options.objects.map((object) => {
      const row: JsonObject = { cells: columns.cells(object, options.now) };
      const embedded = rowObject(object, options.includeObject);
      if (embedded) row.object = embedded;
      return row;
    }),
  };
}
