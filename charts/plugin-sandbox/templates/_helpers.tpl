{{/* Names and labels shared by every template. */}}
{{- define "plugin-sandbox.name" -}}
{{- .Chart.Name | trunc 63 | trimSuffix "-" -}}
{{- end -}}

{{- define "plugin-sandbox.fullname" -}}
{{- if contains .Chart.Name .Release.Name -}}
{{- .Release.Name | trunc 63 | trimSuffix "-" -}}
{{- else -}}
{{- printf "%s-%s" .Release.Name .Chart.Name | trunc 63 | trimSuffix "-" -}}
{{- end -}}
{{- end -}}

{{- define "plugin-sandbox.selectorLabels" -}}
app.kubernetes.io/name: {{ include "plugin-sandbox.name" . }}
app.kubernetes.io/instance: {{ .Release.Name }}
{{- end -}}

{{- define "plugin-sandbox.labels" -}}
helm.sh/chart: {{ printf "%s-%s" .Chart.Name .Chart.Version | replace "+" "_" }}
{{ include "plugin-sandbox.selectorLabels" . }}
app.kubernetes.io/version: {{ .Chart.AppVersion | quote }}
app.kubernetes.io/managed-by: {{ .Release.Service }}
app.kubernetes.io/component: controller
{{- end -}}

{{- define "plugin-sandbox.serviceAccountName" -}}
{{- if .Values.serviceAccount.create -}}
{{- default (include "plugin-sandbox.fullname" .) .Values.serviceAccount.name -}}
{{- else -}}
{{- required "serviceAccount.name is required when serviceAccount.create is false" .Values.serviceAccount.name -}}
{{- end -}}
{{- end -}}

{{/* repository@digest when a digest is set (pinned), else repository:tag. */}}
{{- define "plugin-sandbox.imageRef" -}}
{{- if .image.digest -}}
{{- printf "%s@%s" .image.repository .image.digest -}}
{{- else -}}
{{- printf "%s:%s" .image.repository (default .appVersion .image.tag) -}}
{{- end -}}
{{- end -}}

{{- define "plugin-sandbox.controllerImage" -}}
{{- include "plugin-sandbox.imageRef" (dict "image" .Values.image "appVersion" .Chart.AppVersion) -}}
{{- end -}}

{{- define "plugin-sandbox.sandboxImage" -}}
{{- include "plugin-sandbox.imageRef" (dict "image" .Values.sandboxImage "appVersion" .Chart.AppVersion) -}}
{{- end -}}

{{/* Several replicas without leader election would run every plugin twice. */}}
{{- define "plugin-sandbox.leaderElect" -}}
{{- if or .Values.controller.leaderElect (gt (int .Values.replicaCount) 1) -}}true{{- else -}}false{{- end -}}
{{- end -}}

{{- define "plugin-sandbox.signingSecretName" -}}
{{- if .Values.signing.existingSecret -}}
{{- .Values.signing.existingSecret -}}
{{- else -}}
{{- printf "%s-signing-keys" (include "plugin-sandbox.fullname" .) -}}
{{- end -}}
{{- end -}}

{{- define "plugin-sandbox.signingEnabled" -}}
{{- if or .Values.signing.existingSecret .Values.signing.publicKeys -}}true{{- end -}}
{{- end -}}

{{/* The namespaced rules the controller needs wherever it handles PluginRuns. */}}
{{- define "plugin-sandbox.runRules" -}}
- apiGroups: ["sandbox.plugins.dev"]
  resources: ["pluginruns"]
  # delete: spec.ttlSecondsAfterFinished removes finished runs.
  verbs: ["get", "list", "watch", "delete"]
- apiGroups: ["sandbox.plugins.dev"]
  resources: ["pluginruns/status"]
  verbs: ["update", "patch"]
- apiGroups: [""]
  resources: ["pods"]
  verbs: ["create", "get", "list", "watch", "delete"]
- apiGroups: [""]
  resources: ["configmaps"]
  verbs: ["get", "list", "watch"]
- apiGroups: ["networking.k8s.io"]
  resources: ["networkpolicies"]
  verbs: ["get", "list", "create", "update"]
- apiGroups: ["", "events.k8s.io"]
  resources: ["events"]
  verbs: ["create", "patch"]
{{- end -}}
