{{/* Names and labels shared by every template. */}}
{{- define "plugin-sandbox.name" -}}
{{- default .Chart.Name .Values.nameOverride | trunc 63 | trimSuffix "-" -}}
{{- end -}}

{{/* <release>-<name>, or the release alone when it already holds the name; fullnameOverride wins. */}}
{{- define "plugin-sandbox.fullname" -}}
{{- if .Values.fullnameOverride -}}
{{- .Values.fullnameOverride | trunc 63 | trimSuffix "-" -}}
{{- else -}}
{{- $name := default .Chart.Name .Values.nameOverride -}}
{{- if contains $name .Release.Name -}}
{{- .Release.Name | trunc 63 | trimSuffix "-" -}}
{{- else -}}
{{- printf "%s-%s" .Release.Name $name | trunc 63 | trimSuffix "-" -}}
{{- end -}}
{{- end -}}
{{- end -}}

{{/* A Service name is a DNS label (63 characters) even after the suffix. */}}
{{- define "plugin-sandbox.metricsServiceName" -}}
{{- printf "%s-metrics" (include "plugin-sandbox.fullname" . | trunc 55 | trimSuffix "-") -}}
{{- end -}}

{{/* The Lease of leader election: one per release, so two releases in a namespace never share it. */}}
{{- define "plugin-sandbox.leaseName" -}}
{{- include "plugin-sandbox.fullname" . -}}
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

{{/* global.imagePullSecrets then imagePullSecrets, each a name or {name: ...}, duplicates dropped. */}}
{{- define "plugin-sandbox.imagePullSecrets" -}}
{{- $secrets := list -}}
{{- range concat (default list (.Values.global).imagePullSecrets) (default list .Values.imagePullSecrets) -}}
{{- if kindIs "string" . -}}
{{- $secrets = append $secrets (dict "name" .) -}}
{{- else -}}
{{- $secrets = append $secrets . -}}
{{- end -}}
{{- end -}}
{{- with uniq $secrets -}}
imagePullSecrets:
  {{- toYaml . | nindent 2 }}
{{- end -}}
{{- end -}}

{{/* The PodDisruptionBudget's one bound: the one given (null counts as not given), else minAvailable 1. */}}
{{- define "plugin-sandbox.pdbBound" -}}
{{- $pdb := .Values.podDisruptionBudget -}}
{{- if not (kindIs "invalid" $pdb.maxUnavailable) -}}
maxUnavailable: {{ $pdb.maxUnavailable | toJson }}
{{- else if not (kindIs "invalid" $pdb.minAvailable) -}}
minAvailable: {{ $pdb.minAvailable | toJson }}
{{- else -}}
minAvailable: 1
{{- end -}}
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
