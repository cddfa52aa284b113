// argocd/application.yaml and argocd/appproject.yaml against Argo CD's CRD schemas. The CRDs
// (argoproj.io/v1alpha1 Application and AppProject) are not available offline here, so this is a
// minimal schema written for the fields these files use: each object level they touch lists the
// fields Argo CD's CRD has there (anything else is a typo), with the types and required fields of
// the CRD. The parts these files do not use (helm, kustomize, roles, sync windows...) are only
// named, not checked. Beyond the schema: the Application may deploy what the project allows.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { Ajv } from 'ajv';
import { parse } from 'yaml';

const dir = join(import.meta.dirname, '../../argocd');
const read = (file: string) => parse(readFileSync(join(dir, file), 'utf8'));

const anything = {};
const strings = { type: 'array', items: { type: 'string' } };
/** An object of the CRD: only these fields, each with its schema. */
const object = (properties: Record<string, object>, required: string[] = []) => ({
  type: 'object',
  properties,
  required,
  additionalProperties: false,
});
const groupKind = object({ group: { type: 'string' }, kind: { type: 'string' } }, ['group', 'kind']);
const destination = object({
  server: { type: 'string' },
  namespace: { type: 'string' },
  name: { type: 'string' },
});
const metadata = {
  type: 'object',
  properties: { name: { type: 'string' }, namespace: { type: 'string' } },
  required: ['name'],
};

const applicationSchema = object(
  {
    apiVersion: { const: 'argoproj.io/v1alpha1' },
    kind: { const: 'Application' },
    metadata,
    operation: anything,
    status: anything,
    spec: object(
      {
        project: { type: 'string' },
        destination,
        source: object(
          {
            repoURL: { type: 'string' },
            path: { type: 'string' },
            targetRevision: { type: 'string' },
            chart: { type: 'string' },
            ref: { type: 'string' },
            name: { type: 'string' },
            directory: anything,
            helm: anything,
            kustomize: anything,
            plugin: anything,
          },
          ['repoURL'],
        ),
        sources: anything,
        sourceHydrator: anything,
        info: anything,
        revisionHistoryLimit: { type: 'integer' },
        syncPolicy: object({
          automated: object({
            prune: { type: 'boolean' },
            selfHeal: { type: 'boolean' },
            allowEmpty: { type: 'boolean' },
            enabled: { type: 'boolean' },
          }),
          syncOptions: strings,
          retry: anything,
          managedNamespaceMetadata: anything,
        }),
        ignoreDifferences: {
          type: 'array',
          items: object(
            {
              group: { type: 'string' },
              kind: { type: 'string' },
              name: { type: 'string' },
              namespace: { type: 'string' },
              jsonPointers: strings,
              jqPathExpressions: strings,
              managedFieldsManagers: strings,
            },
            ['kind'],
          ),
        },
      },
      ['destination', 'project'],
    ),
  },
  ['apiVersion', 'kind', 'metadata', 'spec'],
);

const appProjectSchema = object(
  {
    apiVersion: { const: 'argoproj.io/v1alpha1' },
    kind: { const: 'AppProject' },
    metadata,
    status: anything,
    spec: object({
      description: { type: 'string' },
      sourceRepos: strings,
      sourceNamespaces: strings,
      destinations: { type: 'array', items: destination },
      clusterResourceWhitelist: { type: 'array', items: groupKind },
      clusterResourceBlacklist: { type: 'array', items: groupKind },
      namespaceResourceWhitelist: { type: 'array', items: groupKind },
      namespaceResourceBlacklist: { type: 'array', items: groupKind },
      orphanedResources: anything,
      permitOnlyProjectScopedClusters: { type: 'boolean' },
      roles: anything,
      signatureKeys: anything,
      syncWindows: anything,
      destinationServiceAccounts: anything,
    }),
  },
  ['apiVersion', 'kind', 'metadata', 'spec'],
);

const ajv = new Ajv({ allErrors: true, strict: true });

test('argocd/application.yaml fits the Application schema', () => {
  const validate = ajv.compile(applicationSchema);
  assert.ok(validate(read('application.yaml')), ajv.errorsText(validate.errors));
});

test('argocd/appproject.yaml fits the AppProject schema', () => {
  const validate = ajv.compile(appProjectSchema);
  assert.ok(validate(read('appproject.yaml')), ajv.errorsText(validate.errors));
});

test('the schemas catch a misspelt field and a missing required one', () => {
  const validate = ajv.compile(applicationSchema);
  const app = read('application.yaml');
  app.spec.syncPolicy.automated.selfheal = true;
  assert.equal(validate(app), false);
  const withoutProject = read('application.yaml');
  delete withoutProject.spec.project;
  assert.equal(validate(withoutProject), false);
  const project = read('appproject.yaml');
  project.spec.namespaceResourceWhitelist.push({ kind: 'ChaosPolicy' });
  assert.equal(ajv.compile(appProjectSchema)(project), false);
});

test('the Application deploys from a repository to a namespace its project allows, our kinds only', () => {
  const app = read('application.yaml');
  const project = read('appproject.yaml');
  assert.equal(app.spec.project, project.metadata.name);
  assert.ok(project.spec.sourceRepos.includes(app.spec.source.repoURL));
  assert.ok(
    project.spec.destinations.some(
      (d: { server: string; namespace: string }) =>
        d.server === app.spec.destination.server && d.namespace === app.spec.destination.namespace,
    ),
  );
  assert.deepEqual(
    project.spec.clusterResourceWhitelist,
    [],
    'no cluster-scoped kinds (ChaosPolicy stays with the platform team)',
  );
  assert.deepEqual(
    project.spec.namespaceResourceWhitelist
      .map((g: { group: string; kind: string }) => `${g.group}/${g.kind}`)
      .sort(),
    ['chaoscraft.io/ChaosExperiment', 'chaoscraft.io/ChaosSchedule'],
  );
});
