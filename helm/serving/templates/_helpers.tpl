{{/* Chart name, truncated to the 63 characters DNS labels allow. */}}
{{- define "serving.name" -}}
{{- default .Chart.Name .Values.nameOverride | trunc 63 | trimSuffix "-" }}
{{- end }}

{{/* Release-qualified name prefix of every object. */}}
{{- define "serving.fullname" -}}
{{- if .Values.fullnameOverride }}
{{- .Values.fullnameOverride | trunc 63 | trimSuffix "-" }}
{{- else }}
{{- $name := default .Chart.Name .Values.nameOverride }}
{{- if contains $name .Release.Name }}
{{- .Release.Name | trunc 63 | trimSuffix "-" }}
{{- else }}
{{- printf "%s-%s" .Release.Name $name | trunc 63 | trimSuffix "-" }}
{{- end }}
{{- end }}
{{- end }}

{{- define "serving.chart" -}}
{{- printf "%s-%s" .Chart.Name .Chart.Version | replace "+" "_" | trunc 63 | trimSuffix "-" }}
{{- end }}

{{/* Labels selecting the release's pods. */}}
{{- define "serving.selectorLabels" -}}
app.kubernetes.io/name: {{ include "serving.name" . }}
app.kubernetes.io/instance: {{ .Release.Name }}
{{- end }}

{{- define "serving.labels" -}}
helm.sh/chart: {{ include "serving.chart" . }}
{{ include "serving.selectorLabels" . }}
app.kubernetes.io/version: {{ .Chart.AppVersion | quote }}
app.kubernetes.io/managed-by: {{ .Release.Service }}
app.kubernetes.io/part-of: serving
{{- end }}

{{- define "serving.router.fullname" -}}
{{- printf "%s-router" (include "serving.fullname" .) | trunc 63 | trimSuffix "-" }}
{{- end }}

{{/* Worker pool object name; call with (dict "root" $ "pool" $pool). */}}
{{- define "serving.worker.fullname" -}}
{{- printf "%s-worker-%s" (include "serving.fullname" .root) .pool.name | trunc 63 | trimSuffix "-" }}
{{- end }}

{{- define "serving.image" -}}
{{- $tag := default .root.Chart.AppVersion .root.Values.image.tag }}
{{- printf "%s:%s%s" .root.Values.image.repository $tag .suffix }}
{{- end }}

{{/* The router's --workers value: every pool's headless Service DNS name and gRPC port. */}}
{{- define "serving.workerAddresses" -}}
{{- $root := . }}
{{- $list := list }}
{{- range .Values.workerPools }}
{{- $list = append $list (printf "dns:%s.%s.svc.cluster.local:%d" (include "serving.worker.fullname" (dict "root" $root "pool" .)) $root.Release.Namespace (int $root.Values.worker.ports.grpc)) }}
{{- end }}
{{- join "," $list }}
{{- end }}

{{/* Plain Prometheus scrape annotations, used when the operator's ServiceMonitor is off. */}}
{{- define "serving.scrapeAnnotations" -}}
{{- if not .root.Values.prometheusOperator.enabled -}}
prometheus.io/scrape: "true"
prometheus.io/port: {{ .port | quote }}
prometheus.io/path: /metrics
{{- end }}
{{- end }}

{{- define "serving.tmpVolume" -}}
- name: tmp
  emptyDir:
    sizeLimit: 256Mi
{{- end }}
