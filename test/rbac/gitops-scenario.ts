// What the gitops process reads from a cluster: the planner's reads (pods of a namespace, the
// namespace, policies, nodes) and one scan of the results reporter (experiments, then the Argo CD
// Application a finished run was synced from). GitHub is not involved: the report stops there.
import type { Octokit } from '@octokit/rest';
import { createKubeHttp } from '../../controller/kube/kube-http.ts';
import { kubeClusterReader } from '../../gitops/planner/kube-cluster-reader.ts';
import { ResultsReporter } from '../../gitops/reporter/results-reporter.ts';
import { trackingAnnotation } from '../../gitops/reporter/revision.ts';
import { startCluster } from '../controller/manager/harness.ts';
import type { Scenario } from './least-privilege.ts';

const noGitHub = {
  paginate: () => Promise.reject(new Error('no GitHub in this test')),
  rest: { repos: {}, issues: {} },
} as unknown as Octokit;

export const gitopsScenario: Scenario = {
  process: 'gitops',
  timeoutMs: 10_000,
  async startServer() {
    const server = await startCluster({ replicas: 2 });
    server.create({ apiVersion: 'v1', kind: 'Node', metadata: { name: 'node-1' } });
    server.create({ apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'argocd' } });
    server.seed([
      {
        apiVersion: 'chaoscraft.io/v1alpha1',
        kind: 'ChaosPolicy',
        metadata: { name: 'default' },
        spec: { maxTargetsPercent: 50 },
      },
      {
        apiVersion: 'argoproj.io/v1alpha1',
        kind: 'Application',
        metadata: { name: 'chaos', namespace: 'argocd' },
        spec: { source: { repoURL: 'https://github.com/acme/chaos.git', path: 'experiments' } },
        status: { sync: { status: 'Synced', revision: 'a'.repeat(40) } },
      },
      {
        apiVersion: 'chaoscraft.io/v1alpha1',
        kind: 'ChaosExperiment',
        metadata: {
          name: 'done',
          namespace: 'shop',
          annotations: { [trackingAnnotation]: 'chaos:chaoscraft.io/ChaosExperiment:shop/done' },
        },
        spec: { selector: {}, faults: [{ podKill: {} }], duration: '1s' },
        status: { conditions: [{ type: 'Succeeded', status: 'True', reason: 'Completed' }] },
      },
    ]);
    return server;
  },
  start({ kubeConfig }) {
    const http = createKubeHttp(kubeConfig);
    const done = (async () => {
      const reader = kubeClusterReader({ http });
      await reader.pods('shop');
      await reader.namespace('shop');
      await reader.policies();
      await reader.nodes();
      const reporter = new ResultsReporter({ kube: http, octokit: noGitHub, coalesceWindowMs: 1 });
      await reporter.scanOnce();
      await reporter.stop();
    })();
    return { done, stop: async () => {} };
  },
};
