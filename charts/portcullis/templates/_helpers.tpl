{{/*
Names. Everything is derived from the release and the values: no random value, no timestamp,
no generated certificate (the operator makes its CA and certificates at run time), so the same
values always render the same manifests (GitOps tools see no drift).
*/}}
{{- define "portcullis.name" -}}
{{- default .Chart.Name .Values.nameOverride | trunc 63 | trimSuffix "-" }}
{{- end }}

{{- define "portcullis.fullname" -}}
{{- if .Values.fullnameOverride }}
{{- .Values.fullnameOverride | trunc 40 | trimSuffix "-" }}
{{- else }}
{{- $name := default .Chart.Name .Values.nameOverride }}
{{- if contains $name .Release.Name }}
{{- .Release.Name | trunc 40 | trimSuffix "-" }}
{{- else }}
{{- printf "%s-%s" .Release.Name $name | trunc 40 | trimSuffix "-" }}
{{- end }}
{{- end }}
{{- end }}

{{- define "portcullis.operatorName" -}}{{ include "portcullis.fullname" . }}-operator{{- end }}
{{- define "portcullis.dataPlaneName" -}}{{ include "portcullis.fullname" . }}-data-plane{{- end }}
{{/* The Secrets the operator creates at run time (its CA, and the data planes' client certificate). */}}
{{- define "portcullis.routeCaSecret" -}}{{ include "portcullis.fullname" . }}-route-ca{{- end }}
{{- define "portcullis.dataPlaneTlsSecret" -}}{{ include "portcullis.fullname" . }}-data-plane-tls{{- end }}

{{- define "portcullis.operatorServiceAccount" -}}
{{- if .Values.operator.serviceAccount.create }}{{ default (include "portcullis.operatorName" .) .Values.operator.serviceAccount.name }}
{{- else }}{{ required "operator.serviceAccount.name is required when operator.serviceAccount.create is false" .Values.operator.serviceAccount.name }}
{{- end }}
{{- end }}

{{- define "portcullis.dataPlaneServiceAccount" -}}
{{- if .Values.dataPlane.serviceAccount.create }}{{ default (include "portcullis.dataPlaneName" .) .Values.dataPlane.serviceAccount.name }}
{{- else }}{{ required "dataPlane.serviceAccount.name is required when dataPlane.serviceAccount.create is false" .Values.dataPlane.serviceAccount.name }}
{{- end }}
{{- end }}

{{- define "portcullis.labels" -}}
helm.sh/chart: {{ printf "%s-%s" .Chart.Name .Chart.Version | replace "+" "_" | trunc 63 | trimSuffix "-" }}
app.kubernetes.io/name: {{ include "portcullis.name" . }}
app.kubernetes.io/instance: {{ .Release.Name }}
app.kubernetes.io/version: {{ .Chart.AppVersion | quote }}
app.kubernetes.io/managed-by: {{ .Release.Service }}
app.kubernetes.io/part-of: portcullis
{{- with .Values.commonLabels }}
{{ toYaml . }}
{{- end }}
{{- end }}

{{- define "portcullis.operatorSelector" -}}
app.kubernetes.io/name: {{ include "portcullis.name" . }}
app.kubernetes.io/instance: {{ .Release.Name }}
app.kubernetes.io/component: operator
{{- end }}

{{- define "portcullis.dataPlaneSelector" -}}
app.kubernetes.io/name: {{ include "portcullis.name" . }}
app.kubernetes.io/instance: {{ .Release.Name }}
app.kubernetes.io/component: data-plane
{{- end }}

{{- define "portcullis.operatorLabels" -}}
{{ include "portcullis.labels" . }}
app.kubernetes.io/component: operator
{{- end }}

{{- define "portcullis.dataPlaneLabels" -}}
{{ include "portcullis.labels" . }}
app.kubernetes.io/component: data-plane
{{- end }}

{{/* An image reference: [registry/]repository, then @digest or :tag (default: appVersion). */}}
{{- define "portcullis.image" -}}
{{- $root := index . 0 }}{{- $image := index . 1 }}
{{- $repo := $image.repository }}
{{- with $root.Values.images.registry }}{{- $repo = printf "%s/%s" (trimSuffix "/" .) $repo }}{{- end }}
{{- if $image.digest }}{{ printf "%s@%s" $repo $image.digest }}
{{- else }}{{ printf "%s:%s" $repo (default $root.Chart.AppVersion $image.tag) }}
{{- end }}
{{- end }}

{{/* The namespaces the operator reads (empty: all). */}}
{{- define "portcullis.watchNamespaces" -}}
{{- join "," (uniq .Values.operator.watchNamespaces) }}
{{- end }}

{{/* The data plane's grace period: the preStop sleep, the drain period and timeout, and 5 s to exit. */}}
{{- define "portcullis.dataPlaneGrace" -}}
{{- $dp := .Values.dataPlane }}
{{- $needed := add $dp.preStopSleepSeconds $dp.drainPeriodSeconds $dp.drainTimeoutSeconds 5 }}
{{- if kindIs "invalid" $dp.terminationGracePeriodSeconds }}{{ $needed }}
{{- else if lt (int $dp.terminationGracePeriodSeconds) (int (sub $needed 5)) }}
{{- fail (printf "dataPlane.terminationGracePeriodSeconds (%v) must be at least preStopSleepSeconds + drainPeriodSeconds + drainTimeoutSeconds (%v), or requests in flight are cut off" $dp.terminationGracePeriodSeconds (sub $needed 5)) }}
{{- else }}{{ int $dp.terminationGracePeriodSeconds }}
{{- end }}
{{- end }}

{{/* A topology spread list with the component's label selector added where it has none. */}}
{{- define "portcullis.spread" -}}
{{- $constraints := index . 0 }}{{- $selector := index . 1 }}
{{- range $constraints }}
{{- $c := deepCopy . }}
{{- if not (hasKey $c "labelSelector") }}{{- $_ := set $c "labelSelector" (dict "matchLabels" ($selector | fromYaml)) }}{{- end }}
- {{ toYaml $c | nindent 2 | trim }}
{{- end }}
{{- end }}

{{- define "portcullis.podSecurityContext" -}}
runAsNonRoot: true
runAsUser: 65532
runAsGroup: 65532
fsGroup: 65532
seccompProfile:
  type: RuntimeDefault
{{- end }}

{{- define "portcullis.containerSecurityContext" -}}
runAsNonRoot: true
runAsUser: 65532
runAsGroup: 65532
readOnlyRootFilesystem: true
allowPrivilegeEscalation: false
privileged: false
capabilities:
  drop: [ALL]
seccompProfile:
  type: RuntimeDefault
{{- end }}
