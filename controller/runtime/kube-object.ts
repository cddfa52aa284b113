/**
 * The part of a Kubernetes object the runtime reads. client-node's `KubernetesObject` and our own
 * summaries fit it; the runtime names it itself so that it never loads @kubernetes/client-node.
 */
export interface KubeObject {
  apiVersion?: string;
  kind?: string;
  metadata?: {
    name?: string;
    namespace?: string;
    resourceVersion?: string;
    labels?: Record<string, string>;
  };
}
