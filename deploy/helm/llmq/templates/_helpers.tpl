{{/* The release's base name, at most 63 characters with the longest role suffix added. */}}
{{- define "llmq.fullname" -}}
{{- if contains .Chart.Name .Release.Name -}}
{{- .Release.Name | trunc 40 | trimSuffix "-" -}}
{{- else -}}
{{- printf "%s-%s" .Release.Name .Chart.Name | trunc 40 | trimSuffix "-" -}}
{{- end -}}
{{- end -}}

{{/* The name of one role's objects: (list $ "worker") */}}
{{- define "llmq.roleName" -}}
{{- printf "%s-%s" (include "llmq.fullname" (index . 0)) (index . 1) -}}
{{- end -}}

{{- define "llmq.labels" -}}
helm.sh/chart: {{ printf "%s-%s" .Chart.Name .Chart.Version | replace "+" "_" }}
app.kubernetes.io/name: {{ .Chart.Name }}
app.kubernetes.io/instance: {{ .Release.Name }}
app.kubernetes.io/version: {{ .Chart.AppVersion | quote }}
app.kubernetes.io/managed-by: {{ .Release.Service }}
app.kubernetes.io/part-of: llmq
{{- end -}}

{{/* Selector labels of one role: (list $ "worker") */}}
{{- define "llmq.selectorLabels" -}}
app.kubernetes.io/name: {{ (index . 0).Chart.Name }}
app.kubernetes.io/instance: {{ (index . 0).Release.Name }}
app.kubernetes.io/component: {{ index . 1 }}
{{- end -}}

{{- define "llmq.image" -}}
{{- printf "%s:%s" .Values.image.repository (default .Chart.AppVersion .Values.image.tag) -}}
{{- end -}}

{{- define "llmq.secretName" -}}
{{- default (include "llmq.roleName" (list . "secrets")) .Values.existingSecret -}}
{{- end -}}

{{/*
The llmq config file: values.config, where the chart adds what it knows unless the config sets it:
llmq.ingest.usage_url (the usage aggregator's Service) and the advertised_url of the ingest API and the usage
aggregator (LLMQ_ADVERTISED_URL, which each pod sets to its own address).
*/}}
{{- define "llmq.config" -}}
{{- $cfg := deepCopy .Values.config -}}
{{- $llmq := default (dict) (get $cfg "llmq") -}}
{{- $ingest := default (dict) (get $llmq "ingest") -}}
{{- $usage := default (dict) (get $llmq "usage") -}}
{{- if and .Values.usageAggregator.enabled (not (hasKey $ingest "usage_url")) -}}
{{- $_ := set $ingest "usage_url" (printf "http://%s:%v" (include "llmq.roleName" (list . "usage-aggregator")) .Values.usageAggregator.port) -}}
{{- end -}}
{{- if not (hasKey $ingest "advertised_url") -}}
{{- $_ := set $ingest "advertised_url" "os.environ/LLMQ_ADVERTISED_URL" -}}
{{- end -}}
{{- if not (hasKey $usage "advertised_url") -}}
{{- $_ := set $usage "advertised_url" "os.environ/LLMQ_ADVERTISED_URL" -}}
{{- end -}}
{{- $_ := set $llmq "ingest" $ingest -}}
{{- $_ := set $llmq "usage" $usage -}}
{{- $_ := set $cfg "llmq" $llmq -}}
{{- toYaml $cfg -}}
{{- end -}}

{{/*
What every llmq container gets: its pod's name and address, the URL at which its HTTP port is reached
(LLMQ_ADVERTISED_URL, which the config's advertised_url entries name: every role resolves the whole llmq section,
so every pod sets it), the Kafka cluster and the LLMQ_KAFKA_* properties. (list $ port)
*/}}
{{- define "llmq.env" -}}
{{- $ := index . 0 -}}
- name: POD_NAME
  valueFrom: { fieldRef: { fieldPath: metadata.name } }
- name: POD_IP
  valueFrom: { fieldRef: { fieldPath: status.podIP } }
- name: LLMQ_ADVERTISED_URL
  value: "http://$(POD_IP):{{ index . 1 }}"
- name: KAFKA_BOOTSTRAP_SERVERS
  value: {{ $.Values.kafka.bootstrapServers | quote }}
{{- range $name, $value := $.Values.kafka.env }}
{{- if not (hasPrefix "LLMQ_KAFKA_" $name) }}
{{- fail (printf "kafka.env.%s: only LLMQ_KAFKA_<PROPERTY> variables set Kafka client properties" $name) }}
{{- end }}
- name: {{ $name }}
  value: {{ $value | quote }}
{{- end }}
{{- end -}}

{{/* The Secret's variables, when there is one; empty otherwise (use with `with`). */}}
{{- define "llmq.envFrom" -}}
{{- if or .Values.secrets .Values.existingSecret -}}
envFrom:
  - secretRef:
      name: {{ include "llmq.secretName" . }}
{{- end -}}
{{- end -}}

{{- define "llmq.configVolume" -}}
- name: config
  configMap:
    name: {{ include "llmq.roleName" (list . "config") }}
- name: tmp
  emptyDir: {}
{{- end -}}

{{- define "llmq.configMount" -}}
- name: config
  mountPath: /etc/llmq
  readOnly: true
- name: tmp
  mountPath: /tmp
{{- end -}}

{{- define "llmq.containerSecurityContext" -}}
allowPrivilegeEscalation: false
readOnlyRootFilesystem: true
capabilities:
  drop: [ALL]
{{- end -}}

{{/* Probes of a role whose HTTP server (API or health) listens on the pod's address, as its port named http. */}}
{{- define "llmq.httpProbes" -}}
livenessProbe:
  httpGet: { path: /health/live, port: http }
  periodSeconds: 10
  failureThreshold: 6
readinessProbe:
  httpGet: { path: /health/ready, port: http }
  periodSeconds: 5
  failureThreshold: 3
startupProbe:
  httpGet: { path: /health/live, port: http }
  periodSeconds: 2
  failureThreshold: 60
{{- end -}}
