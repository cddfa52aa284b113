// Where the artefacts generated from schemas/ live, relative to the repository root.
export const generatedPaths = {
  crdDirectory: 'charts/chaoscraft/crds',
  types: 'controller/api/types.generated.ts',
  apiDocs: 'docs/API.md',
} as const;
