{{/* The chart's name. */}}
{{- define "lightfield-mcp.name" -}}
{{- default .Chart.Name .Values.nameOverride | trunc 63 | trimSuffix "-" }}
{{- end }}

{{/* The resources' name: the release's, with the chart's added unless it already holds it. */}}
{{- define "lightfield-mcp.fullname" -}}
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

{{/* The chart's name and version, for the helm.sh/chart label. */}}
{{- define "lightfield-mcp.chart" -}}
{{- printf "%s-%s" .Chart.Name .Chart.Version | replace "+" "_" | trunc 63 | trimSuffix "-" }}
{{- end }}

{{/* Labels on every resource. */}}
{{- define "lightfield-mcp.labels" -}}
helm.sh/chart: {{ include "lightfield-mcp.chart" . }}
{{ include "lightfield-mcp.selectorLabels" . }}
app.kubernetes.io/version: {{ .Chart.AppVersion | quote }}
app.kubernetes.io/managed-by: {{ .Release.Service }}
{{- end }}

{{/* Labels that select the pods. */}}
{{- define "lightfield-mcp.selectorLabels" -}}
app.kubernetes.io/name: {{ include "lightfield-mcp.name" . }}
app.kubernetes.io/instance: {{ .Release.Name }}
{{- end }}

{{/* The ServiceAccount the pods run as. */}}
{{- define "lightfield-mcp.serviceAccountName" -}}
{{- if .Values.serviceAccount.create }}
{{- default (include "lightfield-mcp.fullname" .) .Values.serviceAccount.name }}
{{- else }}
{{- default "default" .Values.serviceAccount.name }}
{{- end }}
{{- end }}

{{/* The Secret the server's secrets come from: the existing one, or the chart's. */}}
{{- define "lightfield-mcp.secretName" -}}
{{- default (include "lightfield-mcp.fullname" .) .Values.secret.existingSecret }}
{{- end }}
