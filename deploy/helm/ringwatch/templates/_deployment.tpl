{{/*
The Deployment of one role, (dict "ctx" $ "role" "collector"): one definition for all three, so the
probes, security context and mounts cannot drift apart. Mirrors deploy/kubernetes/<role>.yaml.
*/}}
{{- define "ringwatch.deployment" -}}
{{- $ctx := .ctx -}}
{{- $role := .role -}}
{{- $values := index $ctx.Values $role -}}
{{- $secretKeys := include "ringwatch.secretKeys" $role | fromJsonArray -}}
apiVersion: apps/v1
kind: Deployment
metadata:
  name: {{ include "ringwatch.fullname" $ctx }}-{{ $role }}
  namespace: {{ $ctx.Release.Namespace }}
  labels:
    {{- include "ringwatch.roleLabels" . | nindent 4 }}
spec:
  {{- /* With the HPA on, a replica count here would reset the scaled count on every upgrade. */}}
  {{- if not (and (eq $role "collector") $values.autoscaling.enabled) }}
  replicas: {{ $values.replicas }}
  {{- end }}
  revisionHistoryLimit: 5
  selector:
    matchLabels:
      {{- include "ringwatch.roleSelectorLabels" . | nindent 6 }}
  {{- /* Every role, the alerter included: one new pod at a time, none removed before its successor is
  ready. The alerter's replicas elect one active sender on Kafka, so a surge pod is a standby. */}}
  strategy:
    type: RollingUpdate
    rollingUpdate: { maxSurge: 1, maxUnavailable: 0 }
  template:
    metadata:
      labels:
        {{- include "ringwatch.roleSelectorLabels" . | nindent 8 }}
      annotations:
        {{- /* A config change rolls the pods: the roles read their file only at start. */}}
        checksum/config: {{ include (print $ctx.Template.BasePath "/configmap.yaml") $ctx | sha256sum }}
    spec:
      automountServiceAccountToken: false
      enableServiceLinks: false
      {{- with $ctx.Values.imagePullSecrets }}
      imagePullSecrets:
        {{- toYaml . | nindent 8 }}
      {{- end }}
      # Time to finish the batch (or requests) in hand and commit before the process exits.
      terminationGracePeriodSeconds: 30
      securityContext:
        runAsNonRoot: true
        runAsUser: 1000
        runAsGroup: 1000
        fsGroup: 1000
        seccompProfile: { type: RuntimeDefault }
      topologySpreadConstraints:
        - maxSkew: 1
          topologyKey: kubernetes.io/hostname
          whenUnsatisfiable: ScheduleAnyway
          labelSelector:
            matchLabels:
              {{- include "ringwatch.roleSelectorLabels" . | nindent 14 }}
      containers:
        - name: {{ $role }}
          image: {{ include "ringwatch.image" $ctx }}
          imagePullPolicy: {{ $ctx.Values.image.pullPolicy }}
          args: [{{ $role }}, --config, /etc/ringwatch/config.yaml]
          ports:
            - { name: http, containerPort: {{ $values.port }}, protocol: TCP }
            {{- if and (eq $role "alerter") (include "ringwatch.boardEnabled" $ctx) }}
            {{- /* The board's own port; it serves /metrics too, but the monitors scrape "http" only. */}}
            - { name: board, containerPort: {{ $values.boardPort }}, protocol: TCP }
            {{- end }}
          env:
            - name: RINGWATCH_KAFKA_BROKERS
              valueFrom: { configMapKeyRef: { name: {{ include "ringwatch.fullname" $ctx }}-config, key: kafka_brokers } }
            - name: RINGWATCH_INSTANCE_ID
              valueFrom: { fieldRef: { fieldPath: metadata.name } }
            {{- with $ctx.Values.extraEnv }}
            {{- toYaml . | nindent 12 }}
            {{- end }}
          # The HTTP server opens only once Kafka is reached (up to ~2 min of retries at start-up):
          # the startup probe covers that, so liveness never kills a pod that is still connecting.
          startupProbe:
            httpGet: { path: /livez, port: http }
            periodSeconds: 5
            failureThreshold: 36
          livenessProbe:
            httpGet: { path: /livez, port: http }
            periodSeconds: 10
            timeoutSeconds: 3
            failureThreshold: 3
          readinessProbe:
            httpGet: { path: /readyz, port: http }
            periodSeconds: 5
            timeoutSeconds: 3
            failureThreshold: 2
          resources:
            {{- toYaml $values.resources | nindent 12 }}
          securityContext:
            allowPrivilegeEscalation: false
            readOnlyRootFilesystem: true
            capabilities: { drop: [ALL] }
          volumeMounts:
            - { name: config, mountPath: /etc/ringwatch/config.yaml, subPath: {{ $role }}.yaml, readOnly: true }
            {{- if $secretKeys }}
            - { name: secrets, mountPath: /etc/ringwatch/secrets, readOnly: true }
            {{- end }}
            - { name: tmp, mountPath: /tmp }
      {{- with $ctx.Values.nodeSelector }}
      nodeSelector:
        {{- toYaml . | nindent 8 }}
      {{- end }}
      {{- with $ctx.Values.tolerations }}
      tolerations:
        {{- toYaml . | nindent 8 }}
      {{- end }}
      {{- with $ctx.Values.affinity }}
      affinity:
        {{- toYaml . | nindent 8 }}
      {{- end }}
      volumes:
        - name: config
          configMap: { name: {{ include "ringwatch.fullname" $ctx }}-config }
        {{- if $secretKeys }}
        - name: secrets
          secret:
            secretName: {{ include "ringwatch.secretName" $ctx }}
            defaultMode: 0440
            items:
              {{- range $secretKeys }}
              - { key: {{ . }}, path: {{ . }} }
              {{- end }}
        {{- end }}
        - name: tmp
          emptyDir: { sizeLimit: 64Mi }
{{- end -}}
