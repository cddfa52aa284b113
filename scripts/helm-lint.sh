#!/usr/bin/env bash
# `make lint`: helm lint and helm template of charts/chaoscraft, once per value file in
# charts/chaoscraft/ci/, where helm is installed. Without helm it says so and exits 0: the chart's
# tests (test/charts/chaoscraft/) render and check it without helm on every `npm test`.
set -euo pipefail

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
chart="${root}/charts/chaoscraft"
helm="${HELM:-helm}"

if ! command -v "${helm}" >/dev/null 2>&1; then
  echo "make lint: helm is not installed here; skipped helm lint and helm template of charts/chaoscraft"
  echo "make lint: (test/charts/chaoscraft/ renders and checks the chart without helm)"
  exit 0
fi

echo "make lint: $("${helm}" version --short 2>/dev/null || echo helm)"
status=0
for values in "${chart}"/ci/*-values.yaml; do
  name="$(basename "${values}")"
  echo "== helm lint --strict (${name})"
  "${helm}" lint --strict "${chart}" --values "${values}" || status=1
  echo "== helm template (${name})"
  if ! "${helm}" template chaoscraft "${chart}" --namespace chaoscraft-system --values "${values}" >/dev/null; then
    status=1
  fi
done
if [ "${status}" -ne 0 ]; then
  echo "make lint: helm found problems (above)" >&2
fi
exit "${status}"
