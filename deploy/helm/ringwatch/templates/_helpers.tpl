{{/* Names and labels shared by every template. */}}

{{- define "ringwatch.name" -}}
{{- default .Chart.Name .Values.nameOverride | trunc 63 | trimSuffix "-" -}}
{{- end -}}

{{/* 43 characters leave room for the longest suffix (-dashboard-releases) within the 63 of a label or Service name. */}}
{{- define "ringwatch.fullname" -}}
{{- if .Values.fullnameOverride -}}
{{- .Values.fullnameOverride | trunc 43 | trimSuffix "-" -}}
{{- else -}}
{{- $name := default .Chart.Name .Values.nameOverride -}}
{{- if contains $name .Release.Name -}}
{{- .Release.Name | trunc 43 | trimSuffix "-" -}}
{{- else -}}
{{- printf "%s-%s" .Release.Name $name | trunc 43 | trimSuffix "-" -}}
{{- end -}}
{{- end -}}
{{- end -}}

{{- define "ringwatch.selectorLabels" -}}
app.kubernetes.io/name: {{ include "ringwatch.name" . }}
app.kubernetes.io/instance: {{ .Release.Name }}
{{- end -}}

{{- define "ringwatch.labels" -}}
helm.sh/chart: {{ printf "%s-%s" .Chart.Name .Chart.Version | replace "+" "_" | trunc 63 | trimSuffix "-" }}
{{ include "ringwatch.selectorLabels" . }}
app.kubernetes.io/version: {{ .Chart.AppVersion | quote }}
app.kubernetes.io/managed-by: {{ .Release.Service }}
{{- end -}}

{{/* Selector labels of one role: (dict "ctx" $ "role" "collector"). The monitors read the component label as role=. */}}
{{- define "ringwatch.roleSelectorLabels" -}}
{{ include "ringwatch.selectorLabels" .ctx }}
app.kubernetes.io/component: {{ .role }}
{{- end -}}

{{- define "ringwatch.roleLabels" -}}
{{ include "ringwatch.labels" .ctx }}
app.kubernetes.io/component: {{ .role }}
{{- end -}}

{{- define "ringwatch.secretName" -}}
{{- default (printf "%s-secrets" (include "ringwatch.fullname" .)) .Values.secrets.name -}}
{{- end -}}

{{- define "ringwatch.image" -}}
{{- printf "%s:%s" .Values.image.repository (default .Chart.AppVersion .Values.image.tag) -}}
{{- end -}}

{{/* Which Secret keys each role mounts (the processor needs none). */}}
{{- define "ringwatch.secretKeys" -}}
{{- $keys := dict "collector" (list "device_tokens" "release_token") "processor" (list) "alerter" (list "pagerduty_release_routing_key" "pagerduty_pipeline_routing_key") -}}
{{- toJson (index $keys .) -}}
{{- end -}}

{{/*
One role's ringwatch config file: config.common, then config.<role>, then what the chart must own so the
file agrees with the pod (listen port = container port, secret files = the mounted Secret, kafka bus).
*/}}
{{- define "ringwatch.roleConfig" -}}
{{- $v := .ctx.Values -}}
{{- $section := ternary "alerting" .role (eq .role "alerter") -}}
{{- $config := mergeOverwrite (deepCopy ($v.config.common | default dict)) (deepCopy ((index $v.config .role) | default dict)) -}}
{{- $owned := dict "listen_port" (index $v .role).port -}}
{{- if eq .role "alerter" -}}
{{- $_ := set $owned "board_listen_port" $v.alerter.boardPort -}}
{{- end -}}
{{- range (include "ringwatch.secretKeys" .role | fromJsonArray) -}}
{{- $_ := set $owned (printf "%s_file" .) (printf "/etc/ringwatch/secrets/%s" .) -}}
{{- end -}}
{{- $config = mergeOverwrite $config (dict "bus" (dict "kind" "kafka" "topic_prefix" $v.kafka.topicPrefix) $section $owned) -}}
{{- toYaml $config -}}
{{- end -}}

{{/* "true" when the alerter serves the board (alerting.board_enabled, default true, in config.common or config.alerter), else "". */}}
{{- define "ringwatch.boardEnabled" -}}
{{- $alerting := (include "ringwatch.roleConfig" (dict "ctx" . "role" "alerter") | fromYaml).alerting | default dict -}}
{{- if ne (toString (index $alerting "board_enabled")) "false" -}}true{{- end -}}
{{- end -}}
