{{/*
flotilla.namespace is flotilla-system, the only namespace Flotilla runs in: the controller keeps
its Lease and the members' credentials there, and `flotilla join` writes them there.
*/}}
{{- define "flotilla.namespace" -}}
{{- if ne .Release.Namespace "flotilla-system" -}}
{{- fail (printf "install Flotilla into the flotilla-system namespace (helm install flotilla deploy/helm/flotilla --namespace flotilla-system --create-namespace), not %q: the controller keeps its Lease and the members' credentials there" .Release.Namespace) -}}
{{- end -}}
flotilla-system
{{- end }}

{{/* flotilla.labels are on every object. */}}
{{- define "flotilla.labels" -}}
helm.sh/chart: {{ printf "%s-%s" .Chart.Name .Chart.Version | replace "+" "_" }}
app.kubernetes.io/name: flotilla
app.kubernetes.io/part-of: flotilla
app.kubernetes.io/instance: {{ .Release.Name }}
app.kubernetes.io/version: {{ .Chart.AppVersion | quote }}
app.kubernetes.io/managed-by: {{ .Release.Service }}
{{- end }}

{{/* flotilla.selectorLabels select a component's pods (the argument: controller or console). */}}
{{- define "flotilla.selectorLabels" -}}
app.kubernetes.io/name: flotilla
app.kubernetes.io/component: {{ . }}
{{- end }}

{{- define "flotilla.image" -}}
{{- if .Values.image.digest -}}
{{ .Values.image.repository }}@{{ .Values.image.digest }}
{{- else -}}
{{ .Values.image.repository }}:{{ .Values.image.tag | default .Chart.AppVersion }}
{{- end -}}
{{- end }}

{{/* flotilla.auditURL is where the controller sends its audit records; empty: nowhere. */}}
{{- define "flotilla.auditURL" -}}
{{- if .Values.audit.url -}}
{{ .Values.audit.url }}
{{- else if .Values.console.enabled -}}
https://flotilla-console.flotilla-system.svc:8090/api/v1/audit/ingest
{{- end -}}
{{- end }}

{{/*
flotilla.certMode: "generated" (the chart makes a CA and serving certificates at every render),
"existing" (certs.existingSecret) or "cert-manager" (certManager.enabled).
*/}}
{{- define "flotilla.certMode" -}}
{{- if and .Values.certManager.enabled .Values.certs.existingSecret -}}
{{- fail "certManager.enabled and certs.existingSecret exclude each other: let cert-manager issue the certificates, or bring your own Secret" -}}
{{- end -}}
{{- if .Values.certManager.enabled -}}
cert-manager
{{- else if .Values.certs.existingSecret -}}
existing
{{- else -}}
generated
{{- end -}}
{{- end }}

{{/* Secrets holding tls.crt, tls.key and ca.crt for the webhook server and the console. */}}
{{- define "flotilla.webhookSecret" -}}
{{- .Values.certs.existingSecret | default "flotilla-webhook-cert" -}}
{{- end }}
{{- define "flotilla.consoleSecret" -}}
{{- .Values.certs.existingSecret | default "flotilla-console-cert" -}}
{{- end }}

{{/*
flotilla.certsRoll is a pod annotation that rolls the pods when the chart generated new
certificates (every install and upgrade without certs.existingSecret or certManager): the console
reads its certificate, and the controller its trust in the console's CA, only at start.
*/}}
{{- define "flotilla.certsRoll" -}}
{{- if eq (include "flotilla.certMode" .) "generated" -}}
flotilla.dev/certs-generated: {{ now | date "2006-01-02T15:04:05Z07:00" | quote }}
{{- end -}}
{{- end }}

{{/* Security contexts: non-root, read-only root filesystem, no capabilities (Pod Security "restricted"). */}}
{{- define "flotilla.podSecurityContext" -}}
runAsNonRoot: true
runAsUser: 65532
runAsGroup: 65532
fsGroup: 65532
seccompProfile:
  type: RuntimeDefault
{{- end }}
{{- define "flotilla.containerSecurityContext" -}}
allowPrivilegeEscalation: false
readOnlyRootFilesystem: true
runAsNonRoot: true
capabilities:
  drop: [ALL]
seccompProfile:
  type: RuntimeDefault
{{- end }}

{{/* flotilla.dnsNames of a Service in flotilla-system (the argument: its name). */}}
{{- define "flotilla.dnsNames" -}}
- {{ . }}
- {{ . }}.flotilla-system
- {{ . }}.flotilla-system.svc
- {{ . }}.flotilla-system.svc.cluster.local
{{- end }}
