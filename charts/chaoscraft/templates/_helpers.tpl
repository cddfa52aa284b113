{{/*
Helpers of the chaoscraft chart. Object names are fixed (chaoscraft-controller, …) because the
RBAC rule files in rbac/ name the service accounts and the Lease: install the chart once per cluster.
*/}}

{{/* Labels on every object; call with (dict "root" $ "component" "controller"). */}}
{{- define "chaoscraft.labels" -}}
helm.sh/chart: {{ printf "%s-%s" .root.Chart.Name .root.Chart.Version | quote }}
app.kubernetes.io/managed-by: {{ .root.Release.Service }}
app.kubernetes.io/part-of: chaoscraft
{{ include "chaoscraft.selectorLabels" . }}
{{- end }}

{{/* The labels a workload's selector uses. */}}
{{- define "chaoscraft.selectorLabels" -}}
app.kubernetes.io/name: chaoscraft
app.kubernetes.io/instance: {{ .root.Release.Name }}
app.kubernetes.io/component: {{ .component }}
{{- end }}

{{/* repository:tag, the tag defaulting to the chart's appVersion; call with (dict "root" $ "image" …). */}}
{{- define "chaoscraft.image" -}}
{{ printf "%s:%s" .image.repository (.image.tag | default .root.Chart.AppVersion) }}
{{- end }}

{{/*
The container security context of the controller and gitops: non-root, nothing writable but the
volumes, no privilege escalation, no capability at all.
*/}}
{{- define "chaoscraft.restrictedContainerSecurityContext" -}}
runAsNonRoot: true
runAsUser: 1000
runAsGroup: 1000
readOnlyRootFilesystem: true
allowPrivilegeEscalation: false
privileged: false
capabilities:
  drop: [ALL]
seccompProfile:
  type: RuntimeDefault
{{- end }}

{{/*
One process's RBAC objects from its static rule file (rbac/<process>.yaml, proven least-privilege
by test/rbac/): the files name the namespace chaoscraft-system, which becomes the release's. The
controller's Role on Argo CD Applications (namespace argocd in the file) is kept only when
controller.argocdNamespace is set, and moved there. Call with (dict "root" $ "file" (.Files.Get …)).
*/}}
{{- define "chaoscraft.rbac" -}}
{{- $argocd := .root.Values.controller.argocdNamespace }}
{{- $release := printf "namespace: %s" .root.Release.Namespace }}
{{- range $doc := splitList "\n---\n" .file }}
{{- if or (not (contains "  namespace: argocd\n" $doc)) $argocd }}
---
{{ $doc | replace "  namespace: argocd\n" (printf "  namespace: %s\n" $argocd) | replace "namespace: chaoscraft-system" $release | trim }}
{{- end }}
{{- end }}
{{- end }}
