{{/*
A role with an HTTP API of its own on the pod's address (ingest, usage-aggregator): its Deployment and Service.
(list $ "ingest" .Values.ingest "--instance-id")
*/}}
{{- define "llmq.httpRole" -}}
{{- $ := index . 0 -}}
{{- $role := index . 1 -}}
{{- $values := index . 2 -}}
{{- $idFlag := index . 3 -}}
apiVersion: apps/v1
kind: Deployment
metadata:
  name: {{ include "llmq.roleName" (list $ $role) }}
  labels:
    {{- include "llmq.labels" $ | nindent 4 }}
    app.kubernetes.io/component: {{ $role }}
spec:
  replicas: {{ $values.replicas }}
  selector:
    matchLabels:
      {{- include "llmq.selectorLabels" (list $ $role) | nindent 6 }}
  template:
    metadata:
      labels:
        {{- include "llmq.selectorLabels" (list $ $role) | nindent 8 }}
      annotations:
        checksum/config: {{ include "llmq.config" $ | sha256sum }}
    spec:
      {{- with $.Values.imagePullSecrets }}
      imagePullSecrets: {{- toYaml . | nindent 8 }}
      {{- end }}
      securityContext:
        {{- toYaml $.Values.podSecurityContext | nindent 8 }}
      containers:
        - name: {{ $role }}
          image: {{ include "llmq.image" $ }}
          imagePullPolicy: {{ $.Values.image.pullPolicy }}
          args:
            - {{ $role }}
            - --config
            - /etc/llmq/llmq.yaml
            - --host
            - 0.0.0.0
            - --http-port
            - {{ $values.port | quote }}
            - {{ $idFlag }}
            - $(POD_NAME)
            {{- if $.Values.auth.insecureNoAuth }}
            - --insecure-no-auth
            {{- end }}
          env:
            {{- include "llmq.env" (list $ $values.port) | nindent 12 }}
          {{- with (include "llmq.envFrom" $) }}
          {{- . | nindent 10 }}
          {{- end }}
          ports:
            - name: http
              containerPort: {{ $values.port }}
          {{- include "llmq.httpProbes" $ | nindent 10 }}
          volumeMounts:
            {{- include "llmq.configMount" $ | nindent 12 }}
          securityContext:
            {{- include "llmq.containerSecurityContext" $ | nindent 12 }}
          resources:
            {{- toYaml $values.resources | nindent 12 }}
      volumes:
        {{- include "llmq.configVolume" $ | nindent 8 }}
      {{- with $.Values.nodeSelector }}
      nodeSelector: {{- toYaml . | nindent 8 }}
      {{- end }}
      {{- with $.Values.tolerations }}
      tolerations: {{- toYaml . | nindent 8 }}
      {{- end }}
      {{- with $.Values.affinity }}
      affinity: {{- toYaml . | nindent 8 }}
      {{- end }}
---
apiVersion: v1
kind: Service
metadata:
  name: {{ include "llmq.roleName" (list $ $role) }}
  labels:
    {{- include "llmq.labels" $ | nindent 4 }}
    app.kubernetes.io/component: {{ $role }}
spec:
  type: {{ $values.service.type }}
  selector:
    {{- include "llmq.selectorLabels" (list $ $role) | nindent 4 }}
  ports:
    - name: http
      port: {{ $values.port }}
      targetPort: http
{{- end -}}
