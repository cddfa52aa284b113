#!/usr/bin/env bash
# End to end on a real cluster, for a machine with Docker (not part of CI): creates a kind cluster
# from infra/kind-config.yaml, builds both images and loads them into it, installs Argo CD (with the
# ChaosCraft health checks of argocd/argocd-cm.yaml) and the chart, lets Argo CD sync examples/ from
# the repository, and checks that the pod kill of examples/pod-kill.yaml runs end to end: a checkout
# pod deleted and replaced, the experiment Succeeded, Argo CD showing it Healthy.
#
#   test/e2e/kind.sh                       # everything, then deletes the cluster
#   KEEP_CLUSTER=1 test/e2e/kind.sh        # leave the cluster for a look around
#
# Needs docker, kind, kubectl and helm on PATH. Argo CD syncs from Git, so examples/ is read from
# CHAOSCRAFT_REPO_URL at CHAOSCRAFT_REVISION (push your branch first to try your own examples); the
# images and the chart come from this working tree.
set -euo pipefail

root="$(cd "${BASH_SOURCE[0]%/*}/../.." && pwd)"
cluster="${CLUSTER_NAME:-chaoscraft-e2e}"
namespace=chaoscraft-system
argocd_version="${ARGOCD_VERSION:-v2.13.3}"
repo_url="${CHAOSCRAFT_REPO_URL:-https://github.com/chaoscraft/chaoscraft.git}"
revision="${CHAOSCRAFT_REVISION:-main}"
# Which files of examples/ Argo CD syncs: the pod kill, and the policy that guards it.
examples_include="${EXAMPLES_INCLUDE:-{pod-kill.yaml,policy.yaml}}"
experiment=checkout-pod-kill
target_namespace=shop
timeout=300s

missing=()
for tool in docker kind kubectl helm; do
  command -v "${tool}" >/dev/null 2>&1 || missing+=("${tool}")
done
if [ "${#missing[@]}" -gt 0 ]; then
  echo "kind.sh: missing ${missing[*]}; this test needs docker, kind, kubectl and helm" >&2
  exit 2
fi

log() { printf '\n== %s\n' "$*"; }

cleanup() {
  if [ "${KEEP_CLUSTER:-0}" = 1 ]; then
    echo "kind.sh: cluster ${cluster} kept (kind delete cluster --name ${cluster})"
  else
    kind delete cluster --name "${cluster}" >/dev/null 2>&1 || true
  fi
}

fail() {
  echo "kind.sh: FAILED: $*" >&2
  kubectl get chaosexperiments,chaosinjections -A -o wide >&2 || true
  kubectl -n "${namespace}" logs deployment/chaoscraft-controller --tail=100 >&2 || true
  exit 1
}

log "kind cluster ${cluster} (infra/kind-config.yaml)"
kind create cluster --name "${cluster}" --config "${root}/infra/kind-config.yaml" --wait 120s
trap cleanup EXIT

log "images (Dockerfile targets controller and agent)"
docker build --target controller -t chaoscraft/controller:e2e "${root}"
docker build --target agent -t chaoscraft/agent:e2e "${root}"
kind load docker-image --name "${cluster}" chaoscraft/controller:e2e chaoscraft/agent:e2e

log "Argo CD ${argocd_version}, with the ChaosCraft health checks"
kubectl create namespace argocd
kubectl apply -n argocd --server-side \
  -f "https://raw.githubusercontent.com/argoproj/argo-cd/${argocd_version}/manifests/install.yaml"
kubectl -n argocd patch configmap argocd-cm --type merge --patch-file "${root}/argocd/argocd-cm.yaml"
kubectl -n argocd rollout status deployment/argocd-repo-server --timeout="${timeout}"
kubectl -n argocd rollout status statefulset/argocd-application-controller --timeout="${timeout}"

log "the chart (charts/chaoscraft)"
helm install chaoscraft "${root}/charts/chaoscraft" --namespace "${namespace}" --create-namespace \
  --set controller.image.repository=chaoscraft/controller --set controller.image.tag=e2e \
  --set controller.image.pullPolicy=Never \
  --set agent.image.repository=chaoscraft/agent --set agent.image.tag=e2e \
  --set agent.image.pullPolicy=Never \
  --set controller.argocdNamespace=argocd \
  --wait --timeout "${timeout}"

log "the target: checkout in ${target_namespace}, 3 replicas answering /healthz on 8080"
kubectl create namespace "${target_namespace}"
kubectl label namespace "${target_namespace}" chaoscraft.io/allow=true
kubectl apply -f - <<EOF
apiVersion: apps/v1
kind: Deployment
metadata:
  name: checkout
  namespace: ${target_namespace}
spec:
  replicas: 3
  selector:
    matchLabels: {app: checkout}
  template:
    metadata:
      labels: {app: checkout}
    spec:
      containers:
        - name: checkout
          image: registry.k8s.io/e2e-test-images/agnhost:2.47
          args: [netexec, --http-port=8080]
          ports: [{containerPort: 8080}]
          readinessProbe:
            httpGet: {path: /healthz, port: 8080}
---
apiVersion: v1
kind: Service
metadata:
  name: checkout
  namespace: ${target_namespace}
spec:
  selector: {app: checkout}
  ports: [{port: 8080, targetPort: 8080}]
EOF
kubectl -n "${target_namespace}" rollout status deployment/checkout --timeout="${timeout}"
before="$(kubectl -n "${target_namespace}" get pods -l app=checkout -o jsonpath='{.items[*].metadata.uid}')"

log "Argo CD syncs examples/${examples_include} from ${repo_url}@${revision}"
kubectl apply -f - <<EOF
apiVersion: argoproj.io/v1alpha1
kind: Application
metadata:
  name: chaos-examples
  namespace: argocd
spec:
  project: default
  source:
    repoURL: ${repo_url}
    targetRevision: ${revision}
    path: examples
    directory:
      include: '${examples_include}'
  destination:
    server: https://kubernetes.default.svc
    namespace: ${target_namespace}
  syncPolicy:
    automated: {prune: true, selfHeal: true}
    syncOptions: [RespectIgnoreDifferences=true]
  ignoreDifferences:
    - group: chaoscraft.io
      kind: ChaosExperiment
      jsonPointers: [/status]
EOF

log "the pod kill runs: ChaosExperiment ${target_namespace}/${experiment} Succeeded"
for _ in $(seq 60); do
  kubectl -n "${target_namespace}" get chaosexperiment "${experiment}" >/dev/null 2>&1 && break
  sleep 5
done
kubectl -n "${target_namespace}" get chaosexperiment "${experiment}" >/dev/null ||
  fail "Argo CD did not sync ${experiment}"
kubectl -n "${target_namespace}" wait chaosexperiment "${experiment}" \
  --for=condition=Succeeded=True --timeout="${timeout}" || fail "${experiment} did not succeed"

log "one checkout pod was deleted and replaced"
kubectl -n "${target_namespace}" rollout status deployment/checkout --timeout="${timeout}"
after="$(kubectl -n "${target_namespace}" get pods -l app=checkout -o jsonpath='{.items[*].metadata.uid}')"
gone=0
for uid in ${before}; do
  case " ${after} " in *" ${uid} "*) ;; *) gone=$((gone + 1)) ;; esac
done
[ "${gone}" -eq 1 ] || fail "expected exactly 1 checkout pod replaced, found ${gone}"

log "Argo CD shows the experiment Healthy"
health=""
for _ in $(seq 30); do
  health="$(kubectl -n argocd get application chaos-examples \
    -o jsonpath="{.status.resources[?(@.name==\"${experiment}\")].health.status}")"
  [ "${health}" = Healthy ] && break
  sleep 5
done
[ "${health}" = Healthy ] || fail "Argo CD health of ${experiment}: '${health}'"

echo
echo "kind.sh: PASSED: ${experiment} killed 1 of 3 checkout pods, Succeeded, Healthy in Argo CD"
